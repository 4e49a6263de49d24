//! The stub as the driver runs it: a child process of its own, so that its CPU is measured apart.

use super::Latency;
use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `--latency-ms N --p99-ratio R` (the median, and the 99th percentile over it); none: answer at once.
pub(super) fn parse_latency(args: &[String]) -> io::Result<Latency> {
    let mut latency = Latency { median: Duration::ZERO, p99_ratio: 1.0 };
    for pair in args.chunks(2) {
        let number = || -> io::Result<f64> {
            pair.get(1).and_then(|v| v.parse().ok()).ok_or_else(|| io::Error::other(format!("{}: a number", pair[0])))
        };
        match pair[0].as_str() {
            "--latency-ms" => latency.median = Duration::from_secs_f64(number()? / 1e3),
            "--p99-ratio" => latency.p99_ratio = number()?,
            other => return Err(io::Error::other(format!("stub: unknown option {other}"))),
        }
    }
    Ok(latency)
}

/// The command-line arguments that give a stub `latency`.
fn latency_args(latency: &Latency) -> [String; 4] {
    let median = format!("{}", latency.median.as_secs_f64() * 1e3);
    ["--latency-ms".into(), median, "--p99-ratio".into(), latency.p99_ratio.to_string()]
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
            .args(latency_args(&latency))
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
            [eventbridge_calls, eventbridge_entries, sns_calls, sns_entries, _, _, eventbridge_peak, sns_peak, _, checks_us] =>
            {
                let checks = Duration::from_micros(checks_us);
                Ok(Calls {
                    eventbridge_calls,
                    eventbridge_entries,
                    sns_calls,
                    sns_entries,
                    eventbridge_peak,
                    sns_peak,
                    checks,
                })
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
    /// From the first destination check's arrival to the last one's answer (zero without checks).
    pub checks: Duration,
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
            checks: self.checks,
        }
    }
}
