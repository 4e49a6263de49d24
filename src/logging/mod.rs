//! Setting up the log: Lambda's format (`AWS_LAMBDA_LOG_FORMAT`) and level (`AWS_LAMBDA_LOG_LEVEL`), to stdout.

use crate::config::{Config, LogLevel};
use crate::metrics;
use crate::stdout::{self, Blocks};
use lambda_runtime::tracing::subscriber::fmt::format::JsonFields;
use lambda_runtime::tracing::subscriber::fmt::MakeWriter;
use lambda_runtime::tracing::subscriber::{self, filter::EnvFilter};

mod json;
pub(crate) use json::write_timestamp;

/// Installs the global subscriber: to stdout, at the validated `AWS_LAMBDA_LOG_LEVEL` (FATAL filters as ERROR, never
/// silently as INFO), else `RUST_LOG`, else INFO. With `AWS_LAMBDA_LOG_FORMAT=JSON` each line is the JSON object
/// Lambda's log-level filtering reads ([`json`]); as text, lines carry no time (Lambda adds its own).
pub fn init_logging(config: &Config) {
    init_logging_with(config.log_level, config.json_logs);
}

/// As [`init_logging`], for tools that log like the function without a function configuration.
pub fn init_logging_with(log_level: Option<LogLevel>, json_logs: bool) {
    init_to(log_level, json_logs, std::io::stdout);
}

/// As [`init_logging`], for the function binary: the log goes to stdout in blocks ([`crate::stdout`]); call
/// [`crate::flush_log`] before answering each invocation.
pub fn init_logging_in_blocks(config: &Config) {
    init_to(config.log_level, config.json_logs, Blocks);
    stdout::flush_on_panic();
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
    let always = [metrics::LINE_TARGET, INVOCATION_SPAN_TARGET];
    let filter =
        always.iter().filter_map(|target| format!("{target}=info").parse().ok()).fold(filter, EnvFilter::add_directive);
    let builder = subscriber::fmt().with_target(false).without_time().with_env_filter(filter).with_writer(writer);
    // A second init (tests, a tool that already set one up) keeps the first subscriber.
    let _ = if json_logs {
        let lines = json::JsonLines::new(metrics::line_level(log_level));
        builder.fmt_fields(JsonFields::new()).event_format(lines).try_init()
    } else {
        builder.try_init()
    };
}

/// The HTTP client's modules whose DEBUG lines are about connections (opened, pooled, reused).
const HTTP_CONNECTIONS: [&str; 2] = ["hyper_util", "hyper"];

/// Where lambda_runtime's `TracingLayer` opens the span of each invocation (`requestId`, `xrayTraceId`); the module
/// logs nothing else.
const INVOCATION_SPAN_TARGET: &str = "lambda_runtime::layers::trace";
