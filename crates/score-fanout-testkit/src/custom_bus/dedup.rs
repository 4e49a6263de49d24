//! Duplicate suppression. The guide: a duplicate is suppressed when it "arrives within 5 minutes (300 seconds) of
//! the entry it repeats"; "The check is scoped to your account, and to the event group when the entry carries an
//! EventGroupId ... An entry without an EventGroupId is still deduplicated, across all of your account's ungrouped
//! entries on that bus." The key is the DeduplicationId, or with CONTENT_BASED the entry's content (the content
//! itself stands in for the service's SHA-256 of it). A duplicate does not restart the window.

use super::request::EntryInput;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The deduplication window: "Not configurable" (quota page), counted from the entry a duplicate repeats.
pub const DEDUPLICATION_WINDOW: Duration = Duration::from_secs(300);

/// What makes two entries one event.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(super) struct Key {
    bus: String,
    account: String,
    group: Option<String>,
    token: String,
}

impl Key {
    /// The key of `entry` published to `bus` by `account`; none when it has no DeduplicationId and the request
    /// asked for no content-based deduplication (then nothing suppresses it).
    pub fn of(bus: &str, account: &str, entry: &EntryInput, content_based: bool) -> Option<Self> {
        let token = match (&entry.deduplication_id, content_based) {
            (Some(id), _) => format!("id\0{id}"),
            (None, true) => format!(
                "content\0{}\0{}\0{}\0{:?}",
                entry.source,
                entry.detail_type,
                entry.detail.as_deref().unwrap_or_default(),
                entry.resources
            ),
            (None, false) => return None,
        };
        let (bus, account, group) = (bus.to_owned(), account.to_owned(), entry.event_group_id.clone());
        Some(Self { bus, account, group, token })
    }
}

/// The open windows: each the answer of the accepted entry that opened it.
#[derive(Default)]
pub(super) struct Windows(HashMap<Key, (Instant, String, u64)>);

impl Windows {
    /// Forgets the windows closed at `now`.
    pub fn close(&mut self, now: Instant) {
        self.0.retain(|_, (opened, _, _)| now.duration_since(*opened) < DEDUPLICATION_WINDOW);
    }

    /// The EventId and sequence number of the entry `key` repeats, if its window is open.
    pub fn find(&self, key: &Key) -> Option<(String, u64)> {
        self.0.get(key).map(|(_, event_id, sequence)| (event_id.clone(), *sequence))
    }

    /// Opens the window of an accepted entry.
    pub fn open(&mut self, key: Key, now: Instant, event_id: &str, sequence: u64) {
        self.0.insert(key, (now, event_id.to_owned(), sequence));
    }
}
