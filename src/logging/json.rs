//! The JSON log line, written as tracing-subscriber's JSON formatter writes it (`level`, `fields`, the current
//! `span` with its `name`; no span list, no target, no time: Lambda adds its own), but straight into bytes.

use lambda_runtime::tracing::subscriber::fmt::format::{FormatEvent, JsonFields, Writer};
use lambda_runtime::tracing::subscriber::fmt::{FmtContext, FormattedFields};
use lambda_runtime::tracing::subscriber::registry::LookupSpan;
use std::cell::RefCell;
use std::fmt;
use tracing::{Event, Subscriber};
use tracing_serde::fields::AsMap;

/// The formatter for `AWS_LAMBDA_LOG_FORMAT=JSON`. tracing-subscriber's own writes every token through
/// `fmt::Write` (a UTF-8 check and a dynamic call each) and parses the span's fields, already JSON, back into a
/// map for every line to copy the `requestId` in: about two fifths of the cost of the log line per record,
/// itself a tenth of a 1,000-record invocation (docs/performance.md). The fields come from the same
/// tracing-serde visitor; the span's are copied in as they were recorded. A test compares the two line by line.
pub struct JsonLines;

thread_local! {
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
        LINE.with(|line| {
            // A log line written while this one is being written (a Debug impl that logs) gets a buffer of its own.
            let mut reused = line.try_borrow_mut();
            let mut own = Vec::new();
            let line = reused.as_deref_mut().unwrap_or(&mut own);
            line.clear();
            line.extend_from_slice(b"{\"level\":\"");
            line.extend_from_slice(event.metadata().level().as_str().as_bytes());
            line.extend_from_slice(b"\",\"fields\":");
            serde_json::to_writer(&mut *line, &event.field_map()).map_err(|_| fmt::Error)?;
            if let Some(span) = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current()) {
                line.extend_from_slice(b",\"span\":{");
                let extensions = span.extensions();
                let recorded = extensions.get::<FormattedFields<JsonFields>>().map_or("", |f| f.fields.as_str());
                // JsonFields records a span's fields as one JSON object (or nothing): its members are copied in.
                let members = recorded.trim().strip_prefix('{').and_then(|rest| rest.strip_suffix('}'));
                if let Some(members) = members.map(str::trim).filter(|members| !members.is_empty()) {
                    line.extend_from_slice(members.as_bytes());
                    line.push(b',');
                }
                line.extend_from_slice(b"\"name\":");
                serde_json::to_writer(&mut *line, span.name()).map_err(|_| fmt::Error)?;
                line.push(b'}');
            }
            line.extend_from_slice(b"}\n");
            // Everything above is valid UTF-8: ASCII, serde_json's output and the recorded JSON.
            writer.write_str(std::str::from_utf8(line).map_err(|_| fmt::Error)?)
        })
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
