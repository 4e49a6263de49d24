//! Logging: Lambda's log format and level, and the classic demo's lines for what each record did.

use crate::config::{Config, LogLevel};
use crate::decode::{Change, Decoded};
use crate::metrics::Metrics;
use lambda_runtime::tracing::subscriber::fmt::format::JsonFields;
use lambda_runtime::tracing::subscriber::fmt::MakeWriter;
use lambda_runtime::tracing::subscriber::{self, filter::EnvFilter};
use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};
use tracing::{debug, info};

mod json;
pub use json::write_timestamp;

/// Installs the global subscriber: to stdout, at the validated `AWS_LAMBDA_LOG_LEVEL` (FATAL filters as ERROR, never
/// silently as INFO), else `RUST_LOG`, else INFO. With `AWS_LAMBDA_LOG_FORMAT=JSON` each line is the JSON object
/// Lambda's log-level filtering reads ([`json`]); as text, lines carry no time (Lambda adds its own).
pub fn init(config: &Config) {
    init_with(config.log_level, config.json_logs);
}

/// As [`init`], for tools that log like the function without a function configuration.
pub fn init_with(log_level: Option<LogLevel>, json_logs: bool) {
    init_to(log_level, json_logs, std::io::stdout);
}

/// As [`init`], for the function binary: the log goes to stdout in blocks ([`Blocks`]); call [`flush`] before
/// answering each invocation.
pub fn init_in_blocks(config: &Config) {
    init_to(config.log_level, config.json_logs, Blocks);
    // A panic ends the process (panic = "abort"): write out what is pending first, unless the panic came from
    // within the writer itself.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut pending) = PENDING.try_lock() {
            write_out(&mut pending);
        }
        previous(info);
    }));
}

fn init_to<W>(log_level: Option<LogLevel>, json_logs: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = match log_level {
        Some(level) => EnvFilter::default().add_directive(level.filter().into()),
        None => EnvFilter::builder().with_default_directive(tracing::Level::INFO.into()).from_env_lossy(),
    };
    // hyper's connection lines at DEBUG are noise, and those of the Runtime API's own client are written outside any
    // invocation's span (no requestId): they wait for TRACE.
    let filter = match log_level {
        Some(LogLevel::Debug) => HTTP_CONNECTIONS
            .iter()
            .filter_map(|target| format!("{target}=info").parse().ok())
            .fold(filter, EnvFilter::add_directive),
        _ => filter,
    };
    // Whatever the threshold: the metrics line (its `level` decides whether Lambda forwards it), and the span
    // lambda_runtime opens around each invocation (an info span; without it no line would carry the requestId).
    let always = [json::METRICS_TARGET, INVOCATION_SPAN_TARGET];
    let filter =
        always.iter().filter_map(|target| format!("{target}=info").parse().ok()).fold(filter, EnvFilter::add_directive);
    let builder = subscriber::fmt().with_target(false).without_time().with_env_filter(filter).with_writer(writer);
    // A second init (tests, a tool that already set one up) keeps the first subscriber.
    let _ = if json_logs {
        let lines = json::JsonLines::new(metrics_level(log_level));
        builder.fmt_fields(JsonFields::new()).event_format(lines).try_init()
    } else {
        builder.try_init()
    };
}

/// The `level` of the metrics line: the configured threshold, or INFO when the threshold is below INFO, so that
/// Lambda's log-level filter forwards it at every threshold, FATAL included (where it forwards FATAL lines only).
pub fn metrics_level(threshold: Option<LogLevel>) -> &'static str {
    threshold.map_or(LogLevel::Info, |level| level.max(LogLevel::Info)).name()
}

/// Where the handler writes each invocation's metrics document: as JSON logs, one line of the log's own shape
/// (`timestamp`, `level`, `message`, `requestId`, then the document's members, which CloudWatch reads as EMF); as
/// text, the document itself on a line of its own.
pub fn metrics_output(config: &Config) -> Metrics {
    let output: Box<dyn Fn(&str) + Send + Sync> = if config.json_logs {
        Box::new(|document| tracing::info!(target: json::METRICS_TARGET, emf = document))
    } else {
        Box::new(write_line)
    };
    Metrics { output, function_name: config.function_name.clone() }
}

/// The HTTP client's modules whose DEBUG lines are about connections (opened, pooled, reused).
const HTTP_CONNECTIONS: [&str; 2] = ["hyper_util", "hyper"];

/// Where lambda_runtime's `TracingLayer` opens the span of each invocation (`requestId`, `xrayTraceId`); the module
/// logs nothing else.
const INVOCATION_SPAN_TARGET: &str = "lambda_runtime::layers::trace";

/// Log lines waiting to be written; written out when they pass [`BLOCK`], at a warning or an error, and by
/// [`flush`].
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
const BLOCK: usize = 32 * 1024;

/// Stdout in blocks of lines rather than a `write` per line. A `write` per line at info level would be one system
/// call per record, each waking the reader of the pipe (Lambda's log capture): about a seventh of the CPU of a
/// 1,000-record invocation (docs/performance.md). Warnings and errors are written at once, with everything before
/// them, so nothing urgent waits; the function binary flushes before it answers each invocation.
#[derive(Clone, Copy, Debug)]
pub struct Blocks;

/// One log event's writer (see [`Blocks`]).
pub struct BlockWriter {
    urgent: bool,
}

impl<'w> MakeWriter<'w> for Blocks {
    type Writer = BlockWriter;

    fn make_writer(&'w self) -> BlockWriter {
        BlockWriter { urgent: false }
    }

    fn make_writer_for(&'w self, meta: &tracing::Metadata<'_>) -> BlockWriter {
        BlockWriter { urgent: *meta.level() <= tracing::Level::WARN }
    }
}

impl Write for BlockWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
        pending.extend_from_slice(buf);
        if pending.len() >= BLOCK {
            write_out(&mut pending);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if self.urgent {
            flush();
        }
    }
}

/// Writes one line (a metric document) in order with the log.
pub fn write_line(line: &str) {
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.extend_from_slice(line.as_bytes());
    pending.push(b'\n');
    if pending.len() >= BLOCK {
        write_out(&mut pending);
    }
}

/// Writes out every pending line.
pub fn flush() {
    write_out(&mut PENDING.lock().unwrap_or_else(PoisonError::into_inner));
}

fn write_out(pending: &mut Vec<u8>) {
    if !pending.is_empty() {
        // There is nowhere to report a failed write to stdout: the lines are dropped (println! would panic).
        let _ = io::stdout().lock().write_all(pending);
        pending.clear();
    }
}

/// Logs what a record did to a player row, with the demo's message texts. Whole images only at debug.
pub fn log_change(decoded: &Decoded) {
    let sequence_number = decoded.sequence_number.as_str();
    match &decoded.change {
        Change::Added(row) => {
            info!(sequence_number, player_id = %row.player_id, date = %row.date, score = row.score.get(),
                "New row added with playerId={}", row.player_id);
        }
        Change::ScoreChanged { old, new } => {
            info!(sequence_number, player_id = %new.player_id, date = %new.date, old_score = old.score.get(),
                new_score = new.score.get(), "Scores changed - oldScore={}, newScore={}", old.score, new.score);
        }
        Change::ScoreUnchanged(row) => {
            debug!(sequence_number, player_id = %row.player_id, date = %row.date, score = row.score.get(),
                "Score unchanged - no event for this MODIFY");
        }
        Change::Removed { old, reason } => {
            info!(sequence_number, player_id = %old.player_id, date = %old.date, score = old.score.get(),
                reason = %reason, "Row removed with playerId={}", old.player_id);
        }
    }
}
