//! The local AWS for end-to-end tests: a moto server from `.venv` started once per test binary on a free
//! 127.0.0.1 port (or the server named by `SCORE_FANOUT_TEST_ENDPOINT`), and SDK settings that reach nothing else.

use aws_config::{ConfigLoader, Region, SdkConfig};
use aws_credential_types::Credentials;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The endpoint of the shared local AWS server, started on first use.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| std::env::var("SCORE_FANOUT_TEST_ENDPOINT").unwrap_or_else(|_| start_moto()))
}

fn start_moto() -> String {
    start_moto_with(&[])
}

/// A moto server of this test binary's own, with `env` added to its environment (settings that would change
/// the shared server's behaviour for every other test).
pub fn start_moto_with(env: &[(&str, &str)]) -> String {
    let moto = crate::repository().join(".venv/bin/moto_server");
    assert!(
        moto.exists(),
        "{} is missing: run `make test` (it installs moto into .venv), or set SCORE_FANOUT_TEST_ENDPOINT to a running moto server",
        moto.display()
    );
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    // The watchdog shell stops moto when this test process is gone, however it ends; it outlives this process,
    // so nobody here waits for it (init reaps it).
    let script = format!(
        "'{}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; while kill -0 {} 2>/dev/null; do sleep 0.5; done; kill $m",
        moto.display(),
        std::process::id()
    );
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .spawn()
        .expect("starting moto");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "moto did not start on port {port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://127.0.0.1:{port}")
}

/// `loader` (the function's own SDK settings, say) pointed at `endpoint`, a server on this machine, with dummy
/// credentials and a fixed region: nothing here can reach AWS.
pub async fn sdk_at(loader: ConfigLoader, endpoint: &str) -> SdkConfig {
    assert!(endpoint.starts_with("http://127.0.0.1:"), "tests talk to this machine only, not {endpoint}");
    let credentials = Credentials::new("test", "test", None, None, "score-fanout-tests");
    loader.endpoint_url(endpoint).region(Region::new("us-east-1")).credentials_provider(credentials).load().await
}

/// A resource-name prefix no other test of this run uses.
pub fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let short: String = test.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    format!("{short}{}x{}-", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
