//! One measured life of a function process, as Lambda runs it: start, init until the first `next`, a cold invoke,
//! then warm invokes of the same event, read from the driver's side (wall) and the OS's (CPU, peak RSS).

use crate::procfs;
use crate::stub::Stub;
use score_fanout_testkit::runtime_api::{Message, RuntimeApi};
use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const INIT_TIMEOUT: Duration = Duration::from_secs(60);
const INVOKE_TIMEOUT: Duration = Duration::from_secs(120);

/// A function under test: the command Lambda would start, and its environment.
#[derive(Clone)]
pub struct Function {
    pub name: &'static str,
    pub command: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Started under a profiler (`--wrap`).
    pub wrapped: bool,
}

/// Calls and entries the stub saw during one invocation, per sink.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    pub eventbridge_calls: u64,
    pub eventbridge_entries: u64,
    pub sns_calls: u64,
    pub sns_entries: u64,
}

/// What one process life measured.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// Process start to the first `next` request.
    pub init: Duration,
    pub init_cpu: Duration,
    /// The first (cold) invocation.
    pub first_wall: Duration,
    pub first_cpu: Duration,
    /// Each warm invocation: from handing the event out to the answer, and the CPU the process used from one
    /// `next` to the following one (everything the invocation cost it).
    pub warm_wall: Vec<Duration>,
    pub warm_cpu: Vec<Duration>,
    /// The stub's CPU over the warm invocations.
    pub stub_cpu: Duration,
    /// Peak resident memory after the cold invocation, and after the last one.
    pub first_peak_rss: u64,
    pub peak_rss: u64,
    /// Stub counts of every invocation, cold first.
    pub calls: Vec<Calls>,
    /// Every answer was a response (no invocation error) with no `batchItemFailures`.
    pub all_delivered: bool,
    /// Bytes the function wrote to stdout (its log).
    pub log_bytes: u64,
}

/// Runs `function` once: init, one cold invocation and `warm` warm ones with `event`.
pub fn run(function: &Function, event: &Arc<[u8]>, warm: usize, stub: &Stub) -> io::Result<Measured> {
    let api = RuntimeApi::start()?;
    let started = Instant::now();
    let mut child = Command::new(&function.command[0])
        .args(&function.command[1..])
        .env_clear()
        .envs(base_env(&api.address))
        .envs(function.env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", function.command[0])))?;
    let pid = child.id();
    let log = drain(child.stdout.take());
    let errors = drain(child.stderr.take());
    let outcome = measure(&api, pid, started, event, warm, stub);
    let peak_rss = procfs::peak_rss(pid);
    stop(&mut child, function.wrapped);
    drop(api);
    let log_bytes = log.join().map_or(0, |(total, _)| total);
    let errors = errors.join().map(|(_, tail)| tail).unwrap_or_default();
    match outcome {
        Ok(mut measured) => {
            measured.peak_rss = peak_rss;
            measured.log_bytes = log_bytes;
            Ok(measured)
        }
        Err(error) => {
            let tail = String::from_utf8_lossy(&errors[errors.len().saturating_sub(2000)..]).into_owned();
            Err(io::Error::other(format!("{}: {error}\n{tail}", function.name)))
        }
    }
}

fn measure(
    api: &RuntimeApi,
    pid: u32,
    started: Instant,
    event: &Arc<[u8]>,
    warm: usize,
    stub: &Stub,
) -> io::Result<Measured> {
    let mut measured = Measured { all_delivered: true, ..Measured::default() };
    let first_next = wait_next(api, INIT_TIMEOUT)?;
    measured.init = first_next - started;
    let mut cpu = procfs::cpu_time(pid);
    measured.init_cpu = cpu;
    let mut counts = stub.counts()?;
    let mut stub_cpu = Duration::ZERO;
    for invocation in 0..=warm {
        let stub_before = stub.cpu_time();
        api.invoke(Arc::clone(event));
        let (wall, delivered) = match api.message(INVOKE_TIMEOUT) {
            Some(Message::Answer { sent, at, error, body, .. }) => (at - sent, !error && delivered(&body)),
            Some(Message::InitError { body, .. }) => return Err(init_error(&body)),
            _ => return Err(io::Error::other("no answer to the invocation")),
        };
        wait_next(api, INVOKE_TIMEOUT)?;
        let cpu_after = procfs::cpu_time(pid);
        let counts_after = stub.counts()?;
        measured.calls.push(counts_after.minus(&counts));
        measured.all_delivered &= delivered;
        if invocation == 0 {
            (measured.first_wall, measured.first_cpu) = (wall, cpu_after - cpu);
            measured.first_peak_rss = procfs::peak_rss(pid);
        } else {
            measured.warm_wall.push(wall);
            measured.warm_cpu.push(cpu_after - cpu);
            stub_cpu += stub.cpu_time().saturating_sub(stub_before);
        }
        (cpu, counts) = (cpu_after, counts_after);
    }
    measured.stub_cpu = stub_cpu;
    Ok(measured)
}

fn wait_next(api: &RuntimeApi, timeout: Duration) -> io::Result<Instant> {
    match api.message(timeout) {
        Some(Message::Next(at)) => Ok(at),
        Some(Message::InitError { body, .. }) => Err(init_error(&body)),
        Some(Message::Answer { .. }) => Err(io::Error::other("an answer without an invocation")),
        None => Err(io::Error::other("the function never asked for the next invocation (it died or hung)")),
    }
}

/// A response without `batchItemFailures` entries.
fn delivered(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"batchItemFailures\":[]")
}

impl Calls {
    fn minus(&self, before: &Calls) -> Calls {
        Calls {
            eventbridge_calls: self.eventbridge_calls - before.eventbridge_calls,
            eventbridge_entries: self.eventbridge_entries - before.eventbridge_entries,
            sns_calls: self.sns_calls - before.sns_calls,
            sns_entries: self.sns_entries - before.sns_entries,
        }
    }
}

/// What Lambda's environment holds for every function (apart from the function's own configuration).
fn base_env(runtime_api: &str) -> Vec<(String, String)> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    [
        ("PATH", path.as_str()),
        ("LANG", "C.UTF-8"),
        ("TZ", ":UTC"),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ("AWS_LAMBDA_FUNCTION_NAME", "score-fanout"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/score-fanout"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]bench"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_SESSION_TOKEN", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .chain(trust_bundle().map(|bundle| ("SSL_CERT_FILE", bundle)))
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect()
}

/// The system's CA bundle, as Lambda's image has it: one file. Debian also keeps every certificate a second time in
/// a hashed directory, which the SDK's TLS setup reads too unless `SSL_CERT_FILE` names the bundle; that doubled its
/// share of a cold start here (docs/performance.md), a cost a function does not pay on Lambda.
fn trust_bundle() -> Option<&'static str> {
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
        .into_iter()
        .find(|path| std::path::Path::new(path).is_file())
}

/// Reads a pipe to its end on a thread of its own, as Lambda's log capture does: how many bytes, and the last
/// 64 KiB or so (for error messages).
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<(u64, Vec<u8>)> {
    std::thread::spawn(move || {
        let (mut total, mut tail) = (0, Vec::new());
        if let Some(mut pipe) = pipe {
            let mut buffer = vec![0; 64 * 1024];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                total += n as u64;
                tail.extend_from_slice(&buffer[..n]);
                if tail.len() > 128 * 1024 {
                    tail.drain(..tail.len() - 64 * 1024);
                }
            }
        }
        (total, tail)
    })
}

/// Ends the function as Lambda does at shutdown. A wrapped function (a profiler around it) gets SIGTERM and a few
/// seconds, so that the profiler writes its report; otherwise SIGKILL at once.
fn stop(child: &mut Child, wrapped: bool) {
    if wrapped {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn init_error(body: &[u8]) -> io::Error {
    io::Error::other(format!("init error: {}", String::from_utf8_lossy(body)))
}
