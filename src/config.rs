//! The function's configuration, read once from the environment at cold start: the only place that reads it.

use tracing::level_filters::LevelFilter;

/// EventBridge `Source` when `EVENT_SOURCE` is not set.
pub const DEFAULT_EVENT_SOURCE: &str = "game.scores";
/// `MAX_REQUESTS_IN_FLIGHT` when not set: enough to hide tens of milliseconds of latency for a 1,000-record batch,
/// and at 8 per shard a thousand shards stay inside EventBridge's and SNS's default per-account quotas
/// (docs/performance.md, capacity plan).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
/// The most `MAX_REQUESTS_IN_FLIGHT` may be: beyond it one shard alone could press a Region's quotas.
const MAX_IN_FLIGHT_LIMIT: usize = 64;

/// A configuration mistake; init fails with it, naming the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Neither `EVENT_BUS_NAME` nor `TOPIC_ARN`, and no `DRY_RUN`.
    #[error("no sink configured: set EVENT_BUS_NAME and/or TOPIC_ARN, or DRY_RUN=true to publish nothing")]
    NoSink,
    /// A variable whose value cannot be used.
    #[error("{variable}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The SNS topic to publish to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    /// `TOPIC_ARN`.
    pub arn: String,
    /// A FIFO topic (name ending in `.fifo`) orders each message group and deduplicates.
    pub fifo: bool,
}

/// Where and how the function publishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The EventBridge bus, name or ARN, as `PutEvents` takes it; a Custom Event Bus's ARN selects that API
    /// ([`is_custom_event_bus`]).
    pub event_bus: Option<String>,
    /// `TOPIC_ARN`, when set.
    pub topic: Option<Topic>,
    /// `EVENT_SOURCE`: the EventBridge `Source` of every entry.
    pub event_source: String,
    /// `DEAD_LETTER_QUEUE_URL`, when set.
    pub dead_letter_queue_url: Option<String>,
    /// `DRY_RUN`: nothing is sent anywhere; each event is logged instead.
    pub dry_run: bool,
    /// `AWS_LAMBDA_LOG_LEVEL`, when set.
    pub log_level: Option<LogLevel>,
    /// `AWS_LAMBDA_LOG_FORMAT=JSON`.
    pub json_logs: bool,
    /// `AWS_LAMBDA_FUNCTION_NAME`, which Lambda sets: the dimension of the function's metrics.
    pub function_name: Option<String>,
    /// `MAX_REQUESTS_IN_FLIGHT`: the most requests each sink has in flight at once (its window adapts below it).
    pub max_in_flight: usize,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, which returns a variable's value when set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // An empty variable counts as unset: templates often render absent values as "".
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let dry_run = match get("DRY_RUN") {
            None => false,
            Some(value) => parse_bool("DRY_RUN", &value)?,
        };
        let event_bus = get("EVENT_BUS_NAME").map(|value| validate_bus(&value).map(|()| value)).transpose()?;
        let topic = get("TOPIC_ARN").map(|value| parse_topic(&value)).transpose()?;
        if event_bus.is_none() && topic.is_none() && !dry_run {
            return Err(ConfigError::NoSink);
        }
        let dead_letter_queue_url =
            get("DEAD_LETTER_QUEUE_URL").map(|value| validate_queue_url(&value).map(|()| value)).transpose()?;
        let event_source = match get("EVENT_SOURCE") {
            Some(value) => validate_source(&value).map(|()| value)?,
            None => DEFAULT_EVENT_SOURCE.to_owned(),
        };
        let log_level = get("AWS_LAMBDA_LOG_LEVEL").map(|value| parse_log_level(&value)).transpose()?;
        let json_logs = get("AWS_LAMBDA_LOG_FORMAT").is_some_and(|value| is_json(&value));
        let function_name = get("AWS_LAMBDA_FUNCTION_NAME");
        let max_in_flight = match get("MAX_REQUESTS_IN_FLIGHT") {
            Some(value) => parse_max_in_flight(&value)?,
            None => DEFAULT_MAX_IN_FLIGHT,
        };
        Ok(Self {
            event_bus,
            topic,
            event_source,
            dead_letter_queue_url,
            dry_run,
            log_level,
            json_logs,
            function_name,
            max_in_flight,
        })
    }
}

/// Whether `AWS_LAMBDA_LOG_FORMAT` asks for JSON, read on its own: an init failure is logged in the log's format
/// even when the rest of the configuration could not be read.
pub fn json_logs_requested() -> bool {
    std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|value| is_json(&value))
}

fn is_json(format: &str) -> bool {
    format.trim().eq_ignore_ascii_case("json")
}

fn invalid(variable: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { variable, value: value.to_owned(), reason: reason.into() }
}

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(variable, value, "expected true or false")),
    }
}

/// The parts of `arn:partition:service:region:account:resource`.
struct Arn<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn parse_arn<'a>(variable: &'static str, value: &'a str) -> Result<Arn<'a>, ConfigError> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, service, region, account, resource]
            if !partition.is_empty() && !service.is_empty() && !resource.is_empty() =>
        {
            Ok(Arn { service, region, account, resource })
        }
        _ => Err(invalid(variable, value, "not an ARN (arn:partition:service:region:account:resource)")),
    }
}

/// Whether `EVENT_BUS_NAME` names a Custom Event Bus (EventBridge's ordered bus, API `eventbridgev2`): its ARN's
/// resource is `event-busv2/<name>/<id>`.
pub fn is_custom_event_bus(value: &str) -> bool {
    value.starts_with("arn:")
        && value.splitn(6, ':').nth(5).is_some_and(|resource| resource.starts_with("event-busv2/"))
}

fn validate_bus(value: &str) -> Result<(), ConfigError> {
    const VARIABLE: &str = "EVENT_BUS_NAME";
    let name = if value.starts_with("arn:") {
        let arn = parse_arn(VARIABLE, value)?;
        if arn.service != "events" {
            return Err(invalid(
                VARIABLE,
                value,
                format!("an ARN of service {:?}, not an EventBridge bus", arn.service),
            ));
        }
        if let Some(custom) = arn.resource.strip_prefix("event-busv2/") {
            return validate_custom_bus(value, &arn, custom);
        }
        arn.resource.strip_prefix("event-bus/").ok_or_else(|| {
            invalid(VARIABLE, value, "an EventBridge ARN that is neither an event-bus/ nor an event-busv2/ ARN")
        })?
    } else {
        value
    };
    // EventBridge bus names: 1-256 characters of [/\.\-_A-Za-z0-9].
    let valid = !name.is_empty()
        && name.len() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
    if valid {
        Ok(())
    } else {
        Err(invalid(VARIABLE, value, "a bus name is 1-256 characters of letters, digits and . - _ /"))
    }
}

/// A Custom Event Bus ARN, `arn:<partition>:events:<region>:<12-digit account>:event-busv2/<name>/<id>`: the name
/// 1-256 characters of letters, digits and `.-_` (a letter or digit first), the id 25 lowercase letters and digits,
/// which EventBridge generates (the ARN cannot be built from the name).
fn validate_custom_bus(value: &str, arn: &Arn<'_>, name_and_id: &str) -> Result<(), ConfigError> {
    let (name, id) = name_and_id.split_once('/').unwrap_or((name_and_id, ""));
    let name_ok = name.len() <= 256
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let id_ok = id.len() == 25 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let account_ok = arn.account.len() == 12 && arn.account.bytes().all(|b| b.is_ascii_digit());
    if name_ok && id_ok && account_ok && !arn.region.is_empty() {
        Ok(())
    } else {
        Err(invalid(
            "EVENT_BUS_NAME",
            value,
            "a Custom Event Bus ARN is arn:partition:events:region:account:event-busv2/<name>/<25-character id>",
        ))
    }
}

/// EventBridge's rules for `Source`: 1 to 256 characters, and `aws.` is reserved for AWS services. Checked at init,
/// so that a typo fails the deploy instead of every entry of every invocation.
fn validate_source(value: &str) -> Result<(), ConfigError> {
    if value.chars().count() > 256 {
        return Err(invalid("EVENT_SOURCE", value, "at most 256 characters"));
    }
    if value.starts_with("aws.") {
        return Err(invalid("EVENT_SOURCE", value, "sources starting with \"aws.\" are reserved for AWS services"));
    }
    Ok(())
}

fn parse_max_in_flight(value: &str) -> Result<usize, ConfigError> {
    match value.trim().parse::<usize>() {
        Ok(max) if (1..=MAX_IN_FLIGHT_LIMIT).contains(&max) => Ok(max),
        _ => Err(invalid(
            "MAX_REQUESTS_IN_FLIGHT",
            value,
            format!("expected a whole number from 1 to {MAX_IN_FLIGHT_LIMIT}"),
        )),
    }
}

fn parse_topic(value: &str) -> Result<Topic, ConfigError> {
    const VARIABLE: &str = "TOPIC_ARN";
    let arn = parse_arn(VARIABLE, value)?;
    if arn.service != "sns" {
        return Err(invalid(VARIABLE, value, format!("an ARN of service {:?}, not an SNS topic", arn.service)));
    }
    let name_is_valid = arn.resource.len() <= 256
        && arn.resource.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if arn.region.is_empty() || arn.account.is_empty() || !name_is_valid {
        return Err(invalid(VARIABLE, value, "an SNS topic ARN is arn:partition:sns:region:account:topic-name"));
    }
    Ok(Topic { arn: value.to_owned(), fifo: arn.resource.ends_with(".fifo") })
}

fn validate_queue_url(value: &str) -> Result<(), ConfigError> {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    match rest.and_then(|rest| rest.split_once('/')) {
        Some((host, path)) if !host.is_empty() && !path.is_empty() => Ok(()),
        _ => Err(invalid(
            "DEAD_LETTER_QUEUE_URL",
            value,
            "expected a queue URL such as https://sqs.REGION.amazonaws.com/ACCOUNT/NAME",
        )),
    }
}

/// Lambda's application log levels, `AWS_LAMBDA_LOG_LEVEL`, from the most detail to the least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// TRACE.
    Trace,
    /// DEBUG.
    Debug,
    /// INFO.
    Info,
    /// WARN.
    Warn,
    /// ERROR.
    Error,
    /// FATAL (logged as ERROR: tracing has no FATAL).
    Fatal,
}

impl LogLevel {
    /// The level's name as Lambda writes and reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
            Self::Fatal => "FATAL",
        }
    }

    /// What the log is filtered by here. tracing has no FATAL: at FATAL the function logs its errors (and Lambda
    /// forwards only FATAL lines).
    pub fn filter(self) -> LevelFilter {
        match self {
            Self::Trace => LevelFilter::TRACE,
            Self::Debug => LevelFilter::DEBUG,
            Self::Info => LevelFilter::INFO,
            Self::Warn => LevelFilter::WARN,
            Self::Error | Self::Fatal => LevelFilter::ERROR,
        }
    }
}

fn parse_log_level(value: &str) -> Result<LogLevel, ConfigError> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Ok(LogLevel::Trace),
        "DEBUG" => Ok(LogLevel::Debug),
        "INFO" => Ok(LogLevel::Info),
        "WARN" => Ok(LogLevel::Warn),
        "ERROR" => Ok(LogLevel::Error),
        "FATAL" => Ok(LogLevel::Fatal),
        _ => Err(invalid("AWS_LAMBDA_LOG_LEVEL", value, "expected TRACE, DEBUG, INFO, WARN, ERROR or FATAL")),
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
