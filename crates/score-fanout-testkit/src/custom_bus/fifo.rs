//! FIFO subscribers: one lane (a task) per subscriber takes the bus's events in ingestion order and sends each to
//! the subscriber's SQS FIFO queue before the next, so each event group reaches the queue in publish order. One
//! message per event: `SendMessage` with the `RAW` envelope as body, `MessageGroupId` the event's EventGroupId and
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
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

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
        while let Some(event) = events.recv().await {
            let delivered = match &event.event_group_id {
                Some(group) => send(&subscriber, &event, group).await,
                None => false,
            };
            let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            if delivered {
                ledger.stats.delivered += 1;
                deliveries.lock().unwrap_or_else(PoisonError::into_inner).push(Delivery {
                    queue_url: subscriber.queue_url.clone(),
                    event_id: event.event_id.clone(),
                    message_group_id: event.event_group_id.clone().unwrap_or_default(),
                    sequence_number: event.sequence_number,
                });
            } else {
                ledger.stats.undeliverable += 1;
            }
        }
    });
    sender
}

/// Sends `event` to the subscriber's queue; false once the retries are spent.
async fn send(subscriber: &FifoSubscriber, event: &AcceptedEvent, group: &str) -> bool {
    let mut pause = FIRST_BACKOFF;
    for attempt in 0..=RETRIES {
        let sent = subscriber
            .sqs
            .send_message()
            .queue_url(&subscriber.queue_url)
            .message_body(event.envelope())
            .message_group_id(group)
            .message_deduplication_id(&event.event_id)
            .send()
            .await;
        match sent {
            Ok(_) => return true,
            Err(error) if attempt == RETRIES => {
                eprintln!(
                    "custom bus stand-in: giving up on {} for {}: {error:?}",
                    event.event_id, subscriber.queue_url
                );
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
    false
}
