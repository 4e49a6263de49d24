//! The function put together from its configuration: its sinks over one signed transport and its dead-letter
//! queue; or, in DRY_RUN, the stand-ins that send nothing ([`crate::dry_run`]). The handler never knows which.

use crate::config::{is_custom_event_bus, Config, Topic};
use crate::dead_letter::{DeadLetter, DeadLetterError, Parked, Poison, SqsDeadLetter};
use crate::destinations::{self, DestinationError, Destinations};
use crate::dry_run::{LogEachEvent, LogEachPoison};
use crate::handler::Handler;
use crate::publish::{BatchOutcome, CustomBusSink, EventBridgeSink, FanOut, Invocation, Publish, SnsSink, Transport};
use crate::sdk::{custom_bus_endpoint, eventbridge_service, sns_service, EndpointError};
use aws_config::SdkConfig;
use score_fanout_events::DomainEvent;
use serde_json::value::RawValue;
use std::sync::Arc;

/// The handler as the function runs it.
pub type LiveHandler = Handler<Publisher, Parking>;

/// Where the function's events go: the configured sinks, or in DRY_RUN the log.
#[expect(clippy::large_enum_variant, reason = "one per process, built once at init")]
pub enum Publisher {
    /// Every configured sink ([`FanOut`]).
    Sinks(FanOut),
    /// DRY_RUN: each event logged, nothing sent.
    DryRun(LogEachEvent),
}

/// Where the function's poison goes: the dead-letter queue, or in DRY_RUN the log.
pub enum Parking {
    /// `DEAD_LETTER_QUEUE_URL`.
    Queue(SqsDeadLetter),
    /// DRY_RUN: each poison record logged and skipped.
    DryRun(LogEachPoison),
}

impl Publish for Publisher {
    async fn publish(&self, events: &[DomainEvent], invocation: &Invocation) -> BatchOutcome {
        match self {
            Self::Sinks(fan_out) => fan_out.publish(events, invocation).await,
            Self::DryRun(log) => log.publish(events, invocation).await,
        }
    }
}

impl DeadLetter for Parking {
    async fn park(&self, poison: &Poison, record: &RawValue) -> Result<Parked, DeadLetterError> {
        match self {
            Self::Queue(queue) => queue.park(poison, record).await,
            Self::DryRun(log) => log.park(poison, record).await,
        }
    }
}

impl LiveHandler {
    /// Checks at init that every destination exists in `region` (`AWS_REGION`), before any record is taken; a
    /// destination that could not be verified is logged and counted in the first invocation's metrics. DRY_RUN's
    /// stand-ins send nothing and are not checked.
    pub async fn check_destinations(&self, region: Option<&str>) -> Result<(), DestinationError> {
        let (publisher, parking, metrics) = self.parts();
        let sinks = match publisher {
            Publisher::Sinks(fan_out) => Some(fan_out),
            Publisher::DryRun(_) => None,
        };
        let destinations = Destinations {
            bus: sinks.and_then(FanOut::eventbridge),
            custom_bus: sinks.and_then(FanOut::custom_bus),
            topic: sinks.and_then(FanOut::sns),
            queue: match parking {
                Some(Parking::Queue(queue)) => Some(queue),
                _ => None,
            },
        };
        let unverified = destinations::check(destinations, region).await?;
        if let Some(metrics) = metrics {
            metrics.note_unverified_destinations(unverified);
        }
        Ok(())
    }
}

/// The handler for `config`: its sinks ([`fan_out`]) and the dead-letter queue if set; in DRY_RUN the stand-ins.
pub fn live_handler(config: &Config, sdk: &SdkConfig) -> Result<LiveHandler, EndpointError> {
    if config.dry_run {
        return Ok(Handler::new(Publisher::DryRun(LogEachEvent), Some(Parking::DryRun(LogEachPoison))));
    }
    let transport = transport(sdk);
    let (bus, topic) = (config.event_bus.as_deref(), config.topic.as_ref());
    let fan_out = fan_out_over(&transport, sdk, bus, &config.event_source, topic, config.max_in_flight)?;
    let dead_letter = config
        .dead_letter_queue_url
        .as_ref()
        .map(|url| Parking::Queue(SqsDeadLetter::new(sqs_client(sdk, &transport), url)));
    Ok(Handler::new(Publisher::Sinks(fan_out), dead_letter))
}

/// The sinks' transport: the SDK configuration's region and credentials.
fn transport(sdk: &SdkConfig) -> Arc<Transport> {
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    Arc::new(Transport::new(region, sdk.credentials_provider()))
}

/// The dead-letter queue's client over the sinks' connector ([`Transport::http_client`]): one TLS setup at init
/// instead of three. An SDK configuration with an HTTP client of its own (a test's, a tool's) keeps it.
fn sqs_client(sdk: &SdkConfig, transport: &Transport) -> aws_sdk_sqs::Client {
    if sdk.http_client().is_some() {
        return aws_sdk_sqs::Client::new(sdk);
    }
    aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(sdk).http_client(transport.http_client()).build())
}

/// A sink per configured target (`bus` with events' `source`, `topic`) over one shared transport, each with up to
/// `max_in_flight` requests at once; a Custom Event Bus's ARN as `bus` selects that API. Their endpoints are resolved
/// here, once, by each service's own endpoint rules.
pub fn fan_out(
    sdk: &SdkConfig,
    bus: Option<&str>,
    source: &str,
    topic: Option<&Topic>,
    max_in_flight: usize,
) -> Result<FanOut, EndpointError> {
    fan_out_over(&transport(sdk), sdk, bus, source, topic, max_in_flight)
}

/// [`fan_out`] over a transport the caller shares.
fn fan_out_over(
    transport: &Arc<Transport>,
    sdk: &SdkConfig,
    bus: Option<&str>,
    source: &str,
    topic: Option<&Topic>,
    max_in_flight: usize,
) -> Result<FanOut, EndpointError> {
    let sns = match topic {
        Some(topic) => Some(SnsSink::new(transport.clone(), sns_service(sdk)?, &topic.arn, topic.fifo)),
        None => None,
    };
    match bus {
        Some(arn) if is_custom_event_bus(arn) => {
            let custom_bus = CustomBusSink::new(transport.clone(), custom_bus_endpoint(sdk)?, arn, source);
            Ok(FanOut::with_custom_bus(custom_bus, sns, max_in_flight))
        }
        Some(bus) => {
            let eventbridge = EventBridgeSink::new(transport.clone(), eventbridge_service(sdk)?, bus, source);
            Ok(FanOut::new(Some(eventbridge), sns, max_in_flight))
        }
        None => Ok(FanOut::new(None, sns, max_in_flight)),
    }
}
