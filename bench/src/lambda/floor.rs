//! The floor of a batch: the least it can take however fast the function, against sinks whose answers take the
//! stub's latency. Each sink's requests go out `in_flight` at a time, the next as soon as one is answered; the batch
//! ends with the slower of the two sinks. With a latency tail that is more than rounds of the median: the mean of a
//! round's slowest answer is above the median, and the last requests wait for the tail. So it is simulated, with
//! the stub's own distribution and a fixed seed: the same floor on every run.

use crate::stub::{Latency, Rng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// Batches simulated; the floor is their mean.
const TRIALS: usize = 4_000;
/// Sinks published to at once (EventBridge and SNS), each with its own window.
const SINKS: usize = 2;

/// The mean time of a batch of `requests` requests per sink at `in_flight` requests per sink at once, in ms.
pub fn floor_ms(requests: usize, in_flight: usize, latency: &Latency) -> f64 {
    let mut rng = Rng::new(0x000f_1004_5eed);
    let total: f64 = (0..TRIALS)
        .map(|_| {
            (0..SINKS).map(|_| one_sink(requests, in_flight, latency, &mut rng)).fold(Duration::ZERO, Duration::max)
        })
        .map(|batch| batch.as_secs_f64() * 1e3)
        .sum();
    total / TRIALS as f64
}

/// When the last of `requests` requests is answered, each sent as soon as one of `in_flight` slots is free.
fn one_sink(requests: usize, in_flight: usize, latency: &Latency, rng: &mut Rng) -> Duration {
    // The times at which each slot is next free, earliest first.
    let mut free: BinaryHeap<Reverse<Duration>> = (0..in_flight.max(1)).map(|_| Reverse(Duration::ZERO)).collect();
    let mut end = Duration::ZERO;
    for _ in 0..requests {
        let Some(Reverse(at)) = free.pop() else { break };
        let answered = at + latency.draw(rng);
        end = end.max(answered);
        free.push(Reverse(answered));
    }
    end
}

#[cfg(test)]
#[path = "floor_tests.rs"]
mod tests;
