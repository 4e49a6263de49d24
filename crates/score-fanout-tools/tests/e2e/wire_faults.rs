//! The fault matrix, continued: what the real services do and moto does not. Every documented error of `PutEvents`
//! and `PublishBatch`, whole-request and per-entry, in its service's wire shape, gives the entries it names their
//! fate (poison parked, a configuration outage held and then cured, a transient error retried); a request refused
//! whole for one bad entry is taken apart; a sink answering in 2.5 s is let finish; a connection reset halfway
//! through an answer is retried.

use crate::faults::{players, publishing, rig, MINUTE};
use score_fanout_testkit::fault_proxy::errors::{Documented, Fate, PER_ENTRY, WHOLE_REQUEST};
use score_fanout_testkit::fault_proxy::{Fault, Service};
use score_fanout_testkit::records::RecordMaker;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::instrument::WithSubscriber;

/// One record per documented error, each in an invocation of its own, at once: the proxy picks each request's
/// error by the player it carries (a transient one only on a player's first call).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_error_gives_the_entries_it_names_their_fate() {
    let cases: Vec<(Documented, bool)> =
        WHOLE_REQUEST.iter().map(|error| (*error, true)).chain(PER_ENTRY.iter().map(|error| (*error, false))).collect();
    let player = |i: usize| format!("case-{i:02}-");
    let calls: Arc<Mutex<HashMap<usize, usize>>> = Arc::default();
    let (policy_cases, policy_calls) = (cases.clone(), calls.clone());
    let rig = rig("documented", move |call, _| {
        let Some(i) = (0..policy_cases.len()).find(|&i| call.carries(&player(i))) else { return Fault::Forward };
        let (error, whole) = policy_cases[i];
        let first = {
            let mut calls = policy_calls.lock().expect("calls");
            let count = calls.entry(i).or_default();
            *count += 1;
            *count == 1
        };
        let targeted = call.service == error.service && (first || error.fate != Fate::Transient);
        match (targeted, whole) {
            (false, _) => Fault::Forward,
            (true, true) => Fault::Answer { status: error.status, code: error.code },
            (true, false) => Fault::FailEntries {
                probability: 1.0,
                code: error.code,
                sender_fault: score_fanout_testkit::fault_proxy::errors::sender_fault(error.code),
            },
        }
    })
    .await;
    // One maker for every case, so that each record has its own eventID and sequence number.
    let mut all = RecordMaker::new();
    for i in 0..cases.len() {
        all.insert(&player(i), i as i64);
    }
    let invocations = (0..cases.len()).map(|i| {
        let mut records = RecordMaker::new();
        records.records = vec![all.records[i].clone()];
        records.expected = vec![all.expected[i].clone()];
        let rig = &rig;
        async move {
            let outcome = rig.invoke(&records, Duration::from_secs(3)).await;
            (records, outcome)
        }
    });
    let outcomes = futures_util::future::join_all(invocations).await;
    let parked: HashSet<String> = rig
        .received(&rig.stack.queues.poison)
        .await
        .iter()
        .filter_map(|m| m.event["record"]["eventID"].as_str().map(str::to_owned))
        .collect();
    let mut on_bus: HashSet<String> = HashSet::new();
    for queue in [&rig.stack.queues.rule, &rig.stack.queues.all_events] {
        on_bus.extend(rig.received(queue).await.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)));
    }
    for ((error, whole), (records, outcome)) in cases.iter().zip(&outcomes) {
        let expected = &records.expected[0];
        let case = format!(
            "{:?} {} {} ({})",
            error.service,
            error.status,
            error.code,
            if *whole { "whole request" } else { "per entry" }
        );
        match error.fate {
            Fate::Poison => {
                assert_eq!(outcome.checkpoint, None, "{case}: poison never holds the shard");
                assert!(parked.contains(&expected.event_id), "{case}: parked");
            }
            Fate::Outage => {
                assert_eq!(outcome.checkpoint.as_deref(), Some(expected.sequence_number.as_str()), "{case}: holds");
                assert!(!parked.contains(&expected.event_id), "{case}: an outage is never parked");
            }
            Fate::Transient => {
                assert_eq!(outcome.checkpoint, None, "{case}: retried and delivered");
                assert!(on_bus.contains(&expected.event_id), "{case}: not delivered");
                assert!(!parked.contains(&expected.event_id), "{case}: parked");
                assert!(on_bus.contains(&expected.event_id) && !parked.contains(&expected.event_id), "{case}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_whole_for_one_bad_entry_delivers_the_nine_others_and_parks_that_one() {
    let mut records = players(10);
    let bad = records.expected[4].event_id.clone();
    let refused = bad.clone();
    let rig = rig("isolate", move |call, _| {
        let code = if call.service == Service::Sns { "InvalidParameter" } else { "ValidationException" };
        if publishing(call) {
            Fault::Refuse { containing: refused.clone(), status: 400, code }
        } else {
            Fault::Forward
        }
    })
    .await;
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None, "poison does not hold the shard");
    let parked = rig.received(&rig.stack.queues.poison).await;
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].event["event"]["eventId"], bad.as_str());
    let error = parked[0].event["error"].as_str().expect("error");
    assert!(error.contains("rejected the entry for good") && error.contains("(request fault-proxy-"), "{error}");
    records.expected.remove(4);
    rig.assert_all_once(&rig.stack.queues.rule, &records).await;
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_outage_holds_the_shard_parks_nothing_and_a_fix_lets_everything_through() {
    let broken = Arc::new(AtomicBool::new(true));
    let outage = broken.clone();
    let rig = rig("outage", move |call, _| match (call.service, outage.load(Ordering::SeqCst)) {
        (Service::Sns, true) => Fault::Answer { status: 403, code: "AuthorizationError" },
        _ => Fault::Forward,
    })
    .await;
    let records = players(15);
    let (log, subscriber) = Captured::subscriber();
    let first = rig.invoke(&records, Duration::from_secs(4)).with_subscriber(subscriber).await;
    assert_eq!(first.checkpoint.as_deref(), Some(records.expected[0].sequence_number.as_str()));
    let log = log.text();
    let outage = log.lines().find(|line| line.contains("configuration outage: a sink refuses the function"));
    let outage = outage.unwrap_or_else(|| panic!("no outage line in:\n{log}"));
    assert!(outage.contains("ERROR") && outage.contains("AuthorizationError"), "{outage}");
    assert!(rig.received(&rig.stack.queues.poison).await.is_empty(), "nothing parked during an IAM mistake");
    assert!(rig.received(&rig.stack.queues.all_events).await.is_empty());

    println!("SNS answering 403 AuthorizationError: 15 records, checkpoint at the first ({:?}), 0 parked", first.took);

    broken.store(false, Ordering::SeqCst); // the stack's permissions fixed: Lambda retries from the checkpoint
    let cured = rig.invoke(&records, MINUTE).await;
    assert_eq!(cured.checkpoint, None);
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
    println!("permissions fixed: no checkpoint, 15 of 15 delivered once to SNS ({:?})", cured.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_answering_in_two_and_a_half_seconds_is_let_finish_with_at_most_one_extra_copy() {
    let rig =
        rig(
            "slowsink",
            |call, _| {
                if publishing(call) {
                    Fault::Delay(Duration::from_millis(2500))
                } else {
                    Fault::Forward
                }
            },
        )
        .await;
    let records = players(40);
    let outcome = rig.invoke(&records, Duration::from_secs(30)).await;
    assert_eq!(outcome.checkpoint, None, "delivered within one invocation of 30 s (took {:?})", outcome.took);
    for queue in [&rig.stack.queues.rule, &rig.stack.queues.all_events] {
        let mut copies: HashMap<String, usize> = HashMap::new();
        for message in rig.received(queue).await {
            *copies.entry(message.event["eventId"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
        }
        assert_eq!(copies.len(), 40, "{queue}: every event");
        assert!(copies.values().all(|&n| n <= 2), "{queue}: at most one extra copy: {copies:?}");
        let twice = copies.values().filter(|&&n| n == 2).count();
        println!("{queue}: 40 events in {:.1?}, {twice} of them twice", outcome.took);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_halfway_through_an_answer_is_retried() {
    let rig = rig(
        "reset",
        |call, _| {
            if publishing(call) && call.number == 1 {
                Fault::ResetMidAnswer
            } else {
                Fault::Forward
            }
        },
    )
    .await;
    let records = players(8);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    for queue in [&rig.stack.queues.rule, &rig.stack.queues.all_events] {
        let ids: HashSet<String> =
            rig.received(queue).await.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)).collect();
        assert_eq!(ids.len(), 8, "{queue}: every event (the cut answer's entries arrive twice)");
    }
}

/// What the handler logged, for the lines on-call would see.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// A subscriber writing into a new capture. tracing caches whether a log line is wanted when the line is first
    /// reached: with one dispatcher alive it asks the reaching thread's own (another test's thread: none, so the
    /// line would be cached as never wanted); with two alive it asks them all, this one included.
    fn subscriber() -> (Self, tracing::Dispatch) {
        static SECOND: std::sync::LazyLock<tracing::Dispatch> =
            std::sync::LazyLock::new(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        std::sync::LazyLock::force(&SECOND);
        let log = Captured::default();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(log.clone()).finish();
        (log, tracing::Dispatch::new(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Captured {
    type Writer = Captured;
    fn make_writer(&'w self) -> Captured {
        self.clone()
    }
}
