//! The acceptance memory: exact, bounded, oldest forgotten first.

use super::*;
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};

fn event_id(n: u128) -> String {
    format!("{n:032x}")
}

#[test]
fn an_accepted_event_id_is_remembered_and_no_other() {
    let accepted = Accepted::default();
    accepted.insert("7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5c");
    assert!(accepted.contains("7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5c"));
    assert!(!accepted.contains("7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5d"), "one digit apart");
    assert!(!accepted.contains("7A2D9E4B1C3F4E5A8B6C0D1E2F3A4B5C"), "the same bits in capitals are another id");
}

#[test]
fn ids_that_are_not_32_hex_digits_are_remembered_as_text() {
    let accepted = Accepted::default();
    for id in ["ev1", "1", "01", "7A2D9E4B1C3F4E5A8B6C0D1E2F3A4B5C", ""] {
        assert!(!accepted.contains(id));
        accepted.insert(id);
        assert!(accepted.contains(id), "{id:?}");
    }
    assert!(!accepted.contains("001"), "no two texts share a key");
    assert!(!accepted.contains(&event_id(1)), "\"1\" as text is not the 128-bit id 1");
}

#[test]
fn past_its_capacity_the_oldest_id_is_forgotten_first() {
    let accepted = Accepted::default();
    for n in 0..=CAPACITY as u128 {
        accepted.insert(&event_id(n));
    }
    assert!(!accepted.contains(&event_id(0)), "the oldest went");
    assert!((1..=CAPACITY as u128).all(|n| accepted.contains(&event_id(n))), "every later one stays");
}

#[test]
fn a_full_memory_stays_under_half_a_mebibyte_per_sink() {
    let mut ring = Ring::<u128>::default();
    for n in 0..3 * CAPACITY as u128 {
        ring.insert(n);
    }
    let bytes = ring.slots.capacity() * std::mem::size_of::<u128>() + ring.table.allocation_size();
    assert!(bytes < 512 * 1024, "{bytes} bytes");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_ring_remembers_exactly_the_last_ids_it_was_given(
        keys in proptest::collection::vec(0u8..40, 0..300),
        capacity in 1usize..20,
    ) {
        let mut ring = Ring::<u128>::with_capacity(capacity);
        let mut model: VecDeque<u8> = VecDeque::new();
        for key in keys {
            if !model.contains(&key) {
                model.push_back(key);
                if model.len() > capacity {
                    model.pop_front();
                }
            }
            ring.insert(u128::from(key));
            let remembered: HashSet<u8> = (0..40).filter(|k| ring.contains(&u128::from(*k))).collect();
            prop_assert_eq!(remembered, model.iter().copied().collect::<HashSet<u8>>());
        }
    }
}
