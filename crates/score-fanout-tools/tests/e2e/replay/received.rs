//! What the replay's subscribers received, checked against the stream and against the fault proxy's ledger.

use score_fanout_testkit::fault_proxy::{accepted_copies, duplicate_causes, DuplicateCauses, FaultProxy, Service};
use score_fanout_testkit::records::Expected;
use score_fanout_tools::inbox::Received;
use std::collections::{HashMap, HashSet};

/// Every expected event arrived at least once, every copy is identical to the first; returns the duplicates.
pub(super) fn assert_every_event_arrived(sink: &str, expected: &[Expected], received: &[Received]) -> usize {
    let mut copies: HashMap<&str, Vec<&serde_json::Value>> = HashMap::new();
    for message in received {
        copies.entry(message.event["eventId"].as_str().unwrap_or("?")).or_default().push(&message.event);
    }
    let lost: Vec<&str> = expected.iter().map(|e| e.event_id.as_str()).filter(|id| !copies.contains_key(id)).collect();
    assert!(lost.is_empty(), "{sink}: {} events lost, first {:?}", lost.len(), lost.first());
    for (event_id, versions) in &copies {
        assert!(versions.iter().all(|v| *v == versions[0]), "{sink}: duplicates of {event_id} differ");
    }
    assert_eq!(copies.len(), expected.len(), "{sink}: events nobody expected");
    received.len() - copies.len()
}

/// The copies `service` accepted beyond each event's first, by cause, from the proxy's ledger, checked against
/// what its subscriber received: every event as many times as the sink accepted it; behind a FIFO topic
/// (`deduplicated`) no more than that, since the subscriber's FIFO queue drops a copy while an earlier one is in it.
pub(super) fn duplicates_by_cause(
    proxy: &FaultProxy,
    service: Service,
    received: &[Received],
    deduplicated: bool,
) -> DuplicateCauses {
    let ledger = proxy.ledger();
    let accepted = accepted_copies(&ledger, service);
    let mut arrived: HashMap<&str, usize> = HashMap::new();
    for message in received {
        *arrived.entry(message.event["eventId"].as_str().unwrap_or("?")).or_default() += 1;
    }
    for (event_id, copies) in &arrived {
        let sent = accepted.get(*event_id).copied().unwrap_or_default();
        let agrees = if deduplicated { *copies <= sent } else { *copies == sent };
        assert!(agrees, "{service:?}: {event_id} arrived {copies} times, the sink accepted it {sent} times");
    }
    let causes = duplicate_causes(&ledger, service);
    let duplicates = received.len() - arrived.len();
    if !deduplicated {
        assert_eq!(accepted.len(), arrived.len(), "{service:?}: events accepted that never arrived");
        assert_eq!(causes.total(), duplicates, "{service:?}: the ledger's copies ({causes}) against the received");
    }
    causes
}

/// On the FIFO topic one player's events arrive in stream order, duplicates aside: a call given up on may reach the
/// topic after the copy sent again and the player's next event, and SNS drops it (within its 5-minute window), while
/// moto's FIFO queue drops it only if the first copy is still in the queue.
pub(super) fn assert_player_order(expected: &[Expected], received: &[Received]) {
    let position: HashMap<&str, usize> = expected.iter().enumerate().map(|(i, e)| (e.event_id.as_str(), i)).collect();
    let mut last_seen: HashMap<&str, usize> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for message in received {
        let (Some(id), Some(player)) = (message.event["eventId"].as_str(), message.event["playerId"].as_str()) else {
            panic!("a FIFO message without eventId or playerId: {}", message.body)
        };
        if !seen.insert(id) {
            continue;
        }
        let at = position[id];
        if let Some(&previous) = last_seen.get(player) {
            assert!(at >= previous, "player {player}: event {id} arrived after a later one");
        }
        last_seen.insert(player, at);
    }
}

/// Every poison record sits in the dead-letter queue as the contract's message.
pub(super) fn assert_poison_parked(poison: &[String], parked: &[Received]) {
    for sequence_number in poison {
        let message = parked
            .iter()
            .find(|m| m.event["record"]["dynamodb"]["SequenceNumber"].as_str() == Some(sequence_number))
            .unwrap_or_else(|| panic!("poison record {sequence_number} is not in the dead-letter queue"));
        let error = message.event["error"].as_str().unwrap_or_default();
        assert!(error.contains(sequence_number) && error.contains("field dynamodb.NewImage.score"), "{error}");
        assert_eq!(message.event["record"]["dynamodb"]["NewImage"]["score"]["S"], "forty-four");
    }
}

/// Every event the sinks refused as invalid or too large sits in the dead-letter queue with the sink's reason.
pub(super) fn assert_refused_parked(refused: &[Expected], parked: &[Received]) {
    for event in refused {
        let message = parked
            .iter()
            .find(|m| m.event["event"]["eventId"].as_str() == Some(event.event_id.as_str()))
            .unwrap_or_else(|| panic!("refused event {} is not in the dead-letter queue", event.event_id));
        let error = message.event["error"].as_str().unwrap_or_default();
        assert!(error.contains("rejected the entry for good"), "{error}");
        assert_eq!(message.event["record"]["dynamodb"]["SequenceNumber"], event.sequence_number.as_str());
    }
}
