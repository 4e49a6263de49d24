//! The proxy's HTTP: requests read from a keep-alive connection, forwarded upstream on a fresh one, and answers
//! re-framed with a `Content-Length`; and which service a request is for.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The services the proxy tells apart, by the request's target header or SNS's query action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    EventBridge,
    Sns,
    Sqs,
    Other,
}

/// One HTTP request as received.
pub struct Request {
    pub head: Vec<(String, String)>,
    pub line: String,
    pub body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub(super) fn service(&self) -> Service {
        match self.header("x-amz-target") {
            Some(target) if target.starts_with("AWSEvents.") => Service::EventBridge,
            Some(target) if target.starts_with("AmazonSQS.") => Service::Sqs,
            _ if self.body.windows(18).any(|w| w == b"Action=PublishBatc") => Service::Sns,
            _ => Service::Other,
        }
    }
}

pub(super) async fn read_request(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head_len)) = parsed.parse(buffer) {
            let line = format!("{} {} HTTP/1.1", parsed.method?, parsed.path?);
            let head: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                .collect();
            let length: usize = head
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buffer.len() < head_len + length {
                read_more(client, buffer).await?;
            }
            let body = buffer[head_len..head_len + length].to_vec();
            buffer.drain(..head_len + length);
            return Some(Request { head, line, body });
        }
        read_more(client, buffer).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

/// Sends `request` (with `body`) upstream on a fresh connection and returns the raw response.
pub async fn forward_with_body(upstream: &str, request: &Request, body: &[u8]) -> Vec<u8> {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return response(502, "text/plain", Vec::new()) };
    let mut head = format!("{}\r\n", request.line);
    for (name, value) in &request.head {
        if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
    if server.write_all(head.as_bytes()).await.is_err() || server.write_all(body).await.is_err() {
        return response(502, "text/plain", Vec::new());
    }
    let mut raw = Vec::new();
    let _ = server.read_to_end(&mut raw).await;
    normalise(&raw)
}

pub(super) async fn forward(upstream: &str, request: &Request) -> Vec<u8> {
    forward_with_body(upstream, request, &request.body).await
}

/// The upstream response re-framed with a Content-Length, so the client's connection can be kept alive.
fn normalise(raw: &[u8]) -> Vec<u8> {
    let (status, content_type, body) = split_response(raw);
    response(status, &content_type, body)
}

/// Status, content type and body of a raw HTTP response.
pub fn split_response(raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(raw) {
        Ok(httparse::Status::Complete(head_len)) => {
            let content_type = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| String::from_utf8_lossy(h.value).into_owned())
                .unwrap_or_default();
            (parsed.code.unwrap_or(502), content_type, raw[head_len..].to_vec())
        }
        _ => (502, "text/plain".into(), Vec::new()),
    }
}

pub fn response(status: u16, content_type: &str, body: Vec<u8>) -> Vec<u8> {
    response_with(status, content_type, &[("x-amzn-RequestId", "fault-proxy")], body)
}

/// A whole response with `headers` besides the content type and length.
pub fn response_with(status: u16, content_type: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend(body);
    out
}
