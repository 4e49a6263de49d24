//! Parents before children, whatever order DescribeStream lists them in; children only after their parent ended.

use super::*;

fn shard(id: &str, parent: Option<&str>) -> Shard {
    Shard { id: id.into(), parent: parent.map(Into::into), closed: true }
}

/// Started and ended shards, after each of `ids` was read to its end.
fn read_to_end(ids: &[&str]) -> (HashSet<String>, HashSet<String>) {
    let ids: HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
    (ids.clone(), ids)
}

#[test]
fn children_wait_for_their_parent_and_a_parent_gone_from_the_stream_holds_nothing_up() {
    let shards = [shard("c2", Some("p")), shard("p", Some("trimmed")), shard("c1", Some("p")), shard("g", Some("c1"))];
    let (started, ended) = read_to_end(&[]);
    assert_eq!(ready(&shards, &started, &ended), [shard("p", Some("trimmed"))]);
    let (started, ended) = read_to_end(&["p"]);
    assert_eq!(ready(&shards, &started, &ended), [shard("c1", Some("p")), shard("c2", Some("p"))]);
    let (started, ended) = read_to_end(&["p", "c1", "c2"]);
    assert_eq!(ready(&shards, &started, &ended), [shard("g", Some("c1"))]);
    let (started, ended) = read_to_end(&["p", "c1", "c2", "g"]);
    assert!(ready(&shards, &started, &ended).is_empty());
}

#[test]
fn the_children_of_a_parent_read_only_to_its_tip_wait() {
    let shards = [shard("p", None), shard("c", Some("p"))];
    let started = HashSet::from(["p".to_owned()]);
    assert!(ready(&shards, &started, &HashSet::new()).is_empty(), "p is open at its tip: its children must wait");
}
