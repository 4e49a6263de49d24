//! The function's process as Lambda runs it: Lambda's environment, the limits of its MemorySize, its output drained
//! as Lambda's log capture drains it, and its end.

use crate::cgroup::Cgroup;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Puts the process `command` starts into `group` before it runs anything of its own. Returns when that was, as
/// the child reports it: moving a process between cgroup v1 groups waits for RCU grace periods (tens of ms here),
/// time Lambda spends creating a sandbox, not in the function's init.
pub fn confine(command: &mut Command, group: &Cgroup) -> io::Result<Confined> {
    let [cpu, memory] = group.procs_files()?;
    let (reader, writer) = io::pipe()?;
    let base = Instant::now();
    // SAFETY: between fork and exec only async-signal-safe work is allowed: this closure makes one write(2) on each
    // of three descriptors opened before the fork and reads the monotonic clock; it allocates nothing ("0" names
    // the writing process itself).
    unsafe {
        command.pre_exec(move || {
            (&cpu).write_all(b"0")?;
            (&memory).write_all(b"0")?;
            let nanos = base.elapsed().as_nanos() as u64;
            (&writer).write_all(&nanos.to_le_bytes())
        });
    }
    Ok(Confined { reader, base })
}

/// The child's report of when it was confined (see [`confine`]).
pub struct Confined {
    reader: io::PipeReader,
    base: Instant,
}

impl Confined {
    /// The instant the child was in its groups, about to exec. Call once the command that holds the pipe's other
    /// end is dropped, so that a child that never wrote ends the read.
    pub fn at(mut self) -> io::Result<Instant> {
        let mut nanos = [0; 8];
        self.reader.read_exact(&mut nanos)?;
        Ok(self.base + Duration::from_nanos(u64::from_le_bytes(nanos)))
    }
}

/// What Lambda's environment holds for every function (apart from the function's own configuration).
pub fn base_env(runtime_api: &str) -> Vec<(String, String)> {
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
pub fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<(u64, Vec<u8>)> {
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
pub fn stop(child: &mut Child, wrapped: bool) {
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

/// Starts `command` with `{pid}` replaced by `pid` (a profiler attaching to the function), and gives it a moment to
/// attach before the invocations it is to see.
pub fn attach(command: &[String], pid: u32) -> io::Result<Child> {
    let args: Vec<String> = command.iter().map(|arg| arg.replace("{pid}", &pid.to_string())).collect();
    let child = Command::new(&args[0]).args(&args[1..]).spawn()?;
    std::thread::sleep(ATTACH_SETTLE);
    Ok(child)
}

/// Stops an attached command with SIGINT (perf writes its data then) and waits for it.
pub fn detach(mut child: Child) -> io::Result<()> {
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    child.wait().map(drop)
}

/// How long an attached command gets before the invocations it is to see: perf takes a few hundred ms to attach.
const ATTACH_SETTLE: Duration = Duration::from_millis(800);
