use super::batches;

/// The values of `"key":"..."` in `json`, in order.
fn values<'a>(json: &'a str, key: &str) -> Vec<&'a str> {
    let marker = format!("\"{key}\":\"");
    json.split(marker.as_str()).skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

#[test]
fn each_invocation_of_a_life_gets_new_event_ids_and_otherwise_the_same_records() {
    let lives = batches(100, 3);
    let texts: Vec<&str> = lives.iter().map(|event| std::str::from_utf8(event).expect("UTF-8")).collect();
    let ids: Vec<Vec<&str>> = texts.iter().map(|text| values(text, "eventID")).collect();
    assert_eq!(ids[0].len(), 100);
    assert!(ids[0].iter().all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())));
    for later in &ids[1..] {
        assert!(later.iter().all(|id| !ids[0].contains(id)), "an eventID came back in a later batch");
    }
    assert!(values(texts[1], "SequenceNumber").iter().all(|n| !values(texts[0], "SequenceNumber").contains(n)));
    // Everything else, the images above all, is the same: every invocation does the same work.
    assert_eq!(values(texts[0], "playerId"), values(texts[2], "playerId"));
    assert_eq!(texts[0].len(), texts[2].len());
}
