//! Chunking: order kept, nothing dropped, both limits respected.

use super::*;
use proptest::prelude::*;

#[test]
fn twenty_three_small_entries_make_three_requests_of_ten_ten_and_three() {
    let got = chunks((0..23).map(|i| (i, 100)), MAX_ENTRIES, MAX_REQUEST_BYTES);
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 10, 3]);
}

#[test]
fn large_entries_split_by_size_before_count() {
    let got = chunks((0..5).map(|i| (i, 100 * 1024)), MAX_ENTRIES, MAX_REQUEST_BYTES);
    assert_eq!(got, vec![vec![0, 1], vec![2, 3], vec![4]]);
}

#[test]
fn an_oversized_entry_travels_alone() {
    let got = chunks([(0, 10), (1, 300 * 1024), (2, 10)], MAX_ENTRIES, MAX_REQUEST_BYTES);
    assert_eq!(got, vec![vec![0], vec![1], vec![2]]);
}

#[test]
fn exactly_the_limit_fits_in_one_request() {
    let got = chunks([(0, 128 * 1024), (1, 128 * 1024)], MAX_ENTRIES, MAX_REQUEST_BYTES);
    assert_eq!(got, vec![vec![0, 1]]);
}

proptest! {
    #[test]
    fn chunking_keeps_order_drops_nothing_and_respects_both_limits(
        sizes in proptest::collection::vec(1usize..70_000, 0..200),
        max_entries in 1usize..=10,
    ) {
        let got = chunks(sizes.iter().copied().enumerate(), max_entries, MAX_REQUEST_BYTES);
        let flattened: Vec<usize> = got.iter().flatten().copied().collect();
        prop_assert_eq!(flattened, (0..sizes.len()).collect::<Vec<_>>());
        for chunk in &got {
            prop_assert!(!chunk.is_empty() && chunk.len() <= max_entries);
            let bytes: usize = chunk.iter().map(|&i| sizes[i]).sum();
            prop_assert!(bytes <= MAX_REQUEST_BYTES || chunk.len() == 1);
        }
    }
}
