//! The poison redrive to the end of its queue, under what SQS does and moto does not: a run longer than its
//! visibility timeout, a visibility renewal answered `MessageNotInflight` (in SQS's own JSON 1.0 error), a
//! `DeleteMessage` that fails for a while, and the live function parking more poison meanwhile. It ends with its
//! summary, handles every message once (by `MessageId`), sends each parked event to the sinks that refused it and to
//! no other, and keeps what is still poison hidden until it ends, then visible again.

use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::provision::provision;
use score_fanout_tools::redrive::{redrive_poison, Outcome, Queue, Redriver};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The parked messages the run starts with, and how many the live function parks while it runs.
const PARKED: usize = 30;
const PARKED_MEANWHILE: usize = 15;

/// The proxy's SQS: renewals 3 and 20 answered as SQS answers a lapsed receipt; deletes 4 and 5 failing (the SDK's
/// two attempts of one call); and a slow bus, so that the run outlasts the visibility timeout several times.
/// `injected` counts the SQS faults answered.
fn like_sqs_under_load(
    injected: Arc<AtomicUsize>,
) -> impl Fn(&score_fanout_testkit::fault_proxy::Call, &mut fastrand::Rng) -> Fault {
    let (renewals, deletes) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let inject = move |fault| {
        injected.fetch_add(1, Ordering::SeqCst);
        fault
    };
    move |call, _| match call.header("x-amz-target") {
        Some("AmazonSQS.ChangeMessageVisibility") if !call.carries("\"VisibilityTimeout\":0") => {
            match renewals.fetch_add(1, Ordering::SeqCst) + 1 {
                3 | 20 => inject(Fault::Answer { status: 400, code: "MessageNotInflight" }),
                _ => Fault::Forward,
            }
        }
        Some("AmazonSQS.DeleteMessage") => match deletes.fetch_add(1, Ordering::SeqCst) + 1 {
            4 | 5 => inject(Fault::Answer { status: 500, code: "InternalError" }),
            _ => Fault::Forward,
        },
        _ if call.service == Service::EventBridge => Fault::Delay(Duration::from_millis(400)),
        _ => Fault::Forward,
    }
}

/// Where a parked record's event must go: `refusedBy`, or every sink when the message does not say.
fn refused_by(index: usize) -> &'static str {
    match index % 3 {
        0 => r#","refusedBy":["EVENT_BUS_NAME"]"#,
        1 => r#","refusedBy":["TOPIC_ARN"]"#,
        _ => "",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_redrive_longer_than_its_visibility_handles_every_message_once_and_ends_with_its_summary() {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix("poisonrun"), "game.scores").await.expect("provisioning");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let mut records = RecordMaker::new();
    (0..PARKED - 2).for_each(|i| records.insert(&format!("p{i:02}"), i as i64));
    records.poison("bad1");
    records.poison("bad2");
    (0..PARKED_MEANWHILE).for_each(|i| records.insert(&format!("live{i:02}"), i as i64));
    let bodies: Vec<String> = (records.records.iter().enumerate())
        .map(|(i, r)| {
            format!(r#"{{"record":{},"error":"refused"{}}}"#, r.get(), if i < PARKED - 2 { refused_by(i) } else { "" })
        })
        .collect();
    for body in &bodies[..PARKED] {
        sqs.send_message().queue_url(&stack.queues.poison).message_body(body).send().await.expect("park");
    }

    let injected = Arc::new(AtomicUsize::new(0));
    let proxy = FaultProxy::start(moto::endpoint(), 7, like_sqs_under_load(injected.clone())).await;
    let proxy_sdk = crate::sdk_at(&proxy.endpoint).await;
    let redriver = Redriver::for_poison(&config_for(&stack, false), &proxy_sdk).await.expect("destinations");
    let producing = Arc::new(AtomicBool::new(true));
    let producer = tokio::spawn({
        let (sqs, url, producing, bodies) =
            (sqs.clone(), stack.queues.poison.clone(), producing.clone(), bodies.clone());
        async move {
            // After the run has read the queue's depth: what the live function parks while the run works.
            tokio::time::sleep(Duration::from_millis(500)).await;
            for body in bodies[PARKED..].iter().take_while(|_| producing.load(Ordering::SeqCst)) {
                sqs.send_message().queue_url(&url).message_body(body).send().await.expect("live parking");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    });
    let proxied = aws_sdk_sqs::Client::new(&proxy_sdk);
    let queue = Queue { sqs: &proxied, url: &stack.queues.poison, visibility: Duration::from_secs(2) };
    let started = std::time::Instant::now();
    let summary = redrive_poison(&queue, &redriver, Duration::from_secs(10)).await;
    let took = started.elapsed();
    producing.store(false, Ordering::SeqCst);
    producer.await.expect("producer");

    assert!(summary.stopped.is_none(), "it came to its end: {summary:?}");
    assert_eq!(injected.load(Ordering::SeqCst), 4, "two lapsed renewals and a delete failing twice were answered");
    assert!(took > Duration::from_secs(6), "the run outlasted the visibility timeout several times: {took:?}");
    let lines = &summary.lines;
    let ids: HashSet<&str> = lines.iter().filter_map(|line| line.message_id.as_deref()).collect();
    assert_eq!((lines.len(), ids.len()), (PARKED, PARKED), "the depth it saw, each message once: {summary:#?}");
    assert!(summary.notes.iter().any(|note| note.contains("MessageNotInflight")), "{:?}", summary.notes);

    // Each parked event once on the sinks that refused it, none on the others.
    let expected: HashMap<&str, (&str, &str)> = (records.expected.iter().enumerate())
        .map(|(i, e)| {
            (e.sequence_number.as_str(), (e.event_id.as_str(), if i < PARKED - 2 { refused_by(i) } else { "" }))
        })
        .collect();
    let (mut to_bus, mut to_topic) = (Vec::new(), Vec::new());
    for line in lines.iter().filter(|line| matches!(line.outcome, Outcome::Redriven { .. })) {
        let (event_id, refused) = expected[line.subject.as_str()];
        if !refused.contains("TOPIC_ARN") {
            to_bus.push(event_id.to_owned());
        }
        if !refused.contains("EVENT_BUS_NAME") {
            to_topic.push(event_id.to_owned());
        }
    }
    for (queue, mut wanted) in [(&stack.queues.rule, to_bus), (&stack.queues.all_events, to_topic)] {
        let received = drain(&sqs, queue).await.expect("subscriber queue");
        let mut got: Vec<String> =
            received.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)).collect();
        got.sort();
        wanted.sort();
        assert_eq!(got, wanted, "{queue}: each event once, on the sinks that refused it only");
    }

    // What is still poison stayed hidden through the run (handled once above), and is visible again now.
    let kept: Vec<&str> = (lines.iter())
        .filter(|line| matches!(&line.outcome, Outcome::Kept(why) if why.starts_with("still poison")))
        .map(|line| line.subject.as_str())
        .collect();
    assert_eq!(kept.len(), 2, "{lines:?}");
    let left = drain(&sqs, &stack.queues.poison).await.expect("the dead-letter queue");
    for sequence_number in kept {
        assert!(left.iter().any(|m| m.body.contains(sequence_number)), "{sequence_number} is back in the queue");
    }
}
