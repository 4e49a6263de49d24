//! A function process run the way Lambda runs it: started with the Runtime API's address and Lambda's environment
//! (its log format and level included), handed one event per invocation, its log (stdout and stderr) captured
//! line by line, told apart by invocation, and each line marked with whether Lambda's log-level filter would
//! forward it to CloudWatch Logs ([`super::log_filter`]).

use super::log_filter::Logging;
use super::{Message, Options, RuntimeApi};
use std::io::{self, BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the process may take to start and ask for its first invocation, as Lambda's init phase allows.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A log line written before the function asks for its next invocation is read within this long of the last one.
const LOG_SETTLE: Duration = Duration::from_millis(25);

/// A function as Lambda starts it.
#[derive(Clone, Debug)]
pub struct Function {
    /// The program and its arguments (the `bootstrap`, or `qemu-aarch64-static ... bootstrap`).
    pub command: Vec<String>,
    /// Added to this process's environment, after Lambda's own variables.
    pub env: Vec<(String, String)>,
    pub options: Options,
}

/// What happened, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A line the function wrote, the invocation it was written in (`None`: during init or after), and whether
    /// Lambda would forward it to CloudWatch Logs.
    Log { line: String, invocation: Option<usize>, forwarded: bool },
    /// The answer to invocation number `invocation` (from 0): a response or an invocation error.
    Answer { invocation: usize, request_id: String, error: bool, body: String },
    /// An error the function reported through `init/error`.
    InitError { error_type: Option<String>, body: String },
    /// The process ended, or did not answer in time; why.
    Stopped(String),
}

/// Everything a run recorded.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    pub entries: Vec<Entry>,
}

impl Transcript {
    /// The log lines, in order.
    pub fn log(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Log { line, .. } => Some(line.as_str()),
            _ => None,
        })
    }

    /// The log lines Lambda would forward to CloudWatch Logs, in order.
    pub fn forwarded(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Log { line, forwarded: true, .. } => Some(line.as_str()),
            _ => None,
        })
    }

    /// The log lines Lambda's log-level filter would drop, in order.
    pub fn dropped(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Log { line, forwarded: false, .. } => Some(line.as_str()),
            _ => None,
        })
    }

    /// Whether every event was answered with a response.
    pub fn all_answered(&self, events: usize) -> bool {
        let answers = self.entries.iter().filter(|e| matches!(e, Entry::Answer { error: false, .. })).count();
        answers == events && !self.entries.iter().any(|e| matches!(e, Entry::InitError { .. } | Entry::Stopped(_)))
    }
}

impl Function {
    /// Starts the function, hands it `events` one invocation at a time, and stops it once it asks for more.
    pub fn run(&self, events: &[Vec<u8>]) -> io::Result<Transcript> {
        let api = RuntimeApi::start_with(self.options.clone())?;
        let mut child = self.spawn(&api.address)?;
        let lines = capture(&mut child);
        let mut run = Run { lines, logging: self.options.logging, transcript: Transcript::default() };
        run.until_next(&api, None, INIT_TIMEOUT, &mut child);
        for (invocation, event) in events.iter().enumerate() {
            if run.stopped() {
                break;
            }
            api.invoke(Arc::from(event.as_slice()));
            run.until_next(&api, Some(invocation), self.options.timeout + INIT_TIMEOUT, &mut child);
        }
        if run.stopped() {
            // After init/error the runtime exits by itself; its last lines come before it does.
            let started = Instant::now();
            while child.try_wait().ok().flatten().is_none() && started.elapsed() < Duration::from_secs(2) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        run.drain(None, Duration::from_millis(200));
        Ok(run.transcript)
    }

    fn spawn(&self, address: &str) -> io::Result<Child> {
        let lambda = [
            ("AWS_LAMBDA_RUNTIME_API", address),
            ("AWS_LAMBDA_FUNCTION_NAME", "score-fanout"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/score-fanout"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/03/[$LATEST]00000000000000000000000000000000"),
            ("_HANDLER", "bootstrap"),
            ("AWS_LAMBDA_LOG_FORMAT", if self.options.logging.json { "JSON" } else { "Text" }),
            ("AWS_LAMBDA_LOG_LEVEL", self.options.logging.level.name()),
        ];
        let (program, args) = self.command.split_first().ok_or_else(|| io::Error::other("no command"))?;
        Command::new(program)
            .args(args)
            .envs(lambda)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("{program}: {e}")))
    }
}

/// Both output streams as one series of lines, as Lambda's log capture sees them.
fn capture(child: &mut Child) -> Receiver<String> {
    let (sender, lines) = channel();
    let streams: [Option<Box<dyn Read + Send>>; 2] = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
    ];
    for stream in streams.into_iter().flatten() {
        let sender = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
    }
    lines
}

struct Run {
    lines: Receiver<String>,
    logging: Logging,
    transcript: Transcript,
}

impl Run {
    fn stopped(&self) -> bool {
        self.transcript.entries.iter().any(|e| matches!(e, Entry::InitError { .. } | Entry::Stopped(_)))
    }

    /// Records what the function does until it asks for its next invocation: its log lines, its answer to
    /// `invocation`, an init error; or that it stopped, or took longer than `limit`.
    fn until_next(&mut self, api: &RuntimeApi, invocation: Option<usize>, limit: Duration, child: &mut Child) {
        let started = Instant::now();
        let mut answer = None;
        loop {
            self.drain(invocation, Duration::ZERO);
            match api.message(Duration::from_millis(20)) {
                Some(Message::Next(_)) => break,
                Some(Message::Answer { request_id, error, body, .. }) => {
                    let body = String::from_utf8_lossy(&body).into_owned();
                    answer = invocation.map(|invocation| Entry::Answer { invocation, request_id, error, body });
                }
                Some(Message::InitError { error_type, body }) => {
                    self.drain(invocation, LOG_SETTLE);
                    let body = String::from_utf8_lossy(&body).into_owned();
                    self.transcript.entries.push(Entry::InitError { error_type, body });
                    return;
                }
                None => {
                    if let Ok(Some(status)) = child.try_wait() {
                        self.drain(invocation, LOG_SETTLE);
                        self.transcript.entries.push(Entry::Stopped(format!("the process exited: {status}")));
                        return;
                    }
                    if started.elapsed() > limit {
                        self.transcript.entries.push(Entry::Stopped(format!("no answer within {limit:?}")));
                        return;
                    }
                }
            }
        }
        // The log lines written before the answer come first, though the pipe may deliver them a moment later.
        self.drain(invocation, LOG_SETTLE);
        self.transcript.entries.extend(answer);
    }

    /// Takes the lines already written, waiting until none has come for `settle`.
    fn drain(&mut self, invocation: Option<usize>, settle: Duration) {
        loop {
            match self.lines.recv_timeout(settle) {
                Ok(line) => {
                    let forwarded = self.logging.forwards(&line);
                    self.transcript.entries.push(Entry::Log { line, invocation, forwarded });
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}
