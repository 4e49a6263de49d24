//! A FIFO subscriber on moto: each event once, each event group in publish order, in the envelope a `RAW`
//! subscriber receives, with MessageGroupId the EventGroupId and MessageDeduplicationId the EventId.

use super::*;
use crate::moto;
use aws_sdk_sqs::types::{MessageSystemAttributeName as Attribute, QueueAttributeName};
use std::collections::BTreeMap;
use std::time::Duration;

const GROUPS: [&str; 3] = ["player-1", "player-2", "player-3"];
const PER_GROUP: u32 = 10;

async fn fifo_queue(sqs: &aws_sdk_sqs::Client) -> String {
    let name = format!("{}ordered.fifo", moto::unique_prefix("custom bus fifo"));
    let created = sqs.create_queue().queue_name(name).attributes(QueueAttributeName::FifoQueue, "true").send().await;
    created.expect("a FIFO queue on moto").queue_url().expect("its URL").to_owned()
}

/// Every message of the queue, in the order received (each deleted once read, so its group's next comes).
async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let mut messages = Vec::new();
    let mut empty = 0;
    while empty < 3 {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_system_attribute_names(Attribute::MessageGroupId)
            .message_system_attribute_names(Attribute::MessageDeduplicationId)
            .send()
            .await
            .expect("ReceiveMessage");
        let batch = received.messages.unwrap_or_default();
        empty = if batch.is_empty() { empty + 1 } else { 0 };
        for message in batch {
            let handle = message.receipt_handle().expect("a receipt handle");
            sqs.delete_message().queue_url(queue_url).receipt_handle(handle).send().await.expect("DeleteMessage");
            messages.push(message);
        }
    }
    messages
}

/// Entry `n` of every group, interleaved, six to a request.
fn requests(arn: &str) -> Vec<Vec<u8>> {
    let all: Vec<Value> = (0..PER_GROUP)
        .flat_map(|n| GROUPS.map(|group| (group, n)))
        .map(|(group, n)| {
            let mut value = entry(group, &format!("{group}-evt-{n}"), n);
            let Value::Map(members) = &mut value else { unreachable!() };
            let detail = members.iter_mut().find(|(k, _)| k.as_text() == Some("Detail")).expect("Detail");
            detail.1 = text(&format!(r#"{{"playerId":"{group}","n":{n}}}"#));
            value
        })
        .collect();
    all.chunks(6).map(|chunk| definite(&put_request(arn, chunk.to_vec()))).collect()
}

#[tokio::test]
async fn a_fifo_subscriber_delivers_each_event_once_and_each_group_in_publish_order() {
    let sdk = moto::sdk_at(aws_config::defaults(aws_config::BehaviorVersion::latest()), moto::endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url = fifo_queue(&sqs).await;
    let bus = CustomBusConfig::new().bus("scores").fifo_subscriber("scores", &queue_url, sqs.clone()).start().await;
    let bus = bus.expect("stand-in");
    let arn = bus.arn("scores").expect("bus");
    let requests = requests(&arn);
    for body in &requests {
        assert_eq!(call(&bus.endpoint, "PutEvents", body).await.status, 200);
    }
    // A rewind: the publisher sends its last two requests again; the bus suppresses them, the queue never sees them.
    for body in &requests[requests.len() - 2..] {
        let answer = call(&bus.endpoint, "PutEvents", body).await;
        assert!(answer.codes().iter().all(|code| code == "DEDUPLICATED"), "{:?}", answer.codes());
    }
    assert!(bus.deliveries_done(Duration::from_secs(60)).await, "deliveries: {:?}", bus.stats());
    let messages = drain(&sqs, &queue_url).await;
    assert_eq!(messages.len(), GROUPS.len() * PER_GROUP as usize, "each event once");

    let mut order: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for message in &messages {
        let body = message.body().expect("a body");
        assert!(body.starts_with(r#"{"version":"0","id":""#), "the envelope's own key order: {body}");
        let envelope: serde_json::Value = serde_json::from_str(body).expect("JSON");
        let attributes = message.attributes().expect("system attributes");
        let group = envelope["detail"]["playerId"].as_str().expect("our detail, as an object").to_owned();
        assert_eq!(attributes.get(&Attribute::MessageGroupId), Some(&group), "MessageGroupId = EventGroupId");
        assert_eq!(attributes.get(&Attribute::MessageDeduplicationId).map(String::as_str), envelope["id"].as_str());
        assert_eq!(
            (envelope["source"].as_str(), envelope["detail-type"].as_str()),
            (Some("score-fanout"), Some("ScoreChanged"))
        );
        assert_eq!(
            (envelope["account"].as_str(), envelope["region"].as_str()),
            (Some("123456789012"), Some("us-east-1"))
        );
        assert_eq!(envelope["resources"], serde_json::json!([]));
        assert!(envelope["time"].as_str().is_some_and(|t| t.len() == 20 && t.ends_with('Z')), "{body}");
        order.entry(group).or_default().push(envelope["detail"]["n"].as_u64().expect("n"));
    }
    let expected: Vec<u64> = (0..u64::from(PER_GROUP)).collect();
    for group in GROUPS {
        assert_eq!(order.get(group), Some(&expected), "{group} in publish order");
    }
    let sequences: Vec<u64> = bus.deliveries().iter().map(|delivery| delivery.sequence_number).collect();
    assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]), "the lane sends in ingestion order");

    // An event with no group has no MessageGroupId to give a FIFO queue: undeliverable, not invented.
    let ungrouped = map(&[("Source", text("score-fanout")), ("DetailType", text("ScoreChanged"))]);
    assert_eq!(put(&bus, &arn, vec![ungrouped]).await.codes(), ["PUBLISHED"]);
    assert!(bus.deliveries_done(Duration::from_secs(10)).await);
    assert_eq!((bus.stats().delivered, bus.stats().undeliverable), (30, 1));
}
