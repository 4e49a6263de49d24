//! The stand-in's behaviours, driven over HTTP the way the SDKs drive it: bodies encoded as the Rust SDK encodes
//! them (indefinite maps, tag-1 doubles) and as botocore does (definite maps, integer seconds), answers read back
//! strictly (one CBOR item, nothing after it).

mod botocore;
mod dedup;
mod faults;
mod fifo;
mod validation;
mod wire;

use super::{CustomBus, CustomBusConfig};
use ciborium::Value;
use ciborium_ll::{Encoder, Header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A SigV4 Authorization header as the SDKs send it for `events` in us-east-1 (the signature is not checked).
pub const SIGNED: &str =
    "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00";

/// One answer as received.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The body as one CBOR item with nothing after it, as the Rust SDK requires.
    pub fn value(&self) -> Value {
        let mut rest = &self.body[..];
        let value: Value = ciborium::from_reader(&mut rest).expect("the answer is CBOR");
        assert!(rest.is_empty(), "{} bytes after the answer's item", rest.len());
        value
    }

    /// Member `key` of the answer's top-level map.
    pub fn member(&self, key: &str) -> Value {
        member(&self.value(), key)
    }

    /// The error's `__type`, and its `Message`.
    pub fn error(&self) -> (String, String) {
        let text = |v: Value| v.as_text().map(str::to_owned).unwrap_or_default();
        (text(self.member("__type")), text(self.member("Message")))
    }

    /// The answered entries of a PutEvents.
    pub fn entries(&self) -> Vec<Value> {
        self.member("Entries").as_array().cloned().expect("Entries")
    }

    /// Each entry's SuccessCode, or its ErrorCode.
    pub fn codes(&self) -> Vec<String> {
        let code = |entry: &Value| match member(entry, "SuccessCode") {
            Value::Text(code) => code,
            _ => member(entry, "ErrorCode").as_text().map(str::to_owned).expect("a SuccessCode or an ErrorCode"),
        };
        self.entries().iter().map(code).collect()
    }
}

/// Member `key` of map `value` (Null when absent).
pub fn member(value: &Value, key: &str) -> Value {
    let members = value.as_map().expect("a map");
    let found = members.iter().find(|(k, _)| k.as_text() == Some(key));
    found.map(|(_, v)| v.clone()).unwrap_or(Value::Null)
}

/// Sends one request on a connection of its own.
pub async fn send(endpoint: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(endpoint.trim_start_matches("http://")).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-length: {}\r\n", body.len());
    headers.iter().for_each(|(name, value)| head.push_str(&format!("{name}: {value}\r\n")));
    head.push_str("\r\n");
    stream.write_all(&[head.as_bytes(), body].concat()).await.expect("send");
    stream.shutdown().await.expect("shutdown");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let mut parsed_headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut parsed_headers);
    let httparse::Status::Complete(length) = parsed.parse(&raw).expect("HTTP") else { panic!("a partial answer") };
    let headers = parsed.headers.iter().map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into()));
    Answer { status: parsed.code.expect("status"), headers: headers.collect(), body: raw[length..].to_vec() }
}

/// Calls `operation` as the SDKs do.
pub async fn call(endpoint: &str, operation: &str, body: &[u8]) -> Answer {
    let path = format!("/service/AWSEventsV2/operation/{operation}");
    let headers = [("smithy-protocol", "rpc-v2-cbor"), ("content-type", "application/cbor"), ("authorization", SIGNED)];
    send(endpoint, "POST", &path, &headers, body).await
}

/// PutEvents of `entries` to `arn`, encoded as botocore encodes it.
pub async fn put(bus: &CustomBus, arn: &str, entries: Vec<Value>) -> Answer {
    call(&bus.endpoint, "PutEvents", &definite(&put_request(arn, entries))).await
}

/// A stand-in with bus `scores` and nothing else.
pub async fn stand_in() -> (CustomBus, String) {
    let bus = CustomBusConfig::new().bus("scores").start().await.expect("stand-in");
    let arn = bus.arn("scores").expect("the bus");
    (bus, arn)
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub fn map(members: &[(&str, Value)]) -> Value {
    Value::Map(members.iter().map(|(key, value)| (text(key), value.clone())).collect())
}

pub fn put_request(arn: &str, entries: Vec<Value>) -> Value {
    map(&[("EventBusArn", text(arn)), ("Entries", Value::Array(entries))])
}

/// An entry of event group `group` with DeduplicationId `id` and Detail `{"n": n}`.
pub fn entry(group: &str, id: &str, n: u32) -> Value {
    map(&[
        ("Source", text("score-fanout")),
        ("DetailType", text("ScoreChanged")),
        ("Detail", text(&format!(r#"{{"n":{n}}}"#))),
        ("SystemMetadata", map(&[("EventGroupId", text(group)), ("DeduplicationId", text(id))])),
    ])
}

/// `value` with definite lengths, as botocore writes it.
pub fn definite(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("encode");
    out
}

/// `value` as the Rust SDK writes a structure: maps of indefinite length, arrays definite, floats as doubles.
pub fn indefinite(value: &Value) -> Vec<u8> {
    fn write(encoder: &mut Encoder<&mut Vec<u8>>, value: &Value) {
        match value {
            Value::Map(members) => {
                encoder.push(Header::Map(None)).expect("map");
                members.iter().for_each(|(k, v)| (write(encoder, k), write(encoder, v)).1);
                encoder.push(Header::Break).expect("break");
            }
            Value::Array(items) => {
                encoder.push(Header::Array(Some(items.len()))).expect("array");
                items.iter().for_each(|item| write(encoder, item));
            }
            Value::Text(s) => encoder.text(s, None).expect("text"),
            Value::Tag(tag, inner) => (encoder.push(Header::Tag(*tag)).expect("tag"), write(encoder, inner)).1,
            Value::Float(f) => {
                ciborium_io::Write::write_all(encoder, &[&[0xfb][..], &f.to_be_bytes()].concat()).expect("double")
            }
            other => {
                let bytes = definite(other);
                ciborium_io::Write::write_all(encoder, &bytes).expect("item");
            }
        }
    }
    let mut out = Vec::new();
    write(&mut Encoder::from(&mut out), value);
    out
}
