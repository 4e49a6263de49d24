//! A redrive's summary as the operator reads it: a table of the items and what became of each, a total, the notes,
//! and the error that ended the run early; and the exit code that says whether anything is left to do.

use super::outcome::{Outcome, Summary};
use std::fmt::Write;

/// The summary's text, and the exit code: 0 when everything is done, 1 when something was kept, 2 when the run
/// stopped early.
pub fn render(summary: &Summary, dry_run: bool) -> (String, u8) {
    let mut out = String::new();
    let lines = &summary.lines;
    if lines.is_empty() {
        out.push_str("nothing to redrive: nothing is waiting\n");
    } else {
        let width = lines.iter().map(|line| line.subject.len()).max().unwrap_or(0).max(7);
        let _ = writeln!(out, "{:<width$}  {:>7}  {:>6}  result", "item", "records", "events");
        let (mut done, mut earlier, mut kept, mut records, mut events) = (0, 0, 0, 0, 0);
        for line in lines {
            let (count, published, result) = match &line.outcome {
                Outcome::Redriven { records, events, to } => (*records, *events, format!("delivered to {to}")),
                Outcome::WouldRedrive { records, events, to } => {
                    (*records, *events, format!("would be delivered to {to} (dry run)"))
                }
                Outcome::AlreadyRedriven(note) => (0, 0, note.clone()),
                Outcome::Kept(reason) => (0, 0, format!("kept: {reason}")),
            };
            match line.outcome {
                Outcome::Kept(_) => kept += 1,
                Outcome::AlreadyRedriven(_) => earlier += 1,
                _ => done += 1,
            }
            (records, events) = (records + count, events + published);
            let _ = writeln!(out, "{:<width$}  {count:>7}  {published:>6}  {result}", line.subject);
        }
        let verb = if dry_run { "would be redriven" } else { "redriven" };
        let _ = writeln!(
            out,
            "total: {} item(s): {done} {verb} ({records} records, {events} events), {earlier} redriven before, {kept} kept",
            lines.len()
        );
    }
    for note in &summary.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if let Some(error) = &summary.stopped {
        let _ = writeln!(out, "stopped early: {error}");
    }
    (out, exit_code(summary))
}

fn exit_code(summary: &Summary) -> u8 {
    if summary.stopped.is_some() {
        2
    } else if summary.lines.iter().any(|line| matches!(line.outcome, Outcome::Kept(_))) {
        1
    } else {
        0
    }
}
