//! An event the stand-in accepted, and the body its FIFO subscribers deliver: the envelope a subscriber with the
//! `RAW` transformer receives for a PutEvents event.
//!
//! The guide says `RAW` delivers "the payload alone", and that for PutEvents the payload is "an envelope with
//! source, detail-type, time, and other fields. Your payload is the value of detail"; it names the fields
//! `version`, `id`, `source`, `detail-type`, `account`, `time`, `region`, `resources`, `detail`. What it does not
//! give, chosen here as the classic bus delivers them: `version` "0", `id` the EventId PutEvents answered, `time`
//! RFC 3339 to the second in UTC (the entry's `Time`, else the time of ingestion), `account` the publisher's,
//! `region` the bus's, the keys in the classic envelope's order, and `detail` the entry's `Detail` (already checked
//! to be JSON; `{}` when absent) with the white space between its tokens taken out, as the classic bus delivers it,
//! but its members in the publisher's order and its numbers as written (never parsed and re-serialised).

/// One accepted (`PUBLISHED`) event.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedEvent {
    pub bus_arn: String,
    /// The `EventId` answered to the publisher.
    pub event_id: String,
    /// The `SequenceNumber` answered (as a decimal string): it increases with ingestion across the bus.
    pub sequence_number: u64,
    /// The publishing account (from the request's SigV4 access key).
    pub account: String,
    pub region: String,
    pub source: String,
    pub detail_type: String,
    /// The entry's `Detail` as sent, `{}` when it had none.
    pub detail: String,
    pub resources: Vec<String>,
    /// The envelope's `time`.
    pub time: String,
    pub event_group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

impl AcceptedEvent {
    /// The message body a FIFO subscriber with the `RAW` transformer delivers for this event.
    pub fn envelope(&self) -> String {
        let text = |s: &str| serde_json::Value::from(s).to_string();
        format!(
            concat!(
                r#"{{"version":"0","id":{},"detail-type":{},"source":{},"account":{},"time":{},"region":{},"#,
                r#""resources":{},"detail":{}}}"#
            ),
            text(&self.event_id),
            text(&self.detail_type),
            text(&self.source),
            text(&self.account),
            text(&self.time),
            text(&self.region),
            serde_json::Value::from(self.resources.clone()),
            compact(&self.detail),
        )
    }
}

/// `json` (valid JSON) without the white space between its tokens.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            (escaped, in_string) = (c == '\\' && !escaped, c != '"' || escaped);
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        out.push(c);
    }
    out
}

/// `seconds` since the epoch as the envelope's `time`: RFC 3339, whole seconds, UTC.
pub fn envelope_time(seconds: f64) -> String {
    let whole = seconds.floor();
    // Out of chrono's range only for absurd inputs; the epoch then stands in rather than failing the entry.
    chrono::DateTime::from_timestamp(whole as i64, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
