//! The loopback stub sink: answers EventBridge `PutEvents` (JSON 1.1), SNS `PublishBatch` (query protocol, XML
//! answer) and SQS `SendMessage` (JSON 1.0) successfully for every entry, and the destination checks of init
//! (`DescribeEventBus`, `GetTopicAttributes`, `GetQueueAttributes`) as for destinations that exist; it counts calls
//! and entries. A thread
//! per keep-alive connection and no parsing beyond what the answer needs, so that it is never the bottleneck (the
//! driver reports its CPU share). `GET /__stats` returns the counts and the most requests each sink had in flight
//! since the last `/__stats` (then starts those peaks again).
//!
//! With `--latency-ms` (Lambda mode) every answer waits a time drawn around that median with a tail
//! (`--p99-ratio`; [`Latency`]), as AWS's answers do: only the thread of that connection sleeps, so requests in
//! flight at once wait at the same time. It also times the destination checks of init, from the first one's
//! arrival to the last one's answer, so that the driver can tell init's own time from that round trip.

mod checks;
mod form;
mod handle;
mod latency;
mod span;

pub use handle::{Calls, Stub};
pub use latency::{Latency, Rng};
use score_fanout_testkit::http::{read_request, respond, Request};
use span::Span;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Calls and entries so far; requests in flight now and their peaks.
#[derive(Default)]
struct Counts {
    eventbridge_calls: AtomicU64,
    eventbridge_entries: AtomicU64,
    sns_calls: AtomicU64,
    sns_entries: AtomicU64,
    sqs_calls: AtomicU64,
    other_calls: AtomicU64,
    check_calls: AtomicU64,
    eventbridge_in_flight: InFlight,
    sns_in_flight: InFlight,
    connections: AtomicU64,
    checks: Span,
}

/// Requests of one sink being answered now, and the most at once since the peak was last read.
#[derive(Default)]
struct InFlight {
    now: AtomicU64,
    peak: AtomicU64,
}

impl InFlight {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(now, Relaxed);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Relaxed);
    }

    /// The peak since the last call; the next one starts from the requests in flight now.
    fn take_peak(&self) -> u64 {
        self.peak.swap(self.now.load(Relaxed), Relaxed)
    }
}

/// Serves on a free 127.0.0.1 port, printed on stdout, until stdin closes (the driver went away).
/// `args`: `--latency-ms N --p99-ratio R`.
pub fn main(args: &[String]) -> io::Result<()> {
    let latency = handle::parse_latency(args)?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;
    let counts = Arc::new(Counts::default());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = Arc::clone(&counts);
            let seed = counts.connections.fetch_add(1, Relaxed);
            std::thread::spawn(move || serve(stream, &counts, latency, seed));
        }
    });
    let _ = io::stdin().read_to_end(&mut Vec::new());
    Ok(())
}

fn serve(stream: TcpStream, counts: &Counts, latency: Latency, seed: u64) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    // Seeded per connection: latencies that differ between connections and are drawn the same on every run.
    let mut rng = Rng::new(0x005e_ed0f_1a7e ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
    while let Ok(Some(request)) = read_request(&mut reader) {
        let close = request.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let target = request.header("x-amz-target").unwrap_or_default();
        let in_flight = match target {
            "AWSEvents.PutEvents" => Some(&counts.eventbridge_in_flight),
            _ if request.body.starts_with(b"Action=PublishBatch&") => Some(&counts.sns_in_flight),
            _ => None,
        };
        let check = checks::is_check(target, &request.body);
        if check {
            counts.checks.first.fetch_min(counts.checks.now(), Relaxed);
        }
        in_flight.inspect(|sink| sink.enter());
        if request.path != "/__stats" {
            std::thread::sleep(latency.draw(&mut rng));
        }
        let answered = answer(&request, &mut writer, counts);
        in_flight.inspect(|sink| sink.leave());
        if check {
            counts.checks.last.fetch_max(counts.checks.now(), Relaxed);
        }
        if answered.is_err() || close {
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
    if let Some((content_type, body)) = checks::answer(target, &request.body) {
        counts.check_calls.fetch_add(1, Relaxed);
        return respond(out, 200, &[("content-type", content_type)], body.as_bytes());
    }
    if target.starts_with("AmazonSQS.") {
        counts.sqs_calls.fetch_add(1, Relaxed);
        let body = br#"{"MessageId":"00000000-0000-4000-8000-000000000000","MD5OfMessageBody":""}"#;
        return respond(out, 200, &[("content-type", "application/x-amz-json-1.0")], body);
    }
    // Both SDKs put the action first in the form body.
    if request.body.starts_with(b"Action=PublishBatch&") {
        let ids = form::publish_batch_ids(&request.body);
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
            "{} {} {} {} {} {} {} {} {} {}",
            get(&counts.eventbridge_calls),
            get(&counts.eventbridge_entries),
            get(&counts.sns_calls),
            get(&counts.sns_entries),
            get(&counts.sqs_calls),
            get(&counts.other_calls),
            counts.eventbridge_in_flight.take_peak(),
            counts.sns_in_flight.take_peak(),
            get(&counts.check_calls),
            counts.checks.take()
        );
        return respond(out, 200, &[("content-type", "text/plain")], body.as_bytes());
    }
    counts.other_calls.fetch_add(1, Relaxed);
    respond(out, 404, &[("content-type", "application/json")], b"{}")
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|window| *window == needle).count()
}

#[cfg(test)]
mod tests;
