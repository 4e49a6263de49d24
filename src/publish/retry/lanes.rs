//! The order entries may go out in: one lane per FIFO message group (or per entry, without ordering), and only a
//! lane's head may be in flight, so that one player's events reach a FIFO topic in the order they happened.

use crate::publish::sink::Prepared;
use std::collections::HashMap;

/// Entries waiting to be delivered, in event order. The entry behind a lane's head goes once the head is
/// delivered or rejected.
pub(super) struct Lanes {
    /// Whether each entry heads its lane now.
    head: Vec<bool>,
    /// The entry next in line behind each entry of a FIFO lane.
    behind: Vec<Option<u32>>,
}

impl Lanes {
    /// The lanes of `prepared`, without the entries `done` says need no sending.
    pub(super) fn new<E>(prepared: &[Prepared<E>], done: &[bool]) -> Self {
        let mut head: Vec<bool> = done.iter().map(|done| !done).collect();
        let mut behind = vec![None; prepared.len()];
        let mut last_of_group: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in prepared.iter().enumerate().filter(|&(index, _)| !done[index]) {
            if let Some(group) = &entry.group {
                if let Some(last) = last_of_group.insert(group, index) {
                    // Lambda hands over at most 10,000 records: an index always fits.
                    behind[last] = u32::try_from(index).ok();
                    head[index] = false;
                }
            }
        }
        Self { head, behind }
    }

    /// The entry at the front of each lane, in event order: the only ones that may be sent now.
    pub(super) fn heads(&self) -> impl Iterator<Item = usize> + '_ {
        self.head.iter().enumerate().filter_map(|(index, &head)| head.then_some(index))
    }

    /// Removes a delivered (or rejected) head, letting the next entry of its lane go.
    pub(super) fn pop(&mut self, index: usize) {
        if std::mem::take(&mut self.head[index]) {
            if let Some(next) = self.behind[index] {
                self.head[next as usize] = true;
            }
        }
    }

    /// The entries waiting behind `index`, in order.
    pub(super) fn waiting_behind(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.behind[index].map(|next| next as usize), |&i| self.behind[i].map(|n| n as usize))
    }
}
