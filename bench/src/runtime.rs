//! A Lambda Runtime API on 127.0.0.1 for one function process: `next` hands out the events the driver queues
//! (with the request id, deadline and function ARN headers Lambda sends), `response` and `error` come back as
//! messages with the instants the driver times invocations by.

use crate::http::{read_request, respond};
use std::io::{self, BufReader};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The function's invocation timeout, as the template sets it.
const TIMEOUT: Duration = Duration::from_secs(60);
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:score-fanout";

/// What the function did.
pub enum Message {
    /// It asked for the next invocation (it is idle from here on).
    Next(Instant),
    /// It answered the invocation handed out at `sent`, at `at`.
    Answer { sent: Instant, at: Instant, error: bool, body: Vec<u8> },
    /// It reported an init error.
    InitError(String),
}

/// A running Runtime API; dropping it ends it.
pub struct RuntimeApi {
    pub address: String,
    events: Option<Sender<Arc<[u8]>>>,
    messages: Receiver<Message>,
    stop: Arc<AtomicBool>,
}

struct Shared {
    events: Mutex<Receiver<Arc<[u8]>>>,
    messages: Mutex<Sender<Message>>,
    sent: Mutex<Instant>,
    request_ids: AtomicU64,
}

impl RuntimeApi {
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let (events_tx, events_rx) = channel();
        let (messages_tx, messages) = channel();
        let shared = Arc::new(Shared {
            events: Mutex::new(events_rx),
            messages: Mutex::new(messages_tx),
            sent: Mutex::new(Instant::now()),
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
            let id = shared.request_ids.fetch_add(1, Ordering::SeqCst);
            let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + TIMEOUT;
            let (id, deadline) = (format!("bench-{id:08}"), deadline.as_millis().to_string());
            let headers = [
                ("content-type", "application/json"),
                ("lambda-runtime-aws-request-id", id.as_str()),
                ("lambda-runtime-deadline-ms", deadline.as_str()),
                ("lambda-runtime-invoked-function-arn", FUNCTION_ARN),
                ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
            ];
            if let Ok(mut sent) = shared.sent.lock() {
                *sent = Instant::now();
            }
            respond(&mut writer, 200, &headers, &event)
        } else if request.method == "POST" && path.contains("/runtime/init/error") {
            send(Message::InitError(String::from_utf8_lossy(&request.body).into_owned()));
            respond(&mut writer, 202, &[], b"{}")
        } else if request.method == "POST" && (path.ends_with("/response") || path.ends_with("/error")) {
            let sent = shared.sent.lock().map_or(at, |sent| *sent);
            send(Message::Answer { sent, at, error: path.ends_with("/error"), body: request.body });
            respond(&mut writer, 202, &[], b"{}")
        } else {
            respond(&mut writer, 404, &[], b"{}")
        };
        if result.is_err() {
            return;
        }
    }
}
