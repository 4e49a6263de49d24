//! How long the stub takes to answer, drawn as a real service's latency is spread: log-normal, most answers near the
//! median and a tail several times longer (the 99th percentile `p99_ratio` times the median). A round of requests
//! in flight waits for its slowest answer, so a uniform spread of a few milliseconds would hide what the tail costs.
//! Drawn from a seeded generator of our own (the crate is std only): the same sequence on every run.

use std::time::Duration;

/// The standard normal's 99th percentile: a log-normal's p99 is its median times exp(sigma x this).
const Z_99: f64 = 2.326_347_874;

/// A log-normal latency: `median`, and the 99th percentile at `p99_ratio` times it (1: always the median).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    pub median: Duration,
    pub p99_ratio: f64,
}

impl Latency {
    /// The spread of the latency's logarithm.
    pub fn sigma(&self) -> f64 {
        self.p99_ratio.max(1.0).ln() / Z_99
    }

    /// The mean answer time: above the median by the tail, exp(sigma^2 / 2).
    pub fn mean(&self) -> Duration {
        self.median.mul_f64((self.sigma().powi(2) / 2.0).exp())
    }

    /// The answer time at standard-normal quantile `z` (0: the median; [`Z_99`]: the 99th percentile).
    pub fn at(&self, z: f64) -> Duration {
        self.median.mul_f64((self.sigma() * z).exp())
    }

    /// One answer's wait.
    pub fn draw(&self, rng: &mut Rng) -> Duration {
        if self.median.is_zero() {
            return Duration::ZERO;
        }
        self.at(rng.normal())
    }

    /// The 99th percentile.
    pub fn p99(&self) -> Duration {
        self.at(Z_99)
    }
}

/// SplitMix64: small, fast, and good enough for latencies and simulations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so that its logarithm is finite.
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box-Muller; one of the pair is enough here).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
#[path = "latency_tests.rs"]
mod tests;
