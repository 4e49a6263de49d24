//! The one Lambda Runtime API emulator, on 127.0.0.1, for one function process: `next` hands out the events queued
//! with [`RuntimeApi::invoke`] (with the request id, deadline, function ARN and trace id headers Lambda sends);
//! `response`, `error` and `init/error` come back as [`Message`]s with the instants they arrived at. [`function`]
//! runs a whole function process through it, as `make invoke` and the tests do; the benchmark drives it directly.

pub mod function;
pub mod log_filter;

use crate::http::{read_request, respond, Request};
use std::io::{self, BufReader};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The function ARN every invocation names.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:score-fanout";

/// What the function did.
#[derive(Debug)]
pub enum Message {
    /// It asked for the next invocation (it is idle from here on).
    Next(Instant),
    /// It answered invocation `request_id`, handed out at `sent`, at `at`: a response, or an invocation error.
    Answer { request_id: String, sent: Instant, at: Instant, error: bool, body: Vec<u8> },
    /// It reported an init error.
    InitError { error_type: Option<String>, body: Vec<u8> },
}

/// How invocations are handed out.
#[derive(Clone, Debug)]
pub struct Options {
    /// Each invocation's deadline, from when it is handed out (the function's timeout).
    pub timeout: Duration,
    /// The X-Ray trace header of every invocation.
    pub trace_id: String,
    /// The function's log format and level, given to it and enforced on what it writes ([`function`]).
    pub logging: log_filter::Logging,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            trace_id: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".to_owned(),
            logging: log_filter::Logging::default(),
        }
    }
}

/// A running Runtime API; dropping it ends it.
pub struct RuntimeApi {
    pub address: String,
    events: Option<Sender<Arc<[u8]>>>,
    messages: Receiver<Message>,
    stop: Arc<AtomicBool>,
}

struct Shared {
    options: Options,
    events: Mutex<Receiver<Arc<[u8]>>>,
    messages: Mutex<Sender<Message>>,
    handed_out: Mutex<(String, Instant)>,
    request_ids: AtomicU64,
}

impl RuntimeApi {
    /// Serves on a free 127.0.0.1 port with the default [`Options`].
    pub fn start() -> io::Result<Self> {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let (events_tx, events_rx) = channel();
        let (messages_tx, messages) = channel();
        let shared = Arc::new(Shared {
            options,
            events: Mutex::new(events_rx),
            messages: Mutex::new(messages_tx),
            handed_out: Mutex::new((String::new(), Instant::now())),
            request_ids: AtomicU64::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Ok(Self { address, events: Some(events_tx), messages, stop })
    }

    /// Queues one invocation.
    pub fn invoke(&self, event: Arc<[u8]>) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    /// The function's next message, if one comes within `timeout`.
    pub fn message(&self, timeout: Duration) -> Option<Message> {
        self.messages.recv_timeout(timeout).ok()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        // Waiting `next` requests see the channel close; the accept loop sees the flag on one last connection.
        self.events.take();
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.address);
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = read_request(&mut reader) {
        let at = Instant::now();
        let send = |message| shared.messages.lock().map(|tx| tx.send(message)).is_ok();
        let path = request.path.as_str();
        let result = if request.method == "GET" && path.ends_with("/runtime/invocation/next") {
            send(Message::Next(at));
            let event = shared.events.lock().ok().and_then(|events| events.recv().ok());
            let Some(event) = event else { return };
            hand_out(&mut writer, shared, &event)
        } else if request.method == "POST" && path.ends_with("/runtime/init/error") {
            let error_type = request.header("lambda-runtime-function-error-type").map(str::to_owned);
            send(Message::InitError { error_type, body: request.body });
            respond(&mut writer, 202, &[], b"{}")
        } else if request.method == "POST" && (path.ends_with("/response") || path.ends_with("/error")) {
            send(answer(shared, &request, at));
            respond(&mut writer, 202, &[], b"{}")
        } else {
            respond(&mut writer, 404, &[], b"{}")
        };
        if result.is_err() {
            return;
        }
    }
}

fn hand_out(writer: &mut TcpStream, shared: &Shared, event: &[u8]) -> io::Result<()> {
    let number = shared.request_ids.fetch_add(1, Ordering::SeqCst);
    let request_id = format!("00000000-0000-4000-8000-{number:012}");
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + shared.options.timeout;
    let deadline = deadline.as_millis().to_string();
    let headers = [
        ("content-type", "application/json"),
        ("lambda-runtime-aws-request-id", request_id.as_str()),
        ("lambda-runtime-deadline-ms", deadline.as_str()),
        ("lambda-runtime-invoked-function-arn", FUNCTION_ARN),
        ("lambda-runtime-trace-id", shared.options.trace_id.as_str()),
    ];
    if let Ok(mut handed_out) = shared.handed_out.lock() {
        *handed_out = (request_id.clone(), Instant::now());
    }
    respond(writer, 200, &headers, event)
}

fn answer(shared: &Shared, request: &Request, at: Instant) -> Message {
    let (request_id, sent) = shared.handed_out.lock().map_or((String::new(), at), |handed_out| handed_out.clone());
    Message::Answer { request_id, sent, at, error: request.path.ends_with("/error"), body: request.body.clone() }
}
