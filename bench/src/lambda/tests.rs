use super::planned;
use super::report::{cost_per_million, dollars, floor_ms};
use crate::stub::Latency;
use std::time::Duration;

#[test]
fn cost_per_million_records_adds_duration_and_request_charges() {
    // 60 ms at 128 MB: 0.06 s x 0.125 GB x $0.0000133334 + $0.0000002, for 10,000 invocations of 100 records.
    let cost = cost_per_million(60.0, 128, 100);
    assert!((cost - 0.003_000_005).abs() < 1e-9, "{cost}");
    assert_eq!(dollars(cost), "$0.003000");
}

#[test]
fn floor_is_rounds_of_requests_in_flight_times_the_mean_latency() {
    let latency = Duration::from_millis(20);
    // 88 events: 9 requests per sink; 8 at a time is 2 rounds, 4 at a time 3.
    assert_eq!(floor_ms(88, 8, latency), 40.0);
    assert_eq!(floor_ms(88, 4, latency), 60.0);
    // 904 events: 91 requests per sink, 12 rounds of 8.
    assert_eq!(floor_ms(904, 8, latency), 240.0);
}

#[test]
fn jitter_stays_within_the_mean_plus_or_minus_the_jitter() {
    let latency = Latency { mean: Duration::from_millis(20), jitter: Duration::from_millis(5) };
    assert_eq!(latency.draw(0), Duration::from_millis(15));
    assert!(latency.draw(u64::MAX) <= Duration::from_millis(25));
    assert!(latency.draw(u64::MAX) > Duration::from_micros(24_999));
    assert_eq!(latency.draw(1 << 63), Duration::from_millis(20));
}

#[test]
fn slow_baseline_runs_one_round_under_the_smallest_shares() {
    assert!(planned("python boto3", 128, 1_000, 0, 128));
    assert!(!planned("python boto3", 128, 1_000, 1, 128));
    assert!(planned("python boto3", 256, 1_000, 2, 128));
    assert!(planned("python print-only", 128, 1_000, 2, 128));
}

#[test]
fn ten_thousand_records_run_for_score_fanout_at_the_smallest_size_only() {
    assert!(planned("score-fanout", 128, 10_000, 1, 128));
    assert!(!planned("score-fanout", 256, 10_000, 0, 128));
    assert!(!planned("python print-only", 128, 10_000, 0, 128));
}
