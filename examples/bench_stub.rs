//! The benchmark's loopback stub sink: answers EventBridge `PutEvents` and SNS `PublishBatch` successfully,
//! counting calls and entries (`GET /__stats`), fast enough not to be what a benchmark measures. It listens on
//! 127.0.0.1 only and never forwards anything. `cargo run --release --example bench_stub -- PORT`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Stats {
    put_events: AtomicU64,
    put_events_entries: AtomicU64,
    publish_batch: AtomicU64,
    publish_batch_entries: AtomicU64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18999);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let stats = Arc::new(Stats::default());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(serve(stream, stats.clone()));
    }
}

async fn serve(mut stream: TcpStream, stats: Arc<Stats>) {
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (head_len, target, is_get, length) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut request = httparse::Request::new(&mut headers);
            if let Ok(httparse::Status::Complete(head_len)) = request.parse(&buffer) {
                let header = |name: &str| {
                    request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).into_owned())
                };
                let length = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
                break (head_len, header("x-amz-target").unwrap_or_default(), request.method == Some("GET"), length);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        while buffer.len() < head_len + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buffer.drain(..head_len + length).skip(head_len).collect();
        let (content_type, answer) = answer(&stats, is_get, &target, &body);
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: stub\r\n\r\n{answer}",
            answer.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn answer(stats: &Stats, is_get: bool, target: &str, body: &[u8]) -> (&'static str, String) {
    if is_get {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let json = serde_json::json!({
            "PutEvents": get(&stats.put_events), "PutEventsEntries": get(&stats.put_events_entries),
            "PublishBatch": get(&stats.publish_batch), "PublishBatchEntries": get(&stats.publish_batch_entries),
        });
        return ("application/json", json.to_string());
    }
    if target.ends_with("PutEvents") {
        let entries = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["Entries"].as_array().map(Vec::len))
            .unwrap_or(0);
        stats.put_events.fetch_add(1, Ordering::Relaxed);
        stats.put_events_entries.fetch_add(entries as u64, Ordering::Relaxed);
        let results: Vec<String> = (0..entries).map(|i| format!(r#"{{"EventId":"stub-{i}"}}"#)).collect();
        return (
            "application/x-amz-json-1.1",
            format!(r#"{{"FailedEntryCount":0,"Entries":[{}]}}"#, results.join(",")),
        );
    }
    let ids: Vec<String> = form_urlencoded::parse(body)
        .filter(|(key, _)| key.starts_with("PublishBatchRequestEntries.member.") && key.ends_with(".Id"))
        .map(|(_, value)| value.into_owned())
        .collect();
    stats.publish_batch.fetch_add(1, Ordering::Relaxed);
    stats.publish_batch_entries.fetch_add(ids.len() as u64, Ordering::Relaxed);
    let members: String =
        ids.iter().map(|id| format!("<member><Id>{id}</Id><MessageId>stub-{id}</MessageId></member>")).collect();
    let xml = format!(
        "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult><Successful>{members}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></PublishBatchResponse>"
    );
    ("text/xml", xml)
}
