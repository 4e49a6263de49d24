//! Splitting entries into requests within the sinks' limits, keeping their order.

/// Entries per `PutEvents` / `PublishBatch` request: the classic bus's and SNS's hard limit (a sink with another
/// limit says so, `Sink::max_entries`).
pub const MAX_ENTRIES: usize = 10;

/// Bytes per request: EventBridge counts the sum of its entry sizes, SNS the aggregate payload; both cap at 256 KiB.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Greedily groups `(item, size)` pairs, in order, into chunks of at most `max_entries` items whose sizes add
/// up to at most `max_bytes`. An item larger than `max_bytes` travels alone, so the sink can reject it by itself.
pub fn chunks<T>(items: impl IntoIterator<Item = (T, usize)>, max_entries: usize, max_bytes: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let mut current_bytes = 0;
    for (item, size) in items {
        let full = current.len() >= max_entries || current_bytes + size > max_bytes;
        if full && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            current_bytes = 0;
        }
        current.push(item);
        current_bytes += size;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
#[path = "chunk_tests.rs"]
mod tests;
