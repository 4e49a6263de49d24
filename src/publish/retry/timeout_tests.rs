//! Where a warm invocation's call timeout starts: the median of the last three invocations' slowest answers, halved
//! by each hang since.

use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn after(invocations: &[Calls]) -> WarmStart {
    let mut warm = WarmStart::default();
    for &calls in invocations {
        warm.record(calls);
    }
    warm
}

fn answered(seconds: f64) -> Calls {
    Calls::Answered { slowest: Duration::from_secs_f64(seconds) }
}

#[test]
fn a_new_sink_starts_at_the_base() {
    assert_eq!(WarmStart::default().first_timeout(), BASE);
    assert_eq!(after(&[Calls::Hung, Calls::None]).first_timeout(), BASE);
}

#[test]
fn the_start_is_three_times_the_median_of_the_last_three_slowest_answers() {
    assert_eq!(after(&[answered(12.0)]).first_timeout(), 36 * SECOND);
    assert_eq!(after(&[answered(0.02), answered(0.02), answered(12.0)]).first_timeout(), BASE, "one slow among fast");
    assert_eq!(after(&[answered(4.0), answered(12.0)]).first_timeout(), 24 * SECOND, "of two, their mean");
    let oldest_forgotten = [answered(0.02), answered(12.0), answered(10.0), answered(11.0)];
    assert_eq!(after(&oldest_forgotten).first_timeout(), 33 * SECOND);
}

#[test]
fn each_hang_halves_the_start_down_to_the_base_and_an_answer_ends_the_halving() {
    let mut warm = after(&[answered(12.0)]);
    let mut starts = Vec::new();
    for _ in 0..6 {
        warm.record(Calls::Hung);
        starts.push(warm.first_timeout());
    }
    assert_eq!(starts, [18_000, 9_000, 4_500, 2_250, 2_000, 2_000].map(Duration::from_millis));
    warm.record(answered(10.0));
    assert_eq!(warm.first_timeout(), 33 * SECOND, "median of 12 s and 10 s, no longer halved");
}

#[test]
fn an_invocation_that_made_no_call_changes_nothing() {
    let warm = after(&[answered(12.0), Calls::Hung]);
    assert_eq!(after(&[answered(12.0), Calls::Hung, Calls::None]), warm);
}

#[test]
fn an_invocation_is_a_hang_only_when_no_call_was_answered() {
    let mut timeout = CallTimeout::new(&WarmStart::default());
    assert_eq!(timeout.calls(), Calls::None);
    timeout.ran_out(BASE);
    assert_eq!(timeout.calls(), Calls::Hung);
    timeout.answered(3 * SECOND);
    timeout.ran_out(4 * SECOND);
    assert_eq!(timeout.calls(), Calls::Answered { slowest: 3 * SECOND });
}
