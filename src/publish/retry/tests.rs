//! Retry engine tests on a scripted sink, with tokio's paused clock so backoff costs no real time.

use super::budget::{backoff, BACKOFF_BASE, BACKOFF_CAP, MAX_RETRYING};
use super::*;
use crate::publish::Accepted;
use crate::test_support::deliver_all;
use crate::test_support::{event_for_player, events};
use std::sync::Mutex;

type Script = Box<dyn Fn(usize, &str) -> Result<(), EntryError> + Send + Sync>;

/// A sink whose answer for each entry is `script(call number, eventId)`, after the next of `latencies` or else
/// `latency` (a call whose timeout is shorter times out, as the transport would); it records every request, each
/// call's timeout and the most it had in flight.
struct ScriptedSink {
    fifo: bool,
    hang: bool,
    latency: Duration,
    latencies: Mutex<std::collections::VecDeque<Duration>>,
    script: Script,
    requests: Mutex<Vec<(Instant, Vec<String>)>>,
    timeouts: Mutex<Vec<Duration>>,
    in_flight: std::sync::atomic::AtomicUsize,
    most_in_flight: std::sync::atomic::AtomicUsize,
}

impl ScriptedSink {
    fn new(fifo: bool, script: impl Fn(usize, &str) -> Result<(), EntryError> + Send + Sync + 'static) -> Self {
        Self {
            fifo,
            hang: false,
            latency: Duration::ZERO,
            latencies: Mutex::default(),
            script: Box::new(script),
            requests: Mutex::new(Vec::new()),
            timeouts: Mutex::default(),
            in_flight: Default::default(),
            most_in_flight: Default::default(),
        }
    }

    /// How many times each eventId was sent.
    fn sends(&self) -> std::collections::HashMap<String, usize> {
        let mut sends = std::collections::HashMap::new();
        for id in self.requests().into_iter().flatten() {
            *sends.entry(id).or_default() += 1;
        }
        sends
    }

    fn requests(&self) -> Vec<Vec<String>> {
        self.requests.lock().expect("lock").iter().map(|(_, ids)| ids.clone()).collect()
    }
}

impl Sink for ScriptedSink {
    type Entry = (String, String);

    fn name(&self) -> &'static str {
        "Scripted"
    }

    fn prepare(&self, event: &DomainEvent, _index: usize) -> Prepared<Self::Entry> {
        let entry = (event.meta().event_id.clone(), event.player_id().to_owned());
        Prepared { group: self.fifo.then(|| entry.1.clone()), entry, size: 100 }
    }

    async fn send(&self, entries: Vec<Self::Entry>, limits: &Call<'_>) -> Vec<Result<(), EntryError>> {
        use std::sync::atomic::Ordering::SeqCst;
        let call = {
            let mut requests = self.requests.lock().expect("lock");
            requests.push((Instant::now(), entries.iter().map(|(id, _)| id.clone()).collect()));
            requests.len()
        };
        self.timeouts.lock().expect("lock").push(limits.timeout);
        let latency = self.latencies.lock().expect("lock").pop_front().unwrap_or(self.latency);
        if self.hang {
            std::future::pending::<()>().await;
        }
        let now_in_flight = self.in_flight.fetch_add(1, SeqCst) + 1;
        self.most_in_flight.fetch_max(now_in_flight, SeqCst);
        tokio::time::sleep(latency.min(limits.timeout)).await;
        self.in_flight.fetch_sub(1, SeqCst);
        if latency > limits.timeout {
            let timed_out = crate::publish::wire::WireError::Timeout(limits.timeout);
            return vec![Err(EntryError::for_request("Scripted", timed_out, entries.len())); entries.len()];
        }
        entries.iter().map(|(id, _)| (self.script)(call, id)).collect()
    }
}

fn throttled() -> EntryError {
    EntryError::Failed {
        sink: "Scripted",
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
        request_id: None,
    }
}

fn invalid() -> EntryError {
    EntryError::Rejected { sink: "Scripted", code: "InvalidArgument".into(), message: "bad".into(), request_id: None }
}

#[tokio::test(start_paused = true)]
async fn only_the_failed_entry_is_sent_again() {
    let sink = ScriptedSink::new(false, |call, id| if call == 1 && id == "ev1" { Err(throttled()) } else { Ok(()) });
    let delivered = deliver_all(&sink, &events(3), &RetryBudget::new(Duration::from_secs(60))).await;
    assert_eq!(delivered.resent, 1);
    let outcomes = delivered.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(sink.requests(), vec![vec!["ev0", "ev1", "ev2"], vec!["ev1"]]);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_entry_is_never_resent() {
    let sink = ScriptedSink::new(false, |_, id| if id == "ev0" { Err(invalid()) } else { Ok(()) });
    let outcomes = deliver_all(&sink, &events(2), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(matches!(outcomes[0], Err(EntryError::Rejected { .. })));
    assert!(outcomes[1].is_ok());
    assert_eq!(sink.requests().len(), 1);
}

/// Two invocations of one warm environment sharing the sink's memory, each within its own 5 s budget; `ev1` is
/// throttled throughout the first, so Lambda hands its record back, and delivered in the second.
async fn invoke_twice(fifo: bool, first: &[DomainEvent], again: &[DomainEvent]) -> (ScriptedSink, [SinkOutcome; 2]) {
    let outage = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let ongoing = outage.clone();
    let sink = ScriptedSink::new(fifo, move |_, id| {
        if id == "ev1" && ongoing.load(std::sync::atomic::Ordering::SeqCst) {
            Err(throttled())
        } else {
            Ok(())
        }
    });
    let (window, accepted) = (Window::new(8), Accepted::default());
    let mut outcomes = Vec::new();
    for events in [first, again] {
        let lengths: Vec<usize> = events.iter().map(crate::publish::json_len).collect();
        let invocation = Invocation::new(RetryBudget::new(Duration::from_secs(5)));
        outcomes.push(deliver(&sink, events, &lengths, &invocation, (&window, &accepted)).await);
        outage.store(false, std::sync::atomic::Ordering::SeqCst);
        sink.requests.lock().expect("lock").push((Instant::now(), vec!["(next invocation)".into()]));
    }
    let second = outcomes.pop().expect("two invocations");
    (sink, [outcomes.pop().expect("two invocations"), second])
}

/// The eventIds sent in the second invocation, in order.
fn sent_in_second_invocation(sink: &ScriptedSink) -> Vec<String> {
    let requests = sink.requests().into_iter().flatten();
    requests.skip_while(|id| id != "(next invocation)").skip(1).filter(|id| id != "(next invocation)").collect()
}

#[tokio::test(start_paused = true)]
async fn an_entry_the_sink_accepted_is_not_sent_again_when_lambda_hands_its_record_back() {
    let batch = events(3);
    let (sink, [first, again]) = invoke_twice(false, &batch, &batch[1..]).await;
    assert!(first.outcomes[1].is_err() && first.outcomes[2].is_ok(), "{:?}", first.outcomes);
    assert!(again.outcomes.iter().all(Result::is_ok), "{:?}", again.outcomes);
    assert_eq!(again.already_accepted, 1);
    assert_eq!(sent_in_second_invocation(&sink), ["ev1"], "ev2, accepted before, is not sent again");
}

#[tokio::test(start_paused = true)]
async fn on_a_fifo_sink_an_accepted_entry_leaves_its_lane_and_the_rest_keep_their_order() {
    // Player p: ev1 fails throughout the first invocation and holds ev2 back; player q's ev3 goes through.
    let players = ["p", "p", "p", "q"];
    let batch: Vec<DomainEvent> = players.iter().enumerate().map(|(i, player)| event_for_player(i, player)).collect();
    let (sink, [first, again]) = invoke_twice(true, &batch, &batch[1..]).await;
    assert!(matches!(first.outcomes[2], Err(EntryError::HeldBack { .. })), "{:?}", first.outcomes);
    assert!(first.outcomes[3].is_ok());
    assert!(again.outcomes.iter().all(Result::is_ok), "{:?}", again.outcomes);
    assert_eq!(again.already_accepted, 1);
    assert_eq!(sent_in_second_invocation(&sink), ["ev1", "ev2"], "p's events in order, and ev3 not again");
}

#[tokio::test(start_paused = true)]
async fn twenty_five_entries_go_out_as_requests_of_ten_ten_and_five() {
    let sink = ScriptedSink::new(false, |_, _| Ok(()));
    deliver_all(&sink, &events(25), &RetryBudget::new(Duration::from_secs(60))).await;
    let mut sizes: Vec<usize> = sink.requests().iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![5, 10, 10]);
}

#[tokio::test(start_paused = true)]
async fn a_sink_that_never_recovers_is_given_up_after_ten_seconds() {
    let sink = ScriptedSink::new(false, |_, _| Err(throttled()));
    let start = Instant::now();
    let outcomes = deliver_all(&sink, &events(2), &RetryBudget::new(Duration::from_secs(900))).await.outcomes;
    let elapsed = start.elapsed();
    assert!(outcomes.iter().all(|o| matches!(o, Err(EntryError::Failed { .. }))), "{outcomes:?}");
    assert!(elapsed <= MAX_RETRYING, "retried for {elapsed:?}");
    assert!(sink.requests().len() > 5, "retried only {} times", sink.requests().len());
}

#[tokio::test(start_paused = true)]
async fn retrying_stops_when_less_than_a_second_or_ten_percent_is_left() {
    let sink = ScriptedSink::new(false, |_, _| Err(throttled()));
    let start = Instant::now();
    deliver_all(&sink, &events(1), &RetryBudget::new(Duration::from_secs(3))).await;
    let last_request = sink.requests.lock().expect("lock").last().expect("a request").0;
    assert!(last_request - start < Duration::from_secs(2), "last retry at {:?}", last_request - start);
    assert!(start.elapsed() <= Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_request_that_hangs_is_abandoned_before_the_deadline() {
    let mut sink = ScriptedSink::new(false, |_, _| Ok(()));
    sink.hang = true;
    let start = Instant::now();
    let outcomes = deliver_all(&sink, &events(1), &RetryBudget::new(Duration::from_secs(4))).await.outcomes;
    assert!(matches!(outcomes[0], Err(EntryError::OutOfTime { .. })));
    assert_eq!(start.elapsed(), Duration::from_millis(3500));
}

fn fifo_events() -> Vec<DomainEvent> {
    vec![event_for_player(0, "A"), event_for_player(1, "A"), event_for_player(2, "B"), event_for_player(3, "A")]
}

#[tokio::test(start_paused = true)]
async fn fifo_requests_carry_one_entry_per_group_and_keep_group_order_across_a_retry() {
    let sink = ScriptedSink::new(true, |call, id| if call == 1 && id == "ev0" { Err(throttled()) } else { Ok(()) });
    let outcomes = deliver_all(&sink, &fifo_events(), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(sink.requests(), vec![vec!["ev0", "ev2"], vec!["ev0"], vec!["ev1"], vec!["ev3"]]);
}

#[tokio::test(start_paused = true)]
async fn fifo_holds_back_the_rest_of_a_group_whose_entry_keeps_failing() {
    let sink = ScriptedSink::new(true, |_, id| if id == "ev0" { Err(throttled()) } else { Ok(()) });
    let outcomes = deliver_all(&sink, &fifo_events(), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(matches!(outcomes[0], Err(EntryError::Failed { .. })));
    assert!(matches!(outcomes[1], Err(EntryError::HeldBack { ref group, .. }) if group == "A"));
    assert!(outcomes[2].is_ok());
    assert!(matches!(outcomes[3], Err(EntryError::HeldBack { .. })));
    assert!(sink.requests().iter().flatten().all(|id| id == "ev0" || id == "ev2"), "ev1/ev3 must never be sent");
}

#[tokio::test(start_paused = true)]
async fn fifo_moves_past_a_rejected_entry() {
    let sink = ScriptedSink::new(true, |_, id| if id == "ev0" { Err(invalid()) } else { Ok(()) });
    let outcomes = deliver_all(&sink, &fifo_events(), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(matches!(outcomes[0], Err(EntryError::Rejected { .. })));
    assert!(outcomes[1..].iter().all(Result::is_ok));
}

#[test]
fn the_budget_keeps_the_larger_of_one_second_and_ten_percent() {
    let start = Instant::now();
    let stop = |left: u64| RetryBudget::new(Duration::from_secs(left)).stop_at() - start;
    let near = |got: Duration, want: Duration| got.abs_diff(want) < Duration::from_millis(50);
    assert!(near(stop(5), Duration::from_secs(4)));
    assert!(near(stop(3), Duration::from_secs(2)));
    assert!(near(stop(60), Duration::from_secs(10)));
    assert!(near(stop(0), Duration::ZERO));
    let past = RetryBudget::from_deadline_ms(1_000);
    assert!(past.stop_at() <= Instant::now() && past.cut_off() <= Instant::now());
}

#[test]
fn backoff_grows_exponentially_with_full_jitter_up_to_the_cap() {
    for tries in 1..20 {
        let ceiling = BACKOFF_BASE.saturating_mul(1 << (tries - 1).min(16)).min(BACKOFF_CAP);
        for _ in 0..50 {
            assert!(backoff(tries) <= ceiling);
        }
    }
    let spread: std::collections::HashSet<Duration> = (0..50).map(|_| backoff(5)).collect();
    assert!(spread.len() > 10, "full jitter spreads retries");
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// What the scripted sink answers for one entry on one call.
    #[derive(Clone, Copy, Debug)]
    enum Answer {
        Ok,
        Throttled,
        Invalid,
    }

    fn answer() -> impl Strategy<Value = Answer> {
        prop_oneof![6 => Just(Answer::Ok), 3 => Just(Answer::Throttled), 1 => Just(Answer::Invalid)]
    }

    fn run(players: &[u8], answers: Vec<Answer>) -> (Vec<Result<(), EntryError>>, Vec<Vec<String>>) {
        let events: Vec<DomainEvent> =
            players.iter().enumerate().map(|(i, p)| event_for_player(i, &format!("P{p}"))).collect();
        let answers = std::sync::Arc::new(Mutex::new(answers.into_iter().cycle()));
        let sink = ScriptedSink::new(true, move |_, _| match answers.lock().expect("lock").next() {
            Some(Answer::Throttled) => Err(throttled()),
            Some(Answer::Invalid) => Err(invalid()),
            _ => Ok(()),
        });
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().expect("runtime");
        let outcomes =
            runtime.block_on(deliver_all(&sink, &events, &RetryBudget::new(Duration::from_secs(3)))).outcomes;
        (outcomes, sink.requests())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn fifo_never_inverts_a_group_and_holds_back_behind_an_undelivered_entry(
            players in proptest::collection::vec(0u8..4, 1..40),
            answers in proptest::collection::vec(answer(), 1..60),
        ) {
            let (outcomes, requests) = run(&players, answers);
            prop_assert_eq!(outcomes.len(), players.len());
            let player_of = |id: &str| players[id.trim_start_matches("ev").parse::<usize>().expect("index")];
            let mut sent_order: HashMap<u8, usize> = HashMap::new();
            for request in &requests {
                let groups: std::collections::HashSet<u8> = request.iter().map(|id| player_of(id)).collect();
                prop_assert_eq!(groups.len(), request.len(), "one entry per group per request: {:?}", request);
                for id in request {
                    let index: usize = id.trim_start_matches("ev").parse().expect("index");
                    let last = sent_order.entry(player_of(id)).or_insert(index);
                    prop_assert!(index >= *last, "group order inverted: {} after {}", index, last);
                    *last = index;
                }
            }
            // Behind an entry still undelivered at the end, nothing of its group was delivered.
            for (i, outcome) in outcomes.iter().enumerate() {
                if matches!(outcome, Err(EntryError::Failed { .. }) | Err(EntryError::OutOfTime { .. }) | Err(EntryError::HeldBack { .. })) {
                    for (j, later) in outcomes.iter().enumerate().skip(i + 1) {
                        if players[j] == players[i] {
                            prop_assert!(later.is_err(), "event {} delivered behind undelivered {}", j, i);
                        }
                    }
                }
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_sink_that_would_answer_is_let_finish_and_no_entry_is_sent_more_than_twice() {
    let mut sink = ScriptedSink::new(false, |_, _| Ok(()));
    sink.latency = Duration::from_millis(2500);
    let start = Instant::now();
    let outcomes = deliver_all(&sink, &events(40), &RetryBudget::new(Duration::from_secs(30))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(sink.sends().values().all(|&sends| sends <= 2), "{:?}", sink.sends());
    assert!(start.elapsed() < Duration::from_secs(15), "took {:?}", start.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_sink_that_stays_slow_gets_each_entry_once_in_the_next_warm_invocation() {
    let mut sink = ScriptedSink::new(false, |_, _| Ok(()));
    sink.latency = Duration::from_millis(2500);
    let window = Window::new(8);
    let warm = |events: Vec<DomainEvent>| {
        let (sink, window) = (&sink, &window);
        async move {
            let lengths: Vec<usize> = events.iter().map(crate::publish::json_len).collect();
            let invocation = Invocation::new(RetryBudget::new(Duration::from_secs(30)));
            // Each invocation with a memory of its own: what is measured here is the timeout carried over.
            deliver(sink, &events, &lengths, &invocation, (window, &Accepted::default())).await.outcomes
        }
    };
    let first = warm(events(20)).await;
    assert!(first.iter().all(Result::is_ok), "{first:?}");
    let sent_first = sink.requests().len();
    let next: Vec<DomainEvent> = (0..20).map(|i| event_for_player(100 + i, &format!("next{i}"))).collect();
    let second = warm(next).await;
    assert!(second.iter().all(Result::is_ok), "{second:?}");
    let second_sends: Vec<String> = sink.requests()[sent_first..].iter().flatten().cloned().collect();
    let unique: std::collections::HashSet<&String> = second_sends.iter().collect();
    assert_eq!(second_sends.len(), unique.len(), "no timed-out first round: {second_sends:?}");
    assert_eq!(unique.len(), 20);
}

fn whole_request_refused(entries: usize) -> EntryError {
    let answer = crate::publish::wire::WireError::Service {
        status: 400,
        code: "InvalidParameter".into(),
        message: "Invalid parameter: Message".into(),
        request_id: Some("r-1".into()),
    };
    EntryError::for_request("Scripted", answer, entries)
}

#[tokio::test(start_paused = true)]
async fn one_bad_entry_of_a_request_refused_whole_is_found_alone_and_its_neighbours_are_delivered() {
    let requests = std::sync::Arc::new(Mutex::new(Vec::<Vec<String>>::new()));
    let seen = requests.clone();
    let sink = ScriptedSink::new(false, move |call, id| {
        let request = seen.lock().expect("lock").get(call - 1).cloned().unwrap_or_default();
        let alone = request.len() == 1;
        match (request.iter().any(|id| id == "ev3"), alone) {
            (true, false) => Err(whole_request_refused(request.len())),
            (true, true) if id == "ev3" => Err(whole_request_refused(1)),
            _ => Ok(()),
        }
    });
    let sink = ScriptedSinkRecording { sink, requests };
    let outcomes = deliver_all(&sink, &events(10), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(
        matches!(&outcomes[3], Err(EntryError::Rejected { code, request_id: Some(id), .. }) if code == "InvalidParameter" && id == "r-1")
    );
    assert!(outcomes.iter().enumerate().all(|(i, o)| i == 3 || o.is_ok()), "{outcomes:?}");
    let sent = sink.sink.requests();
    assert_eq!(sent[0].len(), 10);
    assert!(sent[1..].iter().all(|request| request.len() == 1), "then one by one: {sent:?}");
    assert_eq!(sent.len(), 11);
}

/// A scripted sink whose script may read the requests made so far.
struct ScriptedSinkRecording {
    sink: ScriptedSink,
    requests: std::sync::Arc<Mutex<Vec<Vec<String>>>>,
}

impl Sink for ScriptedSinkRecording {
    type Entry = (String, String);

    fn name(&self) -> &'static str {
        self.sink.name()
    }

    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry> {
        self.sink.prepare(event, index)
    }

    async fn send(&self, entries: Vec<Self::Entry>, call: &Call<'_>) -> Vec<Result<(), EntryError>> {
        self.requests.lock().expect("lock").push(entries.iter().map(|(id, _)| id.clone()).collect());
        self.sink.send(entries, call).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_configuration_outage_is_retried_and_never_taken_for_poison() {
    let sink = ScriptedSink::new(false, |_, _| {
        Err(EntryError::for_entry("Scripted", "KMSDisabled".into(), "the key is disabled".into(), Some("r-2".into())))
    });
    let outcomes = deliver_all(&sink, &events(2), &RetryBudget::new(Duration::from_secs(20))).await.outcomes;
    assert!(
        outcomes.iter().all(|o| matches!(o, Err(error) if error.is_outage() && !error.is_permanent())),
        "{outcomes:?}"
    );
    assert!(sink.requests().len() > 2, "retried within the budget");
    let text = outcomes[0].as_ref().expect_err("an outage").to_string();
    assert!(text.contains("configuration outage") && text.ends_with("(request r-2)"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn requests_in_flight_never_exceed_the_window_and_grow_while_answers_are_quick() {
    use std::sync::atomic::Ordering::SeqCst;
    for (max, most) in [(1, 1), (3, 3), (8, 8)] {
        let mut sink = ScriptedSink::new(false, |_, _| Ok(()));
        sink.latency = Duration::from_millis(20);
        let window = Window::new(max);
        let lengths: Vec<usize> = events(1000).iter().map(crate::publish::json_len).collect();
        let invocation = Invocation::new(RetryBudget::new(Duration::from_secs(60)));
        let outcome = deliver(&sink, &events(1000), &lengths, &invocation, (&window, &Accepted::default())).await;
        assert!(outcome.outcomes.iter().all(Result::is_ok));
        assert_eq!(sink.most_in_flight.load(SeqCst), most, "window of at most {max}");
        assert_eq!(window.size(), max, "quick answers opened the window to its maximum");
    }
}

mod warm;
