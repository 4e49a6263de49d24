//! The loopback stub sink: answers EventBridge `PutEvents` (JSON 1.1), SNS `PublishBatch` (query protocol, XML
//! answer) and SQS `SendMessage` (JSON 1.0) successfully for every entry, and counts calls and entries. A thread
//! per keep-alive connection and no parsing beyond what the answer needs, so that it is never the bottleneck (the
//! driver reports its CPU share). `GET /__stats` returns the counts.

use score_fanout_testkit::http::{read_request, respond, Request};
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Calls and entries so far.
#[derive(Default)]
struct Counts {
    eventbridge_calls: AtomicU64,
    eventbridge_entries: AtomicU64,
    sns_calls: AtomicU64,
    sns_entries: AtomicU64,
    sqs_calls: AtomicU64,
    other_calls: AtomicU64,
}

/// Serves on a free 127.0.0.1 port, printed on stdout, until stdin closes (the driver went away).
pub fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;
    let counts = Arc::new(Counts::default());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = Arc::clone(&counts);
            std::thread::spawn(move || serve(stream, &counts));
        }
    });
    let _ = io::stdin().read_to_end(&mut Vec::new());
    Ok(())
}

fn serve(stream: TcpStream, counts: &Counts) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    while let Ok(Some(request)) = read_request(&mut reader) {
        let close = request.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        if answer(&request, &mut writer, counts).is_err() || close {
            return;
        }
    }
}

fn answer(request: &Request, out: &mut TcpStream, counts: &Counts) -> io::Result<()> {
    let target = request.header("x-amz-target").unwrap_or_default();
    if target == "AWSEvents.PutEvents" {
        let entries = count(&request.body, b"\"DetailType\"");
        let calls = counts.eventbridge_calls.fetch_add(1, Relaxed);
        counts.eventbridge_entries.fetch_add(entries as u64, Relaxed);
        let mut body = String::with_capacity(40 * entries + 64);
        body.push_str("{\"FailedEntryCount\":0,\"Entries\":[");
        for i in 0..entries {
            let comma = if i > 0 { "," } else { "" };
            body.push_str(&format!("{comma}{{\"EventId\":\"{calls:08x}-{i:04x}-4000-8000-000000000000\"}}"));
        }
        body.push_str("]}");
        return respond(out, 200, &[("content-type", "application/x-amz-json-1.1")], body.as_bytes());
    }
    if target.starts_with("AmazonSQS.") {
        counts.sqs_calls.fetch_add(1, Relaxed);
        let body = br#"{"MessageId":"00000000-0000-4000-8000-000000000000","MD5OfMessageBody":""}"#;
        return respond(out, 200, &[("content-type", "application/x-amz-json-1.0")], body);
    }
    // Both SDKs put the action first in the form body.
    if request.body.starts_with(b"Action=PublishBatch&") {
        let ids = publish_batch_ids(&request.body);
        let calls = counts.sns_calls.fetch_add(1, Relaxed);
        counts.sns_entries.fetch_add(ids.len() as u64, Relaxed);
        let mut body = String::from(
            "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult><Successful>",
        );
        for (i, id) in ids.iter().enumerate() {
            body.push_str(&format!(
                "<member><Id>{id}</Id><MessageId>{calls:08x}-{i:04x}-4000-8000-000000000000</MessageId></member>"
            ));
        }
        body.push_str("</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>");
        body.push_str("00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></PublishBatchResponse>");
        return respond(out, 200, &[("content-type", "text/xml")], body.as_bytes());
    }
    if request.method == "GET" && request.path == "/__stats" {
        let get = |counter: &AtomicU64| counter.load(Relaxed);
        let body = format!(
            "{} {} {} {} {} {}",
            get(&counts.eventbridge_calls),
            get(&counts.eventbridge_entries),
            get(&counts.sns_calls),
            get(&counts.sns_entries),
            get(&counts.sqs_calls),
            get(&counts.other_calls)
        );
        return respond(out, 200, &[("content-type", "text/plain")], body.as_bytes());
    }
    counts.other_calls.fetch_add(1, Relaxed);
    respond(out, 404, &[("content-type", "application/json")], b"{}")
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|window| *window == needle).count()
}

/// The entry ids of a `PublishBatch` form body (`PublishBatchRequestEntries.member.N.Id=...`), in order.
fn publish_batch_ids(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| {
            key.strip_prefix("PublishBatchRequestEntries.member.")
                .and_then(|rest| rest.strip_suffix(".Id"))
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, value)| percent_decode(value))
        .collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The stub as the driver runs it: a child process of its own, so that its CPU is measured apart.
pub struct Stub {
    child: std::process::Child,
    pub port: u16,
}

impl Stub {
    /// Starts `score-fanout-bench stub` (this very executable).
    pub fn start() -> io::Result<Self> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .arg("stub")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
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

    /// Calls and entries so far.
    pub fn counts(&self) -> io::Result<crate::session::Calls> {
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
            [eventbridge_calls, eventbridge_entries, sns_calls, sns_entries, ..] => {
                Ok(crate::session::Calls { eventbridge_calls, eventbridge_entries, sns_calls, sns_entries })
            }
            _ => Err(io::Error::other(format!("stub stats: {answer:?}"))),
        }
    }

    /// The stub's CPU time so far.
    pub fn cpu_time(&self) -> std::time::Duration {
        crate::procfs::cpu_time(self.child.id())
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
