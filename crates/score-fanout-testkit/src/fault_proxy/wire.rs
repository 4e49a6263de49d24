//! The proxy's HTTP: requests read from a keep-alive connection, forwarded upstream on a fresh one, and answers
//! re-framed with a `Content-Length`; and which service and operation a request is for.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The services the proxy tells apart, by the request's target header or SNS's query action (`PublishBatch` and
/// `GetTopicAttributes`; any other SNS action is `Other`, always forwarded).
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

    /// The service and the operation (`PutEvents`, `GetTopicAttributes`, ...; empty for `Other`).
    pub(super) fn operation(&self) -> (Service, String) {
        let target = self.header("x-amz-target").unwrap_or_default();
        if let Some(operation) = target.strip_prefix("AWSEvents.") {
            return (Service::EventBridge, operation.to_owned());
        }
        if let Some(operation) = target.strip_prefix("AmazonSQS.") {
            return (Service::Sqs, operation.to_owned());
        }
        // SNS's query protocol names the action in the form body.
        let action = form_urlencoded::parse(&self.body).find(|(key, _)| key == "Action").map(|(_, value)| value);
        match action.as_deref() {
            Some(action @ ("PublishBatch" | "GetTopicAttributes")) => (Service::Sns, action.to_owned()),
            _ => (Service::Other, String::new()),
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
pub(super) async fn forward_with_body(upstream: &str, request: &Request, body: &[u8]) -> Vec<u8> {
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

/// Upstream headers an answer keeps: where JSON protocols name an error (`X-Amzn-ErrorType`), and SQS's legacy
/// code (`x-amzn-query-error`), which the SQS SDK reports instead of the JSON one.
const KEPT_HEADERS: [&str; 2] = ["x-amzn-errortype", "x-amzn-query-error"];

/// The upstream response re-framed with a Content-Length, so the client's connection can be kept alive.
fn normalise(raw: &[u8]) -> Vec<u8> {
    let Some(head) = Head::parse(raw) else { return response(502, "text/plain", Vec::new()) };
    let mut kept = vec![("x-amzn-RequestId", "fault-proxy")];
    kept.extend(
        head.headers
            .iter()
            .filter(|(name, _)| KEPT_HEADERS.iter().any(|k| name.eq_ignore_ascii_case(k)))
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    response_with(head.status, head.header("content-type").unwrap_or_default(), &kept, raw[head.length..].to_vec())
}

/// The head of a raw HTTP response.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    /// Where the body starts.
    length: usize,
}

impl Head {
    fn parse(raw: &[u8]) -> Option<Self> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(length) = parsed.parse(raw).ok()? else { return None };
        let headers =
            parsed.headers.iter().map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned())).collect();
        Some(Self { status: parsed.code.unwrap_or(502), headers, length })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// Status, content type and body of a raw HTTP response.
pub fn split_response(raw: &[u8]) -> (u16, String, Vec<u8>) {
    match Head::parse(raw) {
        Some(head) => {
            (head.status, head.header("content-type").unwrap_or_default().to_owned(), raw[head.length..].to_vec())
        }
        None => (502, "text/plain".into(), Vec::new()),
    }
}

/// The value of header `name` (any case) in a raw HTTP response.
pub(super) fn response_header(raw: &[u8], name: &str) -> Option<String> {
    Head::parse(raw).and_then(|head| head.header(name).map(str::to_owned))
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
