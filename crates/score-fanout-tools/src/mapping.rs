//! Running the handler the way Lambda's event source mapping does: batches of records, each invocation resumed
//! from the checkpoint it reported, a bounded number of retries, and the skipped range reported when they run out.

use score_fanout::{sequence_number_of, DeadLetter, Handler, Invocation, Publish, RetryBudget, StreamEvent, Tally};
use serde_json::value::RawValue;
use std::time::{Duration, Instant};

/// How the emulated event source mapping invokes the function.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    /// Records per invocation (`BatchSize`).
    pub batch_size: usize,
    /// Retries of a batch that keeps reporting a failure (`MaximumRetryAttempts`).
    pub max_retries: u32,
    /// The function's timeout: each invocation's deadline.
    pub timeout: Duration,
}

/// One attempt at a batch: an invocation as it happened.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Index of the batch's first record in the input.
    pub first: usize,
    /// Records in the batch.
    pub records: usize,
    /// The `batchItemFailures` item the function answered, if any.
    pub checkpoint: Option<String>,
    /// How long the invocation took, to compare with its timeout.
    pub took: Duration,
    /// What the handler did with the batch.
    pub tally: Tally,
}

/// Records skipped once retries ran out, as Lambda's on-failure destination would record them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub first_sequence_number: Option<String>,
    pub last_sequence_number: Option<String>,
    pub records: usize,
    /// Where the range is in the records fed: `from..to`.
    pub from: usize,
    pub to: usize,
}

/// Everything that happened while feeding a list of records to the handler.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every invocation, in order.
    pub attempts: Vec<Attempt>,
    /// The ranges skipped once retries ran out.
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// Appends what happened in another stretch of the stream.
    pub fn extend(&mut self, other: Report) {
        self.attempts.extend(other.attempts);
        self.skipped.extend(other.skipped);
    }

    /// The events of the records the function is done with: each record's event counted once, however many times
    /// Lambda handed the record back.
    pub fn settled_events(&self) -> u64 {
        self.attempts.iter().map(|attempt| attempt.tally.settled_events).sum()
    }
}

/// The records of a Lambda event file (such as `events/*.json`), or why it is not one: a file without `Records`
/// is refused rather than read as an empty batch.
pub fn read_event_file(path: &str) -> Result<Vec<Box<RawValue>>, String> {
    #[derive(serde::Deserialize)]
    struct EventFile {
        #[serde(rename = "Records")]
        records: Vec<Box<RawValue>>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let event: EventFile = serde_json::from_str(&text).map_err(|e| format!("{path}: not a stream event: {e}"))?;
    Ok(event.records)
}

/// Feeds `records` to `handler` in batches, resuming from each reported checkpoint.
pub async fn feed<P: Publish, D: DeadLetter>(
    handler: &Handler<P, D>,
    records: Vec<Box<RawValue>>,
    mapping: Mapping,
) -> Report {
    let mut report = Report::default();
    let batch_size = mapping.batch_size.max(1);
    let mut start = 0;
    let mut retries = 0;
    while start < records.len() {
        let end = (start + batch_size).min(records.len());
        let event = StreamEvent { records: records[start..end].to_vec() };
        let started = Instant::now();
        let within = Invocation::new(RetryBudget::new(mapping.timeout));
        let handled = handler.handle(&event, &within).await;
        let took = started.elapsed();
        let answer = handled.response.batch_item_failures.first();
        let checkpoint = answer.and_then(|failure| failure.item_identifier.clone());
        let tally = handled.tally;
        let batch = event.records.len();
        report.attempts.push(Attempt { first: start, records: batch, checkpoint: checkpoint.clone(), took, tally });
        // Like Lambda, the mapping reads the answer's identifier against the batch itself (never the handler's own
        // index of it): an identifier that names no record of the batch fails the whole batch.
        let failed_at = checkpoint.as_deref().map(|wanted| {
            records[start..end]
                .iter()
                .position(|record| sequence_number_of(record).as_deref() == Some(wanted))
                .unwrap_or(0)
        });
        match failed_at {
            None => {
                start = end;
                retries = 0;
            }
            Some(offset) if retries < mapping.max_retries => {
                start += offset;
                retries += 1;
            }
            Some(offset) => {
                let from = start + offset;
                report.skipped.push(Skipped {
                    first_sequence_number: sequence_number_of(&records[from]),
                    last_sequence_number: sequence_number_of(&records[end - 1]),
                    records: end - from,
                    from,
                    to: end,
                });
                start = end;
                retries = 0;
            }
        }
    }
    report
}
