//! Warm invocations' first call timeout, driven as the fan-out drives `deliver`: learned from the median of the last
//! invocations' slowest answers, so that one slow invocation does not stretch the next, and halved by each hang.

use super::*;

const SECOND: Duration = Duration::from_secs(1);
const FAST: Duration = Duration::from_millis(20);
/// Longer than any invocation: every call runs out of its timeout, as against a sink that hangs.
const HANG: Duration = Duration::from_secs(3600);

/// A sink answering every request with success, one request at a time (`MAX_REQUESTS_IN_FLIGHT=1`), so that each
/// answer's latency is the one scripted for it.
fn sequential_sink() -> (ScriptedSink, Window) {
    (ScriptedSink::new(false, |_, _| Ok(())), Window::new(1))
}

/// One invocation of a Lambda whose timeout is 60 s, with `count` events whose ids no earlier invocation used;
/// how long it took and whether every entry was delivered.
async fn invocation(sink: &ScriptedSink, window: &Window, first: usize, count: usize) -> (Duration, bool) {
    let events: Vec<DomainEvent> = (first..first + count).map(crate::test_support::event).collect();
    let lengths: Vec<usize> = events.iter().map(crate::publish::json_len).collect();
    let invocation = Invocation::new(RetryBudget::new(60 * SECOND));
    let start = Instant::now();
    let outcome = deliver(sink, &events, &lengths, &invocation, (window, &Accepted::default())).await;
    (start.elapsed(), outcome.outcomes.iter().all(Result::is_ok))
}

/// An invocation of five requests whose sink slows down to 12 s answers and recovers: each answer comes within the
/// timeout the answers before it earned.
async fn invocation_with_12_s_answers(sink: &ScriptedSink, window: &Window, first: usize) {
    let climb = [FAST, Duration::from_millis(1900), 5 * SECOND, 12 * SECOND, FAST];
    sink.latencies.lock().expect("lock").extend(climb);
    let (_, delivered) = invocation(sink, window, first, 50).await;
    assert!(delivered, "every 12 s answer came within its call's timeout");
}

#[tokio::test(start_paused = true)]
async fn after_one_invocation_with_12_s_answers_between_fast_ones_a_hanging_invocation_answers_within_15_s() {
    let (mut sink, window) = sequential_sink();
    sink.latency = FAST;
    for first in [0, 100] {
        assert!(invocation(&sink, &window, first, 10).await.1);
    }
    invocation_with_12_s_answers(&sink, &window, 200).await;
    sink.latency = HANG;
    let (took, delivered) = invocation(&sink, &window, 300, 10).await;
    assert!(!delivered, "nothing answered: the invocation answers with its checkpoint");
    assert!(took <= 15 * SECOND, "the hanging invocation took {took:?}");
}

#[tokio::test(start_paused = true)]
async fn each_further_hanging_invocation_halves_the_first_timeout() {
    let (mut sink, window) = sequential_sink();
    invocation_with_12_s_answers(&sink, &window, 0).await;
    sink.latency = HANG;
    let mut first_timeouts = Vec::new();
    for hang in 0..6 {
        let calls_before = sink.timeouts.lock().expect("lock").len();
        assert!(!invocation(&sink, &window, 100 * (hang + 1), 1).await.1);
        first_timeouts.push(sink.timeouts.lock().expect("lock")[calls_before]);
    }
    let halving = [36_000, 18_000, 9_000, 4_500, 2_250, 2_000].map(Duration::from_millis);
    assert_eq!(first_timeouts, halving, "three times the 12 s answer, then halved by each hang down to 2 s");
}
