//! The event files every function is run on: one per batch size, written once per run.

use crate::gen;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Records per event file, and warm invocations per process life at that size.
pub const SIZES: [(usize, usize); 4] = [(1, 20), (100, 10), (1_000, 5), (10_000, 2)];

/// Writes `events-N.json` for every size into `dir`; returns (records, events to publish, path) per size.
pub fn write_events(dir: &Path) -> io::Result<Vec<(usize, usize, PathBuf)>> {
    std::fs::create_dir_all(dir)?;
    SIZES
        .iter()
        .map(|&(records, _)| {
            let generated = gen::stream_event(records);
            let path = dir.join(format!("events-{records}.json"));
            std::fs::write(&path, &generated.json)?;
            Ok((records, generated.events, path))
        })
        .collect()
}

/// The events of one process life at `records` records, the cold invocation's first: each a batch of its own
/// ([`gen::stream_batch`]), the first the one of the file.
pub fn batches(records: usize, invocations: usize) -> Vec<Arc<[u8]>> {
    (0..invocations).map(|batch| gen::stream_batch(records, batch as u32).json.into_bytes().into()).collect()
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
