//! Lambda's application log-level filtering, as the Lambda developer guide documents it ("Log-level filtering"),
//! applied to what a function writes: with the JSON log format, a line counts at its own level only when it is a
//! JSON object with a top-level `level` (any case) and a valid RFC 3339 `timestamp`; any other line is taken as
//! INFO. Lambda forwards a line when its level is at or above the configured threshold (at FATAL, FATAL lines
//! only). With the text format nothing is filtered.

use serde_json::Value;

/// Lambda's application log levels, from the most detail to the least. Lambda's side of the filter, kept apart from
/// the function's own `LogLevel` on purpose: an emulator that shared the function's reading of a level could not catch
/// a mistake in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// A level as Lambda reads it, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "TRACE" => Some(Self::Trace),
            "DEBUG" => Some(Self::Debug),
            "INFO" => Some(Self::Info),
            "WARN" => Some(Self::Warn),
            "ERROR" => Some(Self::Error),
            "FATAL" => Some(Self::Fatal),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
            Self::Fatal => "FATAL",
        }
    }
}

/// The function's log configuration (the template's `LoggingConfig`), which Lambda passes to the function as
/// `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` and enforces on what it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Logging {
    pub json: bool,
    /// The application log level; Lambda's default is INFO.
    pub level: Level,
}

impl Default for Logging {
    fn default() -> Self {
        Self { json: true, level: Level::Info }
    }
}

impl Logging {
    /// Whether Lambda forwards `line` to CloudWatch Logs.
    pub fn forwards(&self, line: &str) -> bool {
        !self.json || level_of(line) >= self.level
    }
}

/// The level Lambda assigns a line of a JSON-format function.
pub fn level_of(line: &str) -> Level {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(line) else { return Level::Info };
    let level = object.get("level").and_then(Value::as_str).and_then(Level::parse);
    let timestamp = object.get("timestamp").and_then(Value::as_str).is_some_and(is_rfc3339);
    match level {
        Some(level) if timestamp => level,
        _ => Level::Info,
    }
}

/// Whether `text` is an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction, then `Z` or `+HH:MM`.
pub fn is_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize, max: u32| {
        let digits = bytes.get(from..from + len).filter(|d| d.iter().all(u8::is_ascii_digit));
        digits.is_some_and(|d| d.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')) <= max)
    };
    let at = |index: usize, expected: &[u8]| bytes.get(index).is_some_and(|b| expected.contains(b));
    let date_time = number(0, 4, 9999)
        && at(4, b"-")
        && number(5, 2, 12)
        && at(7, b"-")
        && number(8, 2, 31)
        && at(10, b"Tt ")
        && number(11, 2, 23)
        && at(13, b":")
        && number(14, 2, 59)
        && at(16, b":")
        && number(17, 2, 60);
    if !date_time || bytes[5..7] == *b"00" || bytes[8..10] == *b"00" {
        return false;
    }
    let mut rest = 19;
    if at(rest, b".") {
        let digits = bytes[rest + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest += 1 + digits;
    }
    match bytes.get(rest) {
        Some(b'Z' | b'z') => rest + 1 == bytes.len(),
        Some(b'+' | b'-') => {
            rest + 6 == bytes.len() && number(rest + 1, 2, 23) && at(rest + 3, b":") && number(rest + 4, 2, 59)
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "log_filter_tests.rs"]
mod tests;
