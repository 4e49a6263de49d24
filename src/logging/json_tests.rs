//! The JSON log line: Lambda's keys first, and every value what tracing-subscriber's own JSON formatter writes for
//! the same events (its flattened form, the current span beside), inside and outside spans.

use super::JsonLines;
use crate::metrics::LINE_TARGET;
use lambda_runtime::tracing::subscriber;
use lambda_runtime::tracing::subscriber::fmt::format::JsonFields;
use lambda_runtime::tracing::subscriber::fmt::MakeWriter;
use serde_json::{json, Map, Value};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing::{error, info, info_span, warn};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Captured {
    type Writer = Captured;
    fn make_writer(&'w self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("capture lock").clone()).expect("UTF-8 log")
    }

    fn lines(&self) -> Vec<Map<String, Value>> {
        self.raw_lines()
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    fn raw_lines(&self) -> Vec<String> {
        let text = self.text();
        assert!(text.ends_with('\n'), "every line ends with a newline: {text:?}");
        text.lines().map(str::to_owned).collect()
    }
}

/// A JSON object's keys in the order they were written (serde_json's map sorts them).
fn keys_in_order(line: &str) -> Vec<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_str(line), Keys).expect("an object")
}

/// The subscriber as `logging::init_logging` builds it, writing to `out`.
macro_rules! builder {
    ($out:expr) => {
        subscriber::fmt()
            .with_target(false)
            .without_time()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer($out.clone())
    };
}

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

/// What the function logs in an invocation: lines in Lambda's runtime span, a line outside any span, strings that
/// need escaping, numbers, a Display and a Debug field, an error, and fields named like Lambda's keys.
fn log_an_invocation() {
    info!(records = 3, "invocation starts outside a span");
    let span = info_span!(
        "Lambda runtime invoke",
        requestId = REQUEST_ID,
        xrayTraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
    );
    let _entered = span.enter();
    info!(sequence_number = "100000000000000000001", player_id = %"1234", date = %"Aug 23", score = 44_i64,
        "New row added with playerId={}", "1234");
    info!(
        old_score = -5_i64,
        new_score = 7_u64,
        ratio = 0.5_f64,
        flag = true,
        "Scores changed - oldScore={}, newScore={}",
        -5,
        7
    );
    warn!(
        error = "quote \" backslash \\ newline \n tab \t unicode \u{1F3AE} control \u{1}",
        "events not delivered to every sink"
    );
    let cause = io::Error::other("connection refused");
    error!(error = &cause as &dyn std::error::Error, ?cause, "poison");
    info!(level = "mine", timestamp = 5, requestId = "not the invocation's", "fields named like Lambda's keys");
    let bare = info_span!("a span without fields");
    let _bare = bare.enter();
    info!("inside a span without fields");
    let attempt = info_span!("try_attempt", attempt = 1);
    let _attempt = attempt.enter();
    info!("inside a span with fields of its own, as the SDK's at DEBUG");
}

fn is_rfc3339_millis_utc(text: &str) -> bool {
    let parsed = chrono::DateTime::parse_from_rfc3339(text);
    text.len() == 24 && text.ends_with('Z') && parsed.is_ok_and(|time| time.timestamp_subsec_nanos() % 1_000_000 == 0)
}

#[test]
fn lines_carry_lambdas_keys_first_then_the_values_tracing_subscriber_writes() {
    let ours = Captured::default();
    let theirs = Captured::default();
    let ours_subscriber = builder!(ours).fmt_fields(JsonFields::new()).event_format(JsonLines::new("INFO")).finish();
    let theirs_subscriber = builder!(theirs).json().flatten_event(true).with_span_list(true).finish();
    tracing::subscriber::with_default(ours_subscriber, log_an_invocation);
    tracing::subscriber::with_default(theirs_subscriber, log_an_invocation);
    let (raw, ours, theirs) = (ours.raw_lines(), ours.lines(), theirs.lines());
    assert_eq!(ours.len(), 8);
    assert_eq!(ours.len(), theirs.len());
    const CLASHING: usize = 5;
    for (index, (line, reference)) in ours.iter().zip(&theirs).enumerate() {
        let keys = keys_in_order(&raw[index]);
        assert_eq!(keys[..3], ["timestamp", "level", "message"], "{line:?}");
        assert!(is_rfc3339_millis_utc(line["timestamp"].as_str().expect("a string")), "{line:?}");
        if index == CLASHING {
            continue;
        }
        // Theirs: the event's fields flattened, the current span apart under "span" and every span in scope, the
        // outermost first, under "spans", each with its name. Ours: the fields of every span in scope.
        let mut expected = reference.clone();
        expected.remove("span");
        let spans = expected.remove("spans").and_then(|spans| spans.as_array().cloned()).unwrap_or_default();
        let spans: Vec<Map<String, Value>> = spans.iter().filter_map(|span| span.as_object().cloned()).collect();
        if spans.iter().any(|span| span.contains_key("requestId")) {
            assert_eq!(keys[3], "requestId", "the invocation's requestId comes right after the message: {line:?}");
        }
        for span in spans {
            expected.extend(span.into_iter().filter(|(key, _)| key != "name"));
        }
        let mut got = line.clone();
        got.remove("timestamp");
        assert_eq!(Value::Object(got), Value::Object(expected), "against {reference:?}");
    }
    for line in &ours[1..] {
        assert_eq!(line["requestId"], REQUEST_ID, "every line of the invocation, in whatever span: {line:?}");
    }
    let clashing = &ours[CLASHING];
    let keys = keys_in_order(&raw[CLASHING]);
    assert_eq!(
        keys,
        [
            "timestamp",
            "level",
            "message",
            "requestId",
            "xrayTraceId",
            "field_level",
            "field_timestamp",
            "field_requestId"
        ]
    );
    assert_eq!((&clashing["level"], &clashing["requestId"]), (&json!("INFO"), &json!(REQUEST_ID)));
    assert_eq!((&clashing["field_level"], &clashing["field_timestamp"]), (&json!("mine"), &json!(5)));
    assert_eq!(clashing["field_requestId"], "not the invocation's");
}

#[test]
fn the_metrics_line_carries_the_configured_level_and_the_documents_members() {
    let ours = Captured::default();
    let subscriber = builder!(ours).fmt_fields(JsonFields::new()).event_format(JsonLines::new("WARN")).finish();
    tracing::subscriber::with_default(subscriber, || {
        let span = info_span!("Lambda runtime invoke", requestId = REQUEST_ID);
        let _entered = span.enter();
        info!(target: LINE_TARGET, emf = r#"{"_aws":{"Timestamp":1},"RecordsReceived":3}"#);
    });
    let line = &ours.lines()[0];
    let keys = keys_in_order(&ours.raw_lines()[0]);
    assert_eq!(keys, ["timestamp", "level", "message", "requestId", "_aws", "RecordsReceived"]);
    assert_eq!(
        (&line["level"], &line["message"], &line["RecordsReceived"]),
        (&json!("WARN"), &json!("metrics"), &json!(3))
    );
}

#[test]
fn timestamps_are_utc_with_milliseconds_across_dates() {
    for (seconds, millis, expected) in [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (951_782_400, 7, "2000-02-29T00:00:00.007Z"),
        (1_796_311_565, 123, "2026-12-03T15:26:05.123Z"),
        (4_107_542_399, 999, "2100-02-28T23:59:59.999Z"),
    ] {
        let mut out = Vec::new();
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis);
        super::write_timestamp(&mut out, time);
        assert_eq!(String::from_utf8(out).expect("ASCII"), expected);
        let reference =
            chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        assert_eq!(reference, expected);
    }
}
