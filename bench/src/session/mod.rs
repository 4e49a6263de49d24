//! One measured life of a function process, as Lambda runs it: start, init until the first `next`, a cold invoke,
//! then warm invokes of the same event, read from the driver's side (wall) and the OS's (CPU, peak RSS).

mod process;

use crate::cgroup::Cgroup;
use crate::procfs;
use crate::stub::{Calls, Stub};
use score_fanout_testkit::runtime_api::{Message, RuntimeApi};
use std::io;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
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
    /// The CPU share and memory of a Lambda MemorySize it runs under (Lambda mode), if any.
    pub cgroup: Option<Arc<Cgroup>>,
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
    /// The kernel killed it for going over its memory limit (Lambda mode): a result, not an error.
    pub oom_killed: bool,
}

/// Runs `function` once: init, then one invocation per event of `events`, the first cold. Under a memory limit, a
/// process the kernel kills for exceeding it is a result (`oom_killed`, with what was measured before).
pub fn run(function: &Function, events: &[Arc<[u8]>], stub: &Stub) -> io::Result<Measured> {
    let api = RuntimeApi::start()?;
    let mut command = Command::new(&function.command[0]);
    command
        .args(&function.command[1..])
        .env_clear()
        .envs(process::base_env(&api.address))
        .envs(function.env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let confined = match &function.cgroup {
        Some(group) => {
            group.settle();
            Some(process::confine(&mut command, group)?)
        }
        None => None,
    };
    let oom_kills = function.cgroup.as_ref().map_or(0, |group| group.oom_kills());
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", function.command[0])))?;
    // The command holds the write end of the confinement report: dropped, a child that failed before writing
    // ends the read instead of blocking it.
    drop(command);
    let started = match confined {
        Some(confined) => confined.at()?,
        None => started,
    };
    let pid = child.id();
    let log = process::drain(child.stdout.take());
    let errors = process::drain(child.stderr.take());
    let mut measured = Measured { all_delivered: true, ..Measured::default() };
    let outcome = measure(&mut measured, &api, &mut child, started, events, stub);
    let peak_rss = procfs::peak_rss(pid);
    process::stop(&mut child, function.wrapped);
    drop(api);
    measured.log_bytes = log.join().map_or(0, |(total, _)| total);
    measured.peak_rss = peak_rss.max(measured.first_peak_rss);
    measured.oom_killed = function.cgroup.as_ref().is_some_and(|group| group.oom_kills() > oom_kills);
    let errors = errors.join().map(|(_, tail)| tail).unwrap_or_default();
    match outcome {
        Ok(()) => Ok(measured),
        Err(_) if measured.oom_killed => Ok(measured),
        Err(error) => {
            let tail = String::from_utf8_lossy(&errors[errors.len().saturating_sub(2000)..]).into_owned();
            Err(io::Error::other(format!("{}: {error}\n{tail}", function.name)))
        }
    }
}

fn measure(
    measured: &mut Measured,
    api: &RuntimeApi,
    child: &mut Child,
    started: Instant,
    events: &[Arc<[u8]>],
    stub: &Stub,
) -> io::Result<()> {
    let pid = child.id();
    let first_next = wait_next(api, child, INIT_TIMEOUT)?;
    measured.init = first_next - started;
    let mut cpu = procfs::cpu_time(pid);
    measured.init_cpu = cpu;
    let mut counts = stub.counts()?;
    for (invocation, event) in events.iter().enumerate() {
        let stub_before = stub.cpu_time();
        api.invoke(Arc::clone(event));
        let (wall, delivered) = match message(api, child, INVOKE_TIMEOUT)? {
            Message::Answer { sent, at, error, body, .. } => (at - sent, !error && delivered(&body)),
            Message::InitError { body, .. } => return Err(init_error(&body)),
            Message::Next(_) => return Err(io::Error::other("`next` again without answering the invocation")),
        };
        wait_next(api, child, INVOKE_TIMEOUT)?;
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
            measured.stub_cpu += stub.cpu_time().saturating_sub(stub_before);
        }
        (cpu, counts) = (cpu_after, counts_after);
    }
    Ok(())
}

fn wait_next(api: &RuntimeApi, child: &mut Child, timeout: Duration) -> io::Result<Instant> {
    match message(api, child, timeout)? {
        Message::Next(at) => Ok(at),
        Message::InitError { body, .. } => Err(init_error(&body)),
        Message::Answer { .. } => Err(io::Error::other("an answer without an invocation")),
    }
}

/// The function's next message; an error as soon as the process is gone (killed for its memory, crashed), rather
/// than at the timeout.
fn message(api: &RuntimeApi, child: &mut Child, timeout: Duration) -> io::Result<Message> {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if let Some(message) = api.message(Duration::from_millis(50)) {
            return Ok(message);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return match api.message(Duration::ZERO) {
                Some(message) => Ok(message),
                None => Err(io::Error::other(format!("the function ended ({status})"))),
            };
        }
    }
    Err(io::Error::other("the function did not answer in time (it hung)"))
}

/// A response without `batchItemFailures` entries.
fn delivered(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"batchItemFailures\":[]")
}

fn init_error(body: &[u8]) -> io::Error {
    io::Error::other(format!("init error: {}", String::from_utf8_lossy(body)))
}
