//! SigV4 for the publishing calls, with the signing key kept for the day.
//!
//! aws-sigv4's `sign` derives the signing key (four HMAC-SHA256 over the secret, the date, the region and the
//! service) inside every call, and a 1,000-record invocation makes 182 calls; the key only changes with the date.
//! So it is derived once per day, region and service here, by aws-sigv4's own `generate_signing_key`, and the canonical
//! request is written for the one shape these calls have: a `POST` to an endpoint's root, no query. Any other
//! endpoint is signed by aws-sigv4's `sign` ([`root_host`] says which). A test holds every header to aws-sigv4's.

use aws_credential_types::Credentials;
use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// Headers aws-sigv4's default settings leave unsigned: proxies and X-Ray change them on the way.
const UNSIGNED: [&str; 4] = ["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];

/// The Host header an endpoint at its root is signed with (without a default port, as aws-sigv4 and hyper send
/// it); `None` for an endpoint with a path, a query, user info or an IPv6 literal, which aws-sigv4 signs instead.
pub fn root_host(url: &str) -> Option<&str> {
    let (rest, default_port) = match url.split_once("://")? {
        ("https", rest) => (rest, ":443"),
        ("http", rest) => (rest, ":80"),
        _ => return None,
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
    if authority.is_empty() || !authority.chars().all(plain) {
        return None;
    }
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    if host.is_empty() || port.contains(':') || (!port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(authority.strip_suffix(default_port).unwrap_or(authority))
}

/// What a request is signed for: the region and service of the key, and the Host header ([`root_host`]).
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub region: &'a str,
    pub service: &'static str,
    pub host: &'a str,
}

/// The signing keys derived so far: one per region and service, replaced when the date or the secret changes.
#[derive(Debug, Default)]
pub struct Signer {
    keys: Mutex<Vec<DayKey>>,
}

#[derive(Debug)]
struct DayKey {
    date: String,
    region: String,
    service: &'static str,
    secret: String,
    key: Vec<u8>,
}

impl Signer {
    /// The headers that sign a `POST` of `body` with `headers` to `target` at `time`, in the order aws-sigv4 gives
    /// them: `x-amz-date`, `authorization`, and `x-amz-security-token` with temporary credentials.
    pub fn sign(
        &self,
        credentials: &Credentials,
        target: &Target<'_>,
        time: SystemTime,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let Target { region, service, host } = *target;
        let utc = DateTime::<Utc>::from(time);
        let (date, date_time) = (utc.format("%Y%m%d").to_string(), utc.format("%Y%m%dT%H%M%SZ").to_string());
        let token = credentials.session_token();
        let mut canonical: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), trimmed(value)))
            .filter(|(name, _)| !UNSIGNED.contains(&name.as_str()))
            .collect();
        canonical.push(("host".into(), host.into()));
        canonical.push(("x-amz-date".into(), date_time.clone()));
        if let Some(token) = token {
            canonical.push(("x-amz-security-token".into(), token.into()));
        }
        canonical.sort();
        let signed = canonical.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(";");
        let mut request = String::with_capacity(1024);
        request.push_str("POST\n/\n\n");
        for (name, value) in &canonical {
            let _ = writeln!(request, "{name}:{value}");
        }
        let _ = write!(request, "\n{signed}\n{}", hex(&Sha256::digest(body)));
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign = format!("AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}", hex(&Sha256::digest(&request)));
        let secret = credentials.secret_access_key();
        let signature =
            self.with_key(secret, time, &date, (region, service), |key| calculate_signature(key, to_sign.as_bytes()));
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
            credentials.access_key_id()
        );
        let mut out = vec![("x-amz-date", date_time), ("authorization", authorization)];
        out.extend(token.map(|token| ("x-amz-security-token", token.to_owned())));
        out
    }

    /// Runs `sign` with the key of `time`'s `date` for `service`, derived at the first call of the day (or after the
    /// secret changed).
    fn with_key<T>(
        &self,
        secret: &str,
        time: SystemTime,
        date: &str,
        scope: (&str, &'static str),
        sign: impl Fn(&[u8]) -> T,
    ) -> T {
        let (region, service) = scope;
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let current = keys
            .iter()
            .position(|k| k.service == service && k.region == region && k.date == date && k.secret == secret);
        let index = current.unwrap_or_else(|| {
            let key = generate_signing_key(secret, time, region, service).as_ref().to_vec();
            keys.retain(|k| k.service != service || k.region != region);
            let region = region.to_owned();
            keys.push(DayKey { date: date.to_owned(), region, service, secret: secret.to_owned(), key });
            keys.len() - 1
        });
        sign(&keys[index].key)
    }
}

/// A header value as SigV4 signs it: spaces trimmed at both ends and each run of spaces made one.
fn trimmed(value: &str) -> String {
    value.split(' ').filter(|piece| !piece.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Lowercase hex, as SigV4 writes hashes.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|byte| [DIGITS[usize::from(byte >> 4)], DIGITS[usize::from(byte & 15)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;
