//! FIFO subscribers: one lane (a task) per subscriber takes the bus's events in ingestion order and sends them to
//! the subscriber's SQS FIFO queue, up to 10 in one `SendMessageBatch` as the real subscriber does ("one target call
//! carries up to 10 events"), each batch answered before the next, so each event group reaches the queue in publish
//! order. One message per event: the `RAW` envelope as body, `MessageGroupId` the event's EventGroupId and
//! `MessageDeduplicationId` its EventId, as the template's subscriber maps them
//! (`{% $events.SystemMetadata.EventGroupId %}`, the bus's event id).
//!
//! A send that keeps failing is retried as the subscriber's `RetryPolicy` default allows (5 retries), then given
//! up (counted undeliverable; the real bus would move it to the dead-letter queue) and the lane goes on: later
//! events of the group then follow without it, as they do on the real bus once an event is dead-lettered. An
//! event without an EventGroupId has no message group to give the queue, so it is undeliverable at once.

use super::config::FifoSubscriber;
use super::event::AcceptedEvent;
use super::ledger::Ledger;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// Events per `SendMessageBatch`: SQS's limit, and the real subscriber's per target call.
const BATCH: usize = 10;
/// Retries of one send after its first attempt (`RetryPolicy.MaxRetryAttempts` defaults to 5).
const RETRIES: u32 = 5;
/// The first pause between attempts, doubled each time: short, since the queue is on this machine.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// One delivered message, for tests that want the stand-in's own view besides the queue's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub queue_url: String,
    pub event_id: String,
    pub message_group_id: String,
    pub sequence_number: u64,
}

/// Starts `subscriber`'s lane; the bus hands it each accepted event through the returned sender.
pub(super) fn start(
    subscriber: FifoSubscriber,
    ledger: Arc<Mutex<Ledger>>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
) -> mpsc::UnboundedSender<AcceptedEvent> {
    let (sender, mut events) = mpsc::unbounded_channel::<AcceptedEvent>();
    tokio::spawn(async move {
        while let Some(first) = events.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                let Ok(next) = events.try_recv() else { break };
                batch.push(next);
            }
            let grouped: Vec<&AcceptedEvent> = batch.iter().filter(|event| event.event_group_id.is_some()).collect();
            let sent = send(&subscriber, &grouped).await;
            for event in &batch {
                let delivered = sent.contains(&event.event_id);
                settle(&ledger, &deliveries, &subscriber, event, delivered);
            }
        }
    });
    sender
}

/// Counts one event delivered or given up on.
fn settle(
    ledger: &Mutex<Ledger>,
    deliveries: &Mutex<Vec<Delivery>>,
    subscriber: &FifoSubscriber,
    event: &AcceptedEvent,
    delivered: bool,
) {
    let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
    if !delivered {
        ledger.stats.undeliverable += 1;
        return;
    }
    ledger.stats.delivered += 1;
    deliveries.lock().unwrap_or_else(PoisonError::into_inner).push(Delivery {
        queue_url: subscriber.queue_url.clone(),
        event_id: event.event_id.clone(),
        message_group_id: event.event_group_id.clone().unwrap_or_default(),
        sequence_number: event.sequence_number,
    });
}

/// Sends `events` (each with a group) to the subscriber's queue in one batch, the failed ones again until the
/// retries are spent; the EventIds delivered.
async fn send(subscriber: &FifoSubscriber, events: &[&AcceptedEvent]) -> Vec<String> {
    let (mut pending, mut delivered) = (events.to_vec(), Vec::new());
    let mut pause = FIRST_BACKOFF;
    for attempt in 0..=RETRIES {
        if pending.is_empty() {
            break;
        }
        let entries = pending.iter().enumerate().filter_map(|(i, event)| {
            SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(event.envelope())
                .set_message_group_id(event.event_group_id.clone())
                .message_deduplication_id(&event.event_id)
                .build()
                .ok()
        });
        let request = subscriber.sqs.send_message_batch().queue_url(&subscriber.queue_url);
        let answer = request.set_entries(Some(entries.collect())).send().await;
        let taken: Vec<usize> = match &answer {
            Ok(output) => output.successful.iter().filter_map(|ok| ok.id.parse().ok()).collect(),
            Err(_) => Vec::new(),
        };
        delivered.extend(taken.iter().map(|&i| pending[i].event_id.clone()));
        pending = pending.iter().enumerate().filter(|(i, _)| !taken.contains(i)).map(|(_, e)| *e).collect();
        if !pending.is_empty() && attempt == RETRIES {
            eprintln!(
                "custom bus stand-in: giving up on {} event(s) for {}: {answer:?}",
                pending.len(),
                subscriber.queue_url
            );
        } else if !pending.is_empty() {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    delivered
}
