//! The JSON log line against tracing-subscriber's own JSON formatter (as configured before: no time, no target,
//! current span without the span list): the same JSON for the same events, inside and outside spans.

use super::JsonLines;
use lambda_runtime::tracing::subscriber;
use lambda_runtime::tracing::subscriber::fmt::format::JsonFields;
use lambda_runtime::tracing::subscriber::fmt::MakeWriter;
use serde_json::{json, Value};
use std::io;
use std::sync::{Arc, Mutex};
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
    fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().expect("capture lock").clone()).expect("UTF-8 log");
        assert!(text.ends_with('\n'), "every line ends with a newline: {text:?}");
        text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
    }
}

/// The subscriber as `logging::init` builds it, writing to `out`.
macro_rules! builder {
    ($out:expr) => {
        subscriber::fmt()
            .with_target(false)
            .without_time()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer($out.clone())
    };
}

/// What the function logs in an invocation: lines in Lambda's runtime span (with and without a trace id), a
/// line outside any span, strings that need escaping, numbers, a Display and a Debug field, an error.
fn log_an_invocation() {
    info!(records = 3, "invocation starts outside a span");
    let span = info_span!(
        "Lambda runtime invoke",
        requestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
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
    let bare = info_span!("a span without fields");
    let _inner = bare.enter();
    info!("inside a span without fields");
}

#[test]
fn json_lines_are_the_json_tracing_subscriber_writes() {
    let ours = Captured::default();
    let theirs = Captured::default();
    let ours_subscriber = builder!(ours).fmt_fields(JsonFields::new()).event_format(JsonLines).finish();
    let theirs_subscriber = builder!(theirs).json().with_span_list(false).finish();
    tracing::subscriber::with_default(ours_subscriber, log_an_invocation);
    tracing::subscriber::with_default(theirs_subscriber, log_an_invocation);
    let (ours, theirs) = (ours.lines(), theirs.lines());
    assert_eq!(ours.len(), 6);
    assert_eq!(ours, theirs);
    assert_eq!(
        ours[1],
        json!({"level": "INFO",
            "fields": {"message": "New row added with playerId=1234", "sequence_number": "100000000000000000001",
                "player_id": "1234", "date": "Aug 23", "score": 44},
            "span": {"requestId": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                "xrayTraceId": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
                "name": "Lambda runtime invoke"}})
    );
}
