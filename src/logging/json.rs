//! The JSON log line in the shape Lambda's log-level filtering reads, as Lambda's managed runtimes and Powertools
//! write it: top-level `timestamp` (RFC 3339, UTC, milliseconds), `level`, `message`, then the invocation span's
//! fields (`requestId`, `xrayTraceId`) and those of any span opened inside it, then the event's own fields. An event field named `timestamp`, `level`,
//! `message` or `requestId` is written as `field_<name>`, so that it can never stand in for Lambda's key.
//!
//! Written straight into bytes rather than through tracing-subscriber's JSON formatter, which writes every token
//! through `fmt::Write` and parses the span's fields back into a map for every line (docs/performance.md); a test
//! holds each line to that formatter's values.

use crate::metrics::{LINE_FIELD, LINE_TARGET};
use lambda_runtime::tracing::subscriber::fmt::format::{FormatEvent, JsonFields, Writer};
use lambda_runtime::tracing::subscriber::fmt::{FmtContext, FormattedFields};
use lambda_runtime::tracing::subscriber::registry::LookupSpan;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};

/// The keys Lambda reads; an event field of the same name gets this prefix.
const RESERVED: [&str; 4] = ["timestamp", "level", "message", "requestId"];
const CLASH_PREFIX: &str = "field_";

/// The formatter for `AWS_LAMBDA_LOG_FORMAT=JSON`.
pub struct JsonLines {
    /// The `level` of the metrics line: one that Lambda's filter lets through at the configured threshold.
    metrics_level: &'static str,
}

impl JsonLines {
    pub fn new(metrics_level: &'static str) -> Self {
        Self { metrics_level }
    }
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// One line's parts while it is written: the line, its message, its other fields.
#[derive(Default)]
struct Buffers {
    line: Vec<u8>,
    message: Vec<u8>,
    fields: Vec<u8>,
}

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        BUFFERS.with(|buffers| {
            // A line written while this one is being written (a Debug impl that logs) gets buffers of its own.
            let mut reused = buffers.try_borrow_mut();
            let mut own = Buffers::default();
            let Buffers { line, message, fields } = reused.as_deref_mut().unwrap_or(&mut own);
            let metrics = event.metadata().target() == LINE_TARGET;
            for buffer in [&mut *line, &mut *message, &mut *fields] {
                buffer.clear();
            }
            event.record(&mut Fields { message, fields, metrics });
            line.extend_from_slice(b"{\"timestamp\":\"");
            write_timestamp(line, SystemTime::now());
            line.extend_from_slice(b"\",\"level\":\"");
            let level = if metrics { self.metrics_level } else { event.metadata().level().as_str() };
            line.extend_from_slice(level.as_bytes());
            line.extend_from_slice(b"\",\"message\":");
            if metrics {
                line.extend_from_slice(b"\"metrics\"");
            } else if message.is_empty() {
                line.extend_from_slice(b"\"\"");
            } else {
                line.extend_from_slice(message);
            }
            // Lambda's invocation span is the outermost; a span opened inside it (the SDK's, at DEBUG) adds its
            // fields after, so that `requestId` is on every line of the invocation.
            if let Some(leaf) = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current()) {
                for span in leaf.scope().from_root() {
                    let extensions = span.extensions();
                    let recorded = extensions.get::<FormattedFields<JsonFields>>().map_or("", |f| f.fields.as_str());
                    // JsonFields records a span's fields as one JSON object (or nothing): its members are copied in.
                    // Lambda's span records `requestId` first.
                    let members = recorded.trim().strip_prefix('{').and_then(|rest| rest.strip_suffix('}'));
                    if let Some(members) = members.map(str::trim).filter(|members| !members.is_empty()) {
                        line.push(b',');
                        line.extend_from_slice(members.as_bytes());
                    }
                }
            }
            line.extend_from_slice(fields);
            line.extend_from_slice(b"}\n");
            // Everything above is valid UTF-8: ASCII, serde_json's output and the recorded JSON.
            writer.write_str(std::str::from_utf8(line).map_err(|_| fmt::Error)?)
        })
    }
}

/// Writes an event's fields: the message as a JSON string apart, every other field as `,"name":value`. For the
/// metrics event, its document's members instead.
struct Fields<'a> {
    message: &'a mut Vec<u8>,
    fields: &'a mut Vec<u8>,
    metrics: bool,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        self.fields.extend_from_slice(b",\"");
        if RESERVED.contains(&field.name()) {
            self.fields.extend_from_slice(CLASH_PREFIX.as_bytes());
        }
        self.fields.extend_from_slice(field.name().as_bytes());
        self.fields.extend_from_slice(b"\":");
    }

    fn value(&mut self, field: &Field, value: impl serde::Serialize) {
        self.key(field);
        // Strings, numbers and booleans always serialize (a non-finite float as null).
        let _ = serde_json::to_writer(&mut *self.fields, &value);
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.metrics && field.name() == LINE_FIELD {
            // The document is one JSON object written by metrics.rs: its members follow the line's own.
            if let Some(members) = value.trim().strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
                self.fields.push(b',');
                self.fields.extend_from_slice(members.as_bytes());
            }
        } else if field.name() == "message" {
            let _ = serde_json::to_writer(&mut *self.message, value);
        } else {
            self.value(field, value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.value(field, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.value(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.value(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.value(field, value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.value(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.value(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record_str(field, &text);
    }
}

/// `time` as RFC 3339 in UTC with milliseconds: `2026-12-03T15:16:05.123Z`.
pub fn write_timestamp(out: &mut Vec<u8>, time: SystemTime) {
    let since_epoch = time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let (seconds, millis) = (since_epoch.as_secs(), since_epoch.subsec_millis());
    let (days, second_of_day) = ((seconds / 86_400) as i64, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    let parts = [
        (year.max(0) as u64, 4, b'-'),
        (month, 2, b'-'),
        (day, 2, b'T'),
        (second_of_day / 3600, 2, b':'),
        (second_of_day / 60 % 60, 2, b':'),
        (second_of_day % 60, 2, b'.'),
        (u64::from(millis), 3, b'Z'),
    ];
    for (value, width, separator) in parts {
        let start = out.len();
        let mut value = value;
        for _ in 0..width {
            out.push(b'0' + (value % 10) as u8);
            value /= 10;
        }
        out[start..].reverse();
        out.push(separator);
    }
}

/// Year, month and day of the `days`-th day after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u64;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u64;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
