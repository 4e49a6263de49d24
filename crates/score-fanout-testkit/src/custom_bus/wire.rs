//! The stand-in's HTTP/1.1: keep-alive requests with a `Content-Length` body read off a connection, and whole
//! answers written back in one call.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request body larger than this is refused unread: no PutEvents size limit is published for this API, and the
/// classic bus's is 256 KB a request, so 10 MiB is generous and still bounds what a broken client can make us hold.
const MAX_BODY: usize = 10 << 20;

/// One request as received.
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// The next request of a keep-alive connection; `None` when the client closed it or sent what is not HTTP.
pub async fn read(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(head)) => {
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_owned()))
                    .collect();
                let length = headers.iter().find(|(name, _)| name == "content-length");
                let length: usize = length.and_then(|(_, value)| value.parse().ok()).unwrap_or(0);
                if length > MAX_BODY {
                    return None;
                }
                let (method, path) = (parsed.method?.to_owned(), parsed.path?.to_owned());
                while buffer.len() < head + length {
                    read_more(client, buffer).await?;
                }
                let body = buffer[head..head + length].to_vec();
                buffer.drain(..head + length);
                return Some(Request { method, path, headers, body });
            }
            Ok(httparse::Status::Partial) => read_more(client, buffer).await?,
            Err(_) => return None,
        }
    }
}

async fn read_more(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match client.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

/// Writes a whole answer.
pub async fn respond(client: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> bool {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    client.write_all(&out).await.is_ok()
}
