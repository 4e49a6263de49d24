//! How long one invocation may retry: stop in time to answer before the deadline, and never longer than a bound,
//! so that an outage costs bounded time per invocation; and the pause between tries.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Retrying stops after this long, so that an outage costs bounded time per invocation.
pub const MAX_RETRYING: Duration = Duration::from_secs(10);
/// Time always kept before the deadline, at least: enough to answer and dead-letter poison.
pub const MIN_RESERVE: Duration = Duration::from_secs(1);
pub(super) const BACKOFF_BASE: Duration = Duration::from_millis(50);
pub(super) const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// When an invocation stops retrying, and when it abandons requests still in flight.
#[derive(Clone, Copy, Debug)]
pub struct RetryBudget {
    stop_at: Instant,
    cut_off: Instant,
    park_by: Instant,
}

impl RetryBudget {
    /// For an invocation starting now with `time_left` before its deadline: stop when less than
    /// max(1 s, 10% of `time_left`) remains, or after [`MAX_RETRYING`], whichever comes first.
    pub fn new(time_left: Duration) -> Self {
        let reserve = MIN_RESERVE.max(time_left / 10);
        let now = Instant::now();
        Self {
            stop_at: now + time_left.saturating_sub(reserve).min(MAX_RETRYING),
            // Half the reserve stays for dead-lettering and answering, whatever a request in flight does,
            // and a quarter for answering, whatever the dead-letter queue does.
            cut_off: now + time_left.saturating_sub(reserve / 2),
            park_by: now + time_left.saturating_sub(reserve / 4),
        }
    }

    /// For a Lambda deadline given in milliseconds since the Unix epoch (`Lambda-Runtime-Deadline-Ms`).
    pub fn from_deadline_ms(deadline_ms: u64) -> Self {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_millis());
        let left_ms = u128::from(deadline_ms).saturating_sub(now_ms);
        Self::new(Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX)))
    }

    /// The instant retrying stops.
    pub fn stop_at(&self) -> Instant {
        self.stop_at
    }

    /// The instant a request still in flight is abandoned (and counts as failed).
    pub fn cut_off(&self) -> Instant {
        self.cut_off
    }

    /// The instant a dead-letter send still in flight is abandoned (its record becomes the checkpoint).
    pub fn park_by(&self) -> Instant {
        self.park_by
    }
}

/// What one invocation's publishing is bound by and carries on: its retry budget and the X-Ray trace header of
/// the invocation (`Lambda-Runtime-Trace-Id`), passed on to EventBridge and SNS so that a trace crosses into them.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// When retrying stops.
    pub budget: RetryBudget,
    /// `Lambda-Runtime-Trace-Id`, when the invocation is traced.
    pub trace_header: Option<String>,
}

impl Invocation {
    /// An invocation with `budget` and no trace.
    pub fn new(budget: RetryBudget) -> Self {
        Self { budget, trace_header: None }
    }

    /// An invocation with `budget` within Lambda's trace `trace_header`, when it has one.
    pub fn traced(budget: RetryBudget, trace_header: Option<String>) -> Self {
        Self { budget, trace_header: trace_header.filter(|header| !header.is_empty()) }
    }
}

/// The pause before retry number `tries`: uniformly random up to min(cap, base * 2^(tries - 1)) ("full jitter"),
/// so that many shards retrying at once spread their calls instead of arriving together.
pub fn backoff(tries: u32) -> Duration {
    let ceiling = BACKOFF_BASE.saturating_mul(1 << tries.saturating_sub(1).min(16)).min(BACKOFF_CAP);
    ceiling.mul_f64(fastrand::f64())
}
