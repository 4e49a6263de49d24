//! What each sink accepted, remembered across the warm invocations of one execution environment, so that when Lambda
//! hands the same records back after a checkpoint (or a redrive retries an object in the same process) the entries a
//! sink already accepted are not sent to it again.
//!
//! Exact, never a shorter hash: two ids sharing a shorter key would skip an entry never delivered. A DynamoDB eventID
//! (32 lowercase hex digits) is kept as its 128 bits, any other id as its text. Past [`CAPACITY`] ids the oldest is
//! forgotten: about 480 KiB per sink when full (a 16-byte slot and a table entry of 5 bytes each), allocated at its
//! first acceptance. Only a sink's acceptance enters an id: a call given up on, or an answer lost on the way, may have
//! been delivered all the same, and such an entry can still arrive twice.

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, PoisonError};

/// The most ids remembered per sink: two 10,000-record batches' worth.
pub const CAPACITY: usize = 20_000;

/// The eventIds one sink accepted.
#[derive(Debug, Default)]
pub struct Accepted {
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    hex: Ring<u128>,
    text: Ring<Box<str>>,
}

impl Accepted {
    /// Whether the sink accepted `event_id`, as far as this environment remembers.
    pub fn contains(&self, event_id: &str) -> bool {
        let memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        match as_bits(event_id) {
            Some(bits) => memory.hex.contains(&bits),
            None => memory.text.contains(&Box::from(event_id)),
        }
    }

    /// Notes that the sink accepted `event_id`.
    pub fn insert(&self, event_id: &str) {
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        match as_bits(event_id) {
            Some(bits) => memory.hex.insert(bits),
            None => memory.text.insert(Box::from(event_id)),
        }
    }
}

/// The 128 bits of a DynamoDB eventID: exactly 32 lowercase hex digits, so that no two ids share them.
fn as_bits(event_id: &str) -> Option<u128> {
    let canonical = event_id.len() == 32 && event_id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    canonical.then(|| u128::from_str_radix(event_id, 16).ok()).flatten()
}

/// Keys in the order they came, the oldest overwritten once `capacity` are held; a table of slot indices finds them.
#[derive(Debug)]
struct Ring<K> {
    slots: Vec<K>,
    /// The slot the next key takes once the ring is full: the oldest.
    next: usize,
    table: HashTable<u32>,
    capacity: usize,
}

impl<K> Default for Ring<K> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<K> Ring<K> {
    fn with_capacity(capacity: usize) -> Self {
        Self { slots: Vec::new(), next: 0, table: HashTable::new(), capacity: capacity.clamp(1, u32::MAX as usize) }
    }
}

impl<K: Eq + Hash> Ring<K> {
    fn contains(&self, key: &K) -> bool {
        self.table.find(hash(key), |&slot| self.slots[slot as usize] == *key).is_some()
    }

    fn insert(&mut self, key: K) {
        if self.contains(&key) {
            return;
        }
        let Self { slots, next, table, capacity } = self;
        let slot = if slots.len() < *capacity {
            slots.reserve_exact(*capacity - slots.len());
            slots.push(key);
            slots.len() - 1
        } else {
            let oldest = *next;
            if let Ok(entry) = table.find_entry(hash(&slots[oldest]), |&slot| slot as usize == oldest) {
                entry.remove();
            }
            slots[oldest] = key;
            *next = (oldest + 1) % *capacity;
            oldest
        };
        // The capacity is clamped to u32's range: a slot always fits.
        table.insert_unique(hash(&slots[slot]), slot as u32, |&other| hash(&slots[other as usize]));
    }
}

fn hash<K: Hash>(key: &K) -> u64 {
    // eventIDs are not chosen by an attacker; a fixed hasher keeps every process's table the same.
    std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default().hash_one(key)
}

#[cfg(test)]
#[path = "accepted_tests.rs"]
mod tests;
