//! Parents before children, whatever order DescribeStream lists them in.

use super::*;

fn shard(id: &str, parent: Option<&str>) -> Shard {
    Shard { id: id.into(), parent: parent.map(Into::into) }
}

#[test]
fn children_wait_for_their_parent_and_a_parent_gone_from_the_stream_holds_nothing_up() {
    let shards = [shard("c2", Some("p")), shard("p", Some("trimmed")), shard("c1", Some("p")), shard("g", Some("c1"))];
    let mut done = HashSet::new();
    assert_eq!(ready(&shards, &done), [shard("p", Some("trimmed"))]);
    done.insert("p".to_owned());
    assert_eq!(ready(&shards, &done), [shard("c1", Some("p")), shard("c2", Some("p"))]);
    done.insert("c1".to_owned());
    done.insert("c2".to_owned());
    assert_eq!(ready(&shards, &done), [shard("g", Some("c1"))]);
    done.insert("g".to_owned());
    assert!(ready(&shards, &done).is_empty());
}
