use super::planned;
use super::report::{cost_per_million, dollars, median, Results, Warm};
use crate::session::Measured;
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
fn slow_baseline_runs_one_round_under_the_smallest_shares() {
    assert!(planned("python boto3", 128, (1_000, 100), 0, 128));
    assert!(!planned("python boto3", 128, (1_000, 100), 1, 128));
    assert!(planned("python boto3", 256, (1_000, 100), 2, 128));
    assert!(planned("python print-only", 128, (1_000, 100), 2, 128));
}

#[test]
fn ten_thousand_records_run_for_score_fanout_at_the_smallest_size_only() {
    assert!(planned("score-fanout", 128, (10_000, 100), 1, 128));
    assert!(!planned("score-fanout", 256, (10_000, 100), 0, 128));
    assert!(!planned("python print-only", 128, (10_000, 100), 0, 128));
}

#[test]
fn hello_world_runs_once_per_memory_size_and_round_for_its_init() {
    assert!(planned("rust hello-world", 256, (100, 100), 1, 128));
    assert!(!planned("rust hello-world", 128, (1_000, 100), 0, 128));
}

/// A process life whose warm invocations took `walls` ms, its init `init` ms of which the checks `checks` ms.
fn life(walls: &[u64], init: u64, checks: u64) -> Measured {
    Measured {
        init: Duration::from_millis(init),
        checks: Duration::from_millis(checks),
        warm_wall: walls.iter().map(|&ms| Duration::from_micros(ms * 1000 - 300)).collect(),
        ..Measured::default()
    }
}

#[test]
fn the_first_warm_invocation_is_billed_apart_from_the_later_ones() {
    let mut results = Results::new(Latency::default(), 8);
    results.add("score-fanout", 128, 100, 88, life(&[70, 50, 52, 54], 30, 24));
    results.add("score-fanout", 128, 100, 88, life(&[66, 48, 50, 56], 32, 25));
    assert_eq!(results.billed_warm("score-fanout", 128, 100, Warm::First), Some(68.0));
    assert_eq!(results.billed_warm("score-fanout", 128, 100, Warm::Later), Some(51.0));
    assert_eq!(results.billed_init("score-fanout", 128), Some((31.0, 24.5)));
    assert_eq!(results.init_without_checks("score-fanout", 128), Some(6.5));
}

#[test]
fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(Vec::new()), None);
}
