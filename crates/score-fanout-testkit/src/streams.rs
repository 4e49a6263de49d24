//! A DynamoDB Streams API (JSON 1.0) on 127.0.0.1 that behaves as the real one does where moto does not: GetRecords
//! answers empty pages before the records of a position ("it might take multiple calls"), shards close (no
//! `NextShardIterator` after their last record; an `EndingSequenceNumber` in DescribeStream) and split into children
//! that name their parent, and DescribeStream lists shards a page at a time, children first.

use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One shard: its records in the Streams API's shape, its parent, and whether it is closed.
#[derive(Clone, Debug)]
pub struct FakeShard {
    pub id: String,
    pub parent: Option<String>,
    pub records: Vec<Value>,
    pub closed: bool,
}

/// A running fake stream; point `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` (or a client's endpoint) at `endpoint`.
pub struct FakeStream {
    pub endpoint: String,
    pub stream_arn: String,
}

struct Shared {
    stream_arn: String,
    shards: Vec<FakeShard>,
    empty_pages: usize,
}

/// Shards listed per DescribeStream page.
const SHARDS_PER_PAGE: usize = 2;

impl FakeStream {
    /// Serves `shards` (listed in reverse, children first), answering `empty_pages` empty pages before every page
    /// of records and at an open shard's tip.
    pub async fn start(shards: Vec<FakeShard>, empty_pages: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let stream_arn =
            "arn:aws:dynamodb:us-east-1:123456789012:table/GameEvents/stream/2026-12-03T00:00:00.000".to_owned();
        let shared = Arc::new(Shared { stream_arn: stream_arn.clone(), shards, empty_pages });
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, shared.clone()));
            }
        });
        Self { endpoint, stream_arn }
    }
}

/// A record of the Streams API for an INSERT of `player` with `score`, sequence number `sequence`.
pub fn insert(player: &str, score: i64, sequence: u64) -> Value {
    json!({
        "eventID": format!("{sequence:032x}"), "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_796_300_000 + sequence,
            "Keys": {"playerId": {"S": player}, "date": {"S": "Aug 23"}},
            "NewImage": {"playerId": {"S": player}, "date": {"S": "Aug 23"}, "score": {"N": score.to_string()}},
            "SequenceNumber": format!("{sequence:021}"), "SizeBytes": 60, "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    })
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    loop {
        let Some((target, body)) = read(&mut client, &mut buffer).await else { return };
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = match target.rsplit('.').next().unwrap_or_default() {
            "DescribeStream" => describe(&shared, &request),
            "GetShardIterator" => {
                json!({"ShardIterator": iterator(request["ShardId"].as_str().unwrap_or_default(), 0, shared.empty_pages)})
            }
            "GetRecords" => records(&shared, &request),
            other => json!({"__type": "UnknownOperationException", "message": other}),
        };
        let body = answer.to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if client.write_all(head.as_bytes()).await.is_err() || client.write_all(body.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn describe(shared: &Shared, request: &Value) -> Value {
    let listed: Vec<&FakeShard> = shared.shards.iter().rev().collect();
    let start = match request["ExclusiveStartShardId"].as_str() {
        Some(after) => listed.iter().position(|shard| shard.id == after).map_or(listed.len(), |i| i + 1),
        None => 0,
    };
    let page = &listed[start..(start + SHARDS_PER_PAGE).min(listed.len())];
    let shards: Vec<Value> = page
        .iter()
        .map(|shard| {
            let mut value = json!({"ShardId": shard.id, "SequenceNumberRange": {"StartingSequenceNumber": "1"}});
            if shard.closed {
                let last = shard.records.last().map(|record| record["dynamodb"]["SequenceNumber"].clone());
                value["SequenceNumberRange"]["EndingSequenceNumber"] = last.unwrap_or_else(|| json!("1"));
            }
            if let Some(parent) = &shard.parent {
                value["ParentShardId"] = json!(parent);
            }
            value
        })
        .collect();
    let mut description = json!({"StreamArn": shared.stream_arn, "StreamStatus": "ENABLED",
        "StreamViewType": "NEW_AND_OLD_IMAGES", "Shards": shards});
    if start + SHARDS_PER_PAGE < listed.len() {
        description["LastEvaluatedShardId"] = json!(page.last().map(|shard| shard.id.clone()));
    }
    json!({"StreamDescription": description})
}

fn iterator(shard: &str, position: usize, empty_left: usize) -> String {
    format!("{shard}|{position}|{empty_left}")
}

fn records(shared: &Shared, request: &Value) -> Value {
    let parts: Vec<&str> = request["ShardIterator"].as_str().unwrap_or_default().split('|').collect();
    let (id, position, empty_left) = match parts[..] {
        [id, position, empty_left] => (id, position.parse().unwrap_or(0), empty_left.parse().unwrap_or(0)),
        _ => return json!({"__type": "ExpiredIteratorException", "message": "bad iterator"}),
    };
    let Some(shard) = shared.shards.iter().find(|shard| shard.id == id) else { return json!({"Records": []}) };
    let limit = request["Limit"].as_u64().unwrap_or(1000) as usize;
    // Empty pages before a position's records, and at an open shard's tip; a closed shard's end answers at once.
    let at_closed_end = shard.closed && position >= shard.records.len();
    if empty_left > 0 && !at_closed_end {
        return json!({"Records": [], "NextShardIterator": iterator(id, position, empty_left - 1)});
    }
    let end = (position + limit).min(shard.records.len());
    let mut answer = json!({"Records": shard.records[position..end]});
    if end < shard.records.len() || !shard.closed {
        answer["NextShardIterator"] = json!(iterator(id, end, shared.empty_pages));
    }
    answer
}

/// The next request's `X-Amz-Target` and body.
async fn read(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = request.parse(buffer) {
            let header = |name: &str| {
                request
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned())
            };
            let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            let target = header("x-amz-target").unwrap_or_default();
            while buffer.len() < head + length {
                read_more(client, buffer).await?;
            }
            let body = buffer[head..head + length].to_vec();
            buffer.drain(..head + length);
            return Some((target, body));
        }
        read_more(client, buffer).await?;
    }
}

async fn read_more(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    match client.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}
