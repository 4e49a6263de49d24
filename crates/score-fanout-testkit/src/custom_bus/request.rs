//! The two operations' inputs, read from their CBOR structures and held to the `eventbridgev2` model's constraints.
//! A member of the wrong type, a bad bus ARN or a list of entries off its 1-100 fails the whole request
//! (`InvalidInputException`); an entry off its own constraints fails alone, as the guide says a rejected entry does
//! ("the other entries in the same request are unaffected"), so that the publisher can tell the poison entry.

use super::cbor::Structure;
use super::error::ServiceError;
use ciborium::Value;

/// Entries per PutEvents request (the model's list length; the quota page repeats it).
pub const MAX_ENTRIES: usize = 100;

/// A bus ARN's parts: `arn:<partition>:events:<region>:<account>:event-busv2/<name>/<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    pub id: String,
}

/// PutEvents' input: the bus, and each entry or what is wrong with it.
pub struct PutEventsInput {
    pub bus_arn: String,
    pub entries: Vec<Result<EntryInput, String>>,
    /// `DeduplicationConfiguration: {DeduplicationType: CONTENT_BASED}`.
    pub content_based: bool,
}

/// One entry that holds to the model.
#[derive(Clone, Debug)]
pub struct EntryInput {
    pub source: String,
    pub detail_type: String,
    pub detail: Option<String>,
    pub resources: Vec<String>,
    /// Epoch seconds.
    pub time: Option<f64>,
    pub event_group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

/// `arn` as a Custom Event Bus ARN, if it matches the model's pattern (and length, 1-1011).
pub fn parse_bus_arn(arn: &str) -> Option<BusArn> {
    if arn.is_empty() || arn.chars().count() > 1011 {
        return None;
    }
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("events"), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let lower_alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    // partition: aws(-[a-z0-9]+)*; region: [a-z][a-z0-9]*(-[a-z0-9]+)*
    let partition_ok = partition.split('-').next() == Some("aws") && partition.split('-').skip(1).all(lower_alnum);
    let region_ok = region.starts_with(|c: char| c.is_ascii_lowercase()) && region.split('-').all(lower_alnum);
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let mut path = resource.split('/');
    let (Some("event-busv2"), Some(name), Some(id), None) = (path.next(), path.next(), path.next(), path.next()) else {
        return None;
    };
    let ok = partition_ok && region_ok && account_ok && valid_bus_name(name) && id.len() == 25 && lower_alnum(id);
    ok.then(|| BusArn {
        partition: partition.to_owned(),
        region: region.to_owned(),
        account: account.to_owned(),
        name: name.to_owned(),
        id: id.to_owned(),
    })
}

/// A bus name as the ARN pattern has it: `[A-Za-z0-9][\.\-_A-Za-z0-9]{0,255}`.
pub fn valid_bus_name(name: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
    name.len() <= 256 && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric()) && name.bytes().all(allowed)
}

/// DescribeEventBus' input: the bus ARN.
pub fn describe_input(body: &Value) -> Result<String, ServiceError> {
    bus_arn(&Structure::of(body, "the input")?)
}

/// PutEvents' input.
pub fn put_events_input(body: &Value) -> Result<PutEventsInput, ServiceError> {
    let input = Structure::of(body, "the input")?;
    let bus_arn = bus_arn(&input)?;
    let entries = input.list("Entries")?.ok_or_else(|| invalid("Entries is required"))?;
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(invalid(&format!("Entries holds {} entries; it takes 1 to {MAX_ENTRIES}", entries.len())));
    }
    let content_based = match input.get("DeduplicationConfiguration") {
        None => false,
        Some(value) => match Structure::of(value, "DeduplicationConfiguration")?.text("DeduplicationType")? {
            Some("CONTENT_BASED") => true,
            other => return Err(invalid(&format!("DeduplicationType {other:?} is not CONTENT_BASED"))),
        },
    };
    let entries = entries.iter().map(entry).collect::<Result<_, _>>()?;
    Ok(PutEventsInput { bus_arn, entries, content_based })
}

fn bus_arn(input: &Structure) -> Result<String, ServiceError> {
    let arn = input.text("EventBusArn")?.ok_or_else(|| invalid("EventBusArn is required"))?;
    match parse_bus_arn(arn) {
        Some(_) => Ok(arn.to_owned()),
        None => Err(invalid(&format!("EventBusArn {arn:?} is not a Custom Event Bus ARN"))),
    }
}

/// One entry: a type error fails the request (outer), a constraint the entry alone (inner).
fn entry(value: &Value) -> Result<Result<EntryInput, String>, ServiceError> {
    let entry = Structure::of(value, "an entry")?;
    let metadata = match entry.get("SystemMetadata") {
        Some(value) => Some(Structure::of(value, "SystemMetadata")?),
        None => None,
    };
    let resources = match entry.list("Resources")? {
        Some(items) => items
            .iter()
            .map(|item| item.as_text().map(str::to_owned).ok_or_else(|| invalid("Resources holds strings")))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let text = |s: Option<&str>| s.map(str::to_owned);
    let input = EntryInput {
        source: text(entry.text("Source")?).unwrap_or_default(),
        detail_type: text(entry.text("DetailType")?).unwrap_or_default(),
        detail: text(entry.text("Detail")?),
        resources,
        time: entry.timestamp("Time")?,
        event_group_id: metadata.as_ref().map(|m| m.text("EventGroupId")).transpose()?.flatten().map(str::to_owned),
        deduplication_id: metadata.as_ref().map(|m| m.text("DeduplicationId")).transpose()?.flatten().map(Into::into),
    };
    Ok(check(&input).map(|()| input))
}

/// The model's constraints on one entry; lengths count characters, as Smithy's `length` does.
fn check(entry: &EntryInput) -> Result<(), String> {
    let length = |name: &str, value: &str, max: usize| match value.chars().count() {
        n if (1..=max).contains(&n) => Ok(()),
        n => Err(format!("{name} is {n} characters long; it takes 1 to {max}")),
    };
    length("Source", &entry.source, 256)?;
    if entry.source.starts_with("aws.") {
        return Err(format!("Source {:?}: the aws. prefix is reserved for AWS services", entry.source));
    }
    length("DetailType", &entry.detail_type, 128)?;
    if let Some(detail) = &entry.detail {
        serde_json::from_str::<Box<serde_json::value::RawValue>>(detail)
            .map_err(|e| format!("Detail is not valid JSON: {e}"))?;
    }
    if entry.resources.len() > 100 || entry.resources.iter().any(|r| r.chars().count() > 2048) {
        return Err("Resources takes at most 100 strings of at most 2048 characters".to_owned());
    }
    if let Some(group) = &entry.event_group_id {
        length("EventGroupId", group, 128)?;
    }
    if let Some(id) = &entry.deduplication_id {
        length("DeduplicationId", id, 128)?;
        if id.chars().all(pattern_whitespace) {
            return Err("DeduplicationId needs a character other than white space".to_owned());
        }
    }
    Ok(())
}

/// The characters the DeduplicationId pattern refuses to count as its one required character.
fn pattern_whitespace(c: char) -> bool {
    matches!(c, '\u{9}'..='\u{d}' | '\u{1c}'..='\u{20}' | '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{205f}' | '\u{3000}')
}

fn invalid(message: &str) -> ServiceError {
    ServiceError::InvalidInput(message.to_owned())
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
