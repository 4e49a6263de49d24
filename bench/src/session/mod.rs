//! One measured life of a function process, as Lambda runs it: start, init until the first `next`, a cold invoke,
//! then warm invokes of the same event, read from the driver's side (wall) and the OS's (CPU, peak RSS).

mod messages;
mod process;

use crate::cgroup::Cgroup;
use crate::procfs;
use crate::stub::{Calls, Stub};
use messages::{invoke, wait_next};
use score_fanout_testkit::runtime_api::RuntimeApi;
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
    /// A command started once the cold invocation is answered, `{pid}` replaced by the function's, and stopped with
    /// SIGINT after the last warm one (`--attach "perf record -p {pid} ..."`): it sees the warm invocations only.
    pub attach: Vec<String>,
    /// The MemorySize (MB) whose CPU share and memory it runs under (Lambda mode), in groups of its own, if any.
    pub memory_mb: Option<u64>,
}

/// What one process life measured.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// Process start to the first `next` request.
    pub init: Duration,
    pub init_cpu: Duration,
    /// Of `init`, the destination checks' round trip as the stub served them (first arrival to last answer).
    pub checks: Duration,
    /// The first (cold) invocation.
    pub first_wall: Duration,
    pub first_cpu: Duration,
    /// Each warm invocation: from handing the event out to the answer, and the CPU the process used from one
    /// `next` to the following one (everything the invocation cost it).
    pub warm_wall: Vec<Duration>,
    pub warm_cpu: Vec<Duration>,
    /// Under a MemorySize's CPU share: how long each warm invocation was held back for the next period's quota.
    pub warm_throttled: Vec<Duration>,
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
    let group = function.memory_mb.map(Cgroup::create).transpose().map_err(io::Error::other)?;
    let confined = group.as_ref().map(|group| process::confine(&mut command, group)).transpose()?;
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", function.command[0])))?;
    // The command holds the write end of the confinement report: dropped, a child that failed before writing
    // ends the read instead of blocking it.
    drop(command);
    let started = confined.map_or(Ok(started), |confined| confined.at())?;
    let (pid, log, errors) = (child.id(), process::drain(child.stdout.take()), process::drain(child.stderr.take()));
    let mut measured = Measured { all_delivered: true, ..Measured::default() };
    let life = Life { api: &api, group: group.as_ref(), started, stub };
    let outcome = life.measure(&mut measured, &mut child, events, &function.attach);
    let peak_rss = procfs::peak_rss(pid);
    process::stop(&mut child, function.wrapped);
    drop(api);
    measured.log_bytes = log.join().map_or(0, |(total, _)| total);
    measured.peak_rss = peak_rss.max(measured.first_peak_rss);
    measured.oom_killed = group.as_ref().is_some_and(|group| group.oom_kills() > 0);
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

/// One process life as it is measured: the Runtime API it talks to, its groups, when it started, the stub.
struct Life<'a> {
    api: &'a RuntimeApi,
    group: Option<&'a Cgroup>,
    started: Instant,
    stub: &'a Stub,
}

impl Life<'_> {
    fn measure(
        &self,
        measured: &mut Measured,
        child: &mut Child,
        events: &[Arc<[u8]>],
        attach: &[String],
    ) -> io::Result<()> {
        let (api, stub, pid) = (self.api, self.stub, child.id());
        let first_next = wait_next(api, child, INIT_TIMEOUT)?;
        measured.init = first_next - self.started;
        let mut cpu = procfs::cpu_time(pid);
        measured.init_cpu = cpu;
        self.check_alone(pid)?;
        let mut counts = stub.counts()?;
        measured.checks = counts.checks;
        let mut attached = None;
        for (invocation, event) in events.iter().enumerate() {
            if invocation == 1 && !attach.is_empty() {
                attached = Some(process::attach(attach, pid)?);
            }
            let stub_before = stub.cpu_time();
            let throttled_before = self.throttled();
            let (wall, delivered) = invoke(api, child, event)?;
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
                measured.warm_throttled.push(self.throttled().saturating_sub(throttled_before));
                measured.stub_cpu += stub.cpu_time().saturating_sub(stub_before);
            }
            (cpu, counts) = (cpu_after, counts_after);
        }
        attached.map_or(Ok(()), process::detach)
    }

    /// The group's throttled time so far (zero outside Lambda mode).
    fn throttled(&self) -> Duration {
        self.group.map_or(Duration::ZERO, Cgroup::throttled)
    }

    /// An error unless the function is the only process in its groups.
    fn check_alone(&self, pid: u32) -> io::Result<()> {
        match self.group.map(Cgroup::members) {
            Some(members) if members != [pid] => {
                Err(io::Error::other(format!("the function's groups hold {members:?}, not only its pid {pid}")))
            }
            _ => Ok(()),
        }
    }
}
