//! The function's stdout, written in blocks of lines rather than a `write` per line.
//!
//! A `write` per line at info level would be one system call per record, each waking the reader of the pipe
//! (Lambda's log capture): about a seventh of the CPU of a 1,000-record invocation (docs/performance.md). Warnings
//! and errors are written at once, with everything before them, so nothing urgent waits; the function binary
//! flushes before it answers each invocation.

use lambda_runtime::tracing::subscriber::fmt::MakeWriter;
use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};

/// Lines waiting to be written; written out when they pass [`BLOCK`], at a warning or an error, and by [`flush_log`].
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
const BLOCK: usize = 32 * 1024;

/// Stdout in blocks, as a log subscriber's writer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Blocks;

/// One log event's writer (see [`Blocks`]).
pub(crate) struct BlockWriter {
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
        append(buf, false);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if self.urgent {
            flush_log();
        }
    }
}

/// Writes one line in order with the log.
pub(crate) fn write_line(line: &str) {
    append(line.as_bytes(), true);
}

fn append(bytes: &[u8], end_line: bool) {
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.extend_from_slice(bytes);
    if end_line {
        pending.push(b'\n');
    }
    if pending.len() >= BLOCK {
        write_out(&mut pending);
    }
}

/// Writes out every pending line: before each answer, and before the process ends.
pub fn flush_log() {
    write_out(&mut PENDING.lock().unwrap_or_else(PoisonError::into_inner));
}

/// A panic ends the process (panic = "abort"): what is pending is written out first, unless the panic came from
/// within the writer itself.
pub(crate) fn flush_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut pending) = PENDING.try_lock() {
            write_out(&mut pending);
        }
        previous(info);
    }));
}

fn write_out(pending: &mut Vec<u8>) {
    if !pending.is_empty() {
        // There is nowhere to report a failed write to stdout: the lines are dropped (println! would panic).
        let _ = io::stdout().lock().write_all(pending);
        pending.clear();
    }
}
