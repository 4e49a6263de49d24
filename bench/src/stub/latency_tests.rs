use super::{Latency, Rng};
use std::time::Duration;

fn twenty_ms_p99_four_times() -> Latency {
    Latency { median: Duration::from_millis(20), p99_ratio: 4.0 }
}

/// `n` draws, sorted.
fn draws(latency: &Latency, n: usize) -> Vec<Duration> {
    let mut rng = Rng::new(7);
    let mut draws: Vec<Duration> = (0..n).map(|_| latency.draw(&mut rng)).collect();
    draws.sort();
    draws
}

#[test]
fn draws_have_the_median_and_the_tail_asked_for() {
    let latency = twenty_ms_p99_four_times();
    let draws = draws(&latency, 200_000);
    let (median, p99) = (draws[draws.len() / 2].as_secs_f64(), draws[draws.len() * 99 / 100].as_secs_f64());
    assert!((median / 0.020 - 1.0).abs() < 0.02, "median {median}");
    assert!((p99 / median - 4.0).abs() < 0.15, "p99 / median {}", p99 / median);
    let mean = draws.iter().map(Duration::as_secs_f64).sum::<f64>() / draws.len() as f64;
    assert!((mean / latency.mean().as_secs_f64() - 1.0).abs() < 0.02, "mean {mean} against {:?}", latency.mean());
}

#[test]
fn the_same_seed_draws_the_same_latencies() {
    let latency = twenty_ms_p99_four_times();
    let (mut a, mut b) = (Rng::new(42), Rng::new(42));
    let first: Vec<Duration> = (0..100).map(|_| latency.draw(&mut a)).collect();
    let second: Vec<Duration> = (0..100).map(|_| latency.draw(&mut b)).collect();
    assert_eq!(first, second);
}

#[test]
fn no_tail_is_always_the_median_and_no_latency_answers_at_once() {
    let mut rng = Rng::new(1);
    let flat = Latency { median: Duration::from_millis(20), p99_ratio: 1.0 };
    assert!((0..100).all(|_| flat.draw(&mut rng) == Duration::from_millis(20)));
    assert_eq!(Latency::default().draw(&mut rng), Duration::ZERO);
}

#[test]
fn p99_is_the_median_times_the_ratio() {
    let p99 = twenty_ms_p99_four_times().p99().as_secs_f64();
    assert!((p99 - 0.080).abs() < 1e-6, "{p99}");
}
