//! The stub as the driver runs it: a child process of its own, so that its CPU is measured apart.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long the stub takes to answer: `mean`, give or take `jitter` (uniformly).
#[derive(Clone, Copy, Debug, Default)]
pub struct Latency {
    pub mean: Duration,
    pub jitter: Duration,
}

impl Latency {
    /// `--latency-ms N --jitter-ms N` (both default to 0: answer at once).
    pub fn parse(args: &[String]) -> io::Result<Self> {
        let mut latency = Self::default();
        for pair in args.chunks(2) {
            let ms = |value: Option<&String>| -> io::Result<Duration> {
                let ms: f64 = value.and_then(|v| v.parse().ok()).ok_or_else(|| io::Error::other("a number of ms"))?;
                Ok(Duration::from_secs_f64(ms / 1e3))
            };
            match pair[0].as_str() {
                "--latency-ms" => latency.mean = ms(pair.get(1))?,
                "--jitter-ms" => latency.jitter = ms(pair.get(1))?,
                other => return Err(io::Error::other(format!("stub: unknown option {other}"))),
            }
        }
        latency.jitter = latency.jitter.min(latency.mean);
        Ok(latency)
    }

    /// One answer's wait, from a random number: uniform over mean +- jitter, so that the mean stays `mean`.
    pub fn draw(&self, random: u64) -> Duration {
        let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
        (self.mean + self.jitter.mul_f64(2.0 * unit)).saturating_sub(self.jitter)
    }

    /// The command-line arguments that give a stub this latency.
    fn args(&self) -> [String; 4] {
        let ms = |d: Duration| format!("{}", d.as_secs_f64() * 1e3);
        ["--latency-ms".into(), ms(self.mean), "--jitter-ms".into(), ms(self.jitter)]
    }
}

pub struct Stub {
    child: Child,
    pub port: u16,
}

impl Stub {
    /// Starts `score-fanout-bench stub` (this very executable), answering after `latency`.
    pub fn start(latency: Latency) -> io::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("stub")
            .args(latency.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            io::BufReader::new(stdout).read_line(&mut line)?;
        }
        let port = line.trim().parse().map_err(|_| io::Error::other(format!("stub said {line:?}")))?;
        Ok(Self { child, port })
    }

    /// The endpoint the functions' SDKs are pointed at.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Calls and entries so far, and the most requests in flight per sink since the last call.
    pub fn counts(&self) -> io::Result<Calls> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.write_all(b"GET /__stats HTTP/1.1\r\nhost: stub\r\nconnection: close\r\n\r\n")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let numbers: Vec<u64> = answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        match numbers[..] {
            [eventbridge_calls, eventbridge_entries, sns_calls, sns_entries, _, _, eventbridge_peak, sns_peak, ..] => {
                Ok(Calls { eventbridge_calls, eventbridge_entries, sns_calls, sns_entries, eventbridge_peak, sns_peak })
            }
            _ => Err(io::Error::other(format!("stub stats: {answer:?}"))),
        }
    }

    /// The stub's CPU time so far.
    pub fn cpu_time(&self) -> Duration {
        crate::procfs::cpu_time(self.child.id())
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls and entries the stub saw during one invocation, per sink, and the most requests it had in flight at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    pub eventbridge_calls: u64,
    pub eventbridge_entries: u64,
    pub sns_calls: u64,
    pub sns_entries: u64,
    pub eventbridge_peak: u64,
    pub sns_peak: u64,
}

impl Calls {
    pub fn minus(&self, before: &Calls) -> Calls {
        Calls {
            eventbridge_calls: self.eventbridge_calls - before.eventbridge_calls,
            eventbridge_entries: self.eventbridge_entries - before.eventbridge_entries,
            sns_calls: self.sns_calls - before.sns_calls,
            sns_entries: self.sns_entries - before.sns_entries,
            // The stub resets its peaks whenever it is asked: these are the peaks since `before` was read.
            eventbridge_peak: self.eventbridge_peak,
            sns_peak: self.sns_peak,
        }
    }
}
