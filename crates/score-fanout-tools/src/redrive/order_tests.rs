//! Skipped batches in stream order: by sequence number within a shard, a parent shard before its children.

use super::*;

fn placed(key: &str, shard: &str, start: &str, first_arrival: &str) -> Placed {
    Placed { key: key.into(), shard: shard.into(), start: start.into(), first_arrival: first_arrival.into() }
}

fn keys(shards: &[Vec<Placed>]) -> Vec<Vec<&str>> {
    shards.iter().map(|shard| shard.iter().map(|object| object.key.as_str()).collect()).collect()
}

#[test]
fn sequence_numbers_compare_as_numbers_even_of_different_lengths() {
    assert_eq!(compare_sequence_numbers("9", "10"), Ordering::Less);
    assert_eq!(compare_sequence_numbers("0010", "9"), Ordering::Greater);
    let forty = "1".repeat(40);
    assert_eq!(compare_sequence_numbers(&forty, &"9".repeat(39)), Ordering::Greater);
    assert_eq!(compare_sequence_numbers("000123", "123"), Ordering::Equal);
}

#[test]
fn same_second_objects_of_a_shard_go_by_sequence_number_not_by_their_random_suffix() {
    let at = "2026-12-03T16:08:17.000Z";
    let later = placed("t/2026-12-03T16.08.17-0000", "shard-1", "1100000000017454423019", at);
    let earlier = placed("t/2026-12-03T16.08.17-ffff", "shard-1", "900000000017454423009", at);
    assert_eq!(
        keys(&in_stream_order(vec![later, earlier])),
        [["t/2026-12-03T16.08.17-ffff", "t/2026-12-03T16.08.17-0000"]]
    );
}

#[test]
fn a_parent_shard_goes_before_its_child_whatever_their_ids() {
    let child = placed("child-object", "shardId-000-aaaa", "500", "2026-12-03T20:00:00.000Z");
    let parent = placed("parent-object", "shardId-999-zzzz", "100", "2026-12-03T16:00:00.000Z");
    let unknown = placed("not-lambdas", "shardId-000-0000", "1", "not a time");
    let order = in_stream_order(vec![unknown, child, parent]);
    assert_eq!(keys(&order), [["parent-object"], ["child-object"], ["not-lambdas"]]);
}
