use super::floor_ms;
use crate::stub::Latency;
use std::time::Duration;

fn median_20_ms(p99_ratio: f64) -> Latency {
    Latency { median: Duration::from_millis(20), p99_ratio }
}

#[test]
fn without_a_tail_the_floor_is_rounds_of_requests_in_flight_times_the_latency() {
    let flat = median_20_ms(1.0);
    // 9 requests per sink, 8 at a time: 2 rounds; 91: 12 rounds.
    assert!((floor_ms(9, 8, &flat) - 40.0).abs() < 1e-6);
    assert!((floor_ms(91, 8, &flat) - 240.0).abs() < 1e-6);
    assert!((floor_ms(9, 4, &flat) - 60.0).abs() < 1e-6);
}

#[test]
fn a_tail_raises_the_floor_above_rounds_of_the_median() {
    let tail = median_20_ms(4.0);
    let (hundred, thousand) = (floor_ms(9, 8, &tail), floor_ms(91, 8, &tail));
    assert!(hundred > 40.0 * 1.3, "{hundred}");
    // A window that sends as each answer returns spreads the tail over the batch: the floor grows with the mean
    // latency (23.9 ms), plus the wait for the last answers.
    assert!(thousand > 91.0 / 8.0 * 23.9 && thousand < 12.0 * 80.0, "{thousand}");
}

#[test]
fn the_floor_is_the_same_on_every_run() {
    assert_eq!(floor_ms(91, 8, &median_20_ms(4.0)), floor_ms(91, 8, &median_20_ms(4.0)));
}
