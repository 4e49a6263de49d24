//! The destinations, checked at init before any record is taken. A bus, topic or queue that does not exist, or that
//! is named in another region than the function's, fails init naming the variable, its value and the fix: real
//! EventBridge answers `PutEvents` for a bus that does not exist with success and delivers nothing, and SNS answers
//! a topic of another region with a 400 that would otherwise make every event look like poison. Only an answer that
//! says the destination is wrong fails init; a check that is refused (a destination in another account may not
//! allow describing it), throttled, or unanswered warns and counts, and the function goes on: a cold start must not
//! depend on a control-plane quota or an endpoint being up at that moment.

mod region;

use crate::dead_letter::SqsDeadLetter;
use crate::errors::with_causes;
use crate::publish::{CustomBusSink, EventBridgeSink, SnsSink, WireError};
use std::future::Future;
use std::time::Duration;
use tracing::warn;

/// How long each check may take; they run at once, so init waits at most this long for all of them.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A destination that does not exist, or is named in another region: init fails with it.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={value:?}: {reason}; set {variable} to {fix}")]
pub struct DestinationError {
    variable: &'static str,
    value: String,
    reason: String,
    fix: String,
}

/// The destinations to check, as the wiring built them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Destinations<'a> {
    pub(crate) bus: Option<&'a EventBridgeSink>,
    pub(crate) custom_bus: Option<&'a CustomBusSink>,
    pub(crate) topic: Option<&'a SnsSink>,
    pub(crate) queue: Option<&'a SqsDeadLetter>,
}

/// What one check found.
enum Verdict {
    Exists,
    Missing(String),
    Unverified(String),
}

/// One destination: its variable, its value, the region its name gives, and how to ask about it.
struct Destination<F> {
    variable: &'static str,
    value: String,
    named_region: Option<String>,
    what: &'static str,
    check: F,
}

/// Checks every destination at once against `region` (`AWS_REGION`, when known); the number that could not be
/// verified (each logged as a warning), or the first that is wrong.
pub(crate) async fn check(destinations: Destinations<'_>, region: Option<&str>) -> Result<u64, DestinationError> {
    let Destinations { bus, custom_bus, topic, queue } = destinations;
    let bus = bus.map(|sink| Destination {
        variable: "EVENT_BUS_NAME",
        value: sink.bus().to_owned(),
        named_region: region::of_arn(sink.bus()).map(str::to_owned),
        what: "the name or ARN of an event bus",
        check: async move { bus_verdict(sink.describe_bus(CHECK_TIMEOUT).await) },
    });
    let topic = topic.map(|sink| Destination {
        variable: "TOPIC_ARN",
        value: sink.topic_arn().to_owned(),
        named_region: region::of_arn(sink.topic_arn()).map(str::to_owned),
        what: "the ARN of an SNS topic",
        check: async move { topic_verdict(sink.describe_topic(CHECK_TIMEOUT).await) },
    });
    let queue = queue.map(|dead_letter| Destination {
        variable: "DEAD_LETTER_QUEUE_URL",
        value: dead_letter.queue_url().to_owned(),
        named_region: region::of_queue_url(dead_letter.queue_url()),
        what: "the URL of an SQS queue",
        check: async move { queue_verdict(dead_letter.describe_queue().await) },
    });
    let custom_bus = custom_bus.map(|sink| Destination {
        variable: "EVENT_BUS_NAME",
        value: sink.bus().to_owned(),
        named_region: region::of_arn(sink.bus()).map(str::to_owned),
        what: "the ARN of a Custom Event Bus",
        check: async move { bus_verdict(sink.describe_bus(CHECK_TIMEOUT).await) },
    });
    let (bus, custom_bus, topic, queue) =
        tokio::join!(verify(bus, region), verify(custom_bus, region), verify(topic, region), verify(queue, region));
    let mut unverified = 0;
    for verified in [bus, custom_bus, topic, queue] {
        unverified += u64::from(!verified?);
    }
    Ok(unverified)
}

/// Whether the destination was verified (true), could not be (false, warned), or is wrong (the error). A name of
/// another region fails before any call.
async fn verify<F: Future<Output = Verdict>>(
    destination: Option<Destination<F>>,
    region: Option<&str>,
) -> Result<bool, DestinationError> {
    let Some(Destination { variable, value, named_region, what, check }) = destination else { return Ok(true) };
    let fix = format!("{what} in {} (AWS_REGION)", region.unwrap_or("the function's region"));
    if let Some((named, region)) = named_region.zip(region).filter(|(named, region)| named != region) {
        let reason = format!("it is in {named}, and the function runs in {region}: a service serves its own region");
        return Err(DestinationError { variable, value, reason, fix });
    }
    let verdict = tokio::time::timeout(CHECK_TIMEOUT, check).await;
    match verdict.unwrap_or_else(|_| Verdict::Unverified(format!("no answer within {CHECK_TIMEOUT:?}"))) {
        Verdict::Exists => Ok(true),
        Verdict::Missing(reason) => Err(DestinationError { variable, value, reason, fix }),
        Verdict::Unverified(reason) => {
            warn!(variable, value, reason, "destination not verified at init: the function goes on");
            Ok(false)
        }
    }
}

fn bus_verdict(answer: Result<(), WireError>) -> Verdict {
    match answer {
        Ok(()) => Verdict::Exists,
        Err(WireError::Service { code, message, .. }) if code == "ResourceNotFoundException" => {
            Verdict::Missing(format!("EventBridge has no such bus ({code}: {message})"))
        }
        Err(error) => Verdict::Unverified(with_causes(&error)),
    }
}

fn topic_verdict(answer: Result<(), WireError>) -> Verdict {
    match answer {
        Ok(()) => Verdict::Exists,
        Err(WireError::Service { code, message, .. }) if code == "NotFound" => {
            Verdict::Missing(format!("SNS has no such topic ({code}: {message})"))
        }
        // SNS names the ARN it refuses: a topic of another region, or no topic ARN at all.
        Err(WireError::Service { code, message, .. }) if code == "InvalidParameter" && message.contains("TopicArn") => {
            Verdict::Missing(format!("SNS refuses the topic's ARN ({code}: {message})"))
        }
        Err(error) => Verdict::Unverified(with_causes(&error)),
    }
}

fn queue_verdict(answer: Result<(), (Option<String>, String)>) -> Verdict {
    const MISSING: [&str; 2] = ["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"];
    match answer {
        Ok(()) => Verdict::Exists,
        Err((Some(code), detail)) if MISSING.contains(&code.as_str()) => {
            Verdict::Missing(format!("SQS has no such queue, or none this role may read ({detail})"))
        }
        Err((_, detail)) => Verdict::Unverified(detail),
    }
}

#[cfg(test)]
mod tests;
