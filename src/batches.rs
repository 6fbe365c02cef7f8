//! Values handed from one thread to another in batches, the emptied batches coming back.
//!
//! Both helper threads of the simulator move values this way: [`crate::ahead`] computes
//! random draws ahead of the event loop, [`crate::divergence::Background`] applies the
//! target-vs-source bookkeeping behind it. Batches make the channel cost nothing per value;
//! sending the emptied vectors back makes the steady state allocate nothing. A bounded
//! number of batches wait, so a slow receiver holds the filler back instead of letting
//! memory grow.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// The filling end: values go in one at a time and leave as full batches.
pub struct Filler<T> {
    batch: Vec<T>,
    size: usize,
    /// None once the drainer is gone.
    tx: Option<SyncSender<Vec<T>>>,
    /// Emptied batches coming back.
    spare: Receiver<Vec<T>>,
}

/// The draining end: full batches come out, emptied ones go back.
pub struct Drainer<T> {
    rx: Receiver<Vec<T>>,
    back: SyncSender<Vec<T>>,
}

/// A channel of batches of `size` values with at most `in_flight` full batches waiting.
pub fn channel<T>(size: usize, in_flight: usize) -> (Filler<T>, Drainer<T>) {
    assert!(size > 0, "a batch holds at least one value");
    let (tx, rx) = sync_channel(in_flight);
    let (back, spare) = sync_channel(in_flight + 1);
    let filler = Filler {
        batch: Vec::with_capacity(size),
        size,
        tx: Some(tx),
        spare,
    };
    (filler, Drainer { rx, back })
}

impl<T> Filler<T> {
    /// Adds `v`, sending the batch when it is full (waiting while `in_flight` batches
    /// wait). False once the drainer is gone: the values are then dropped.
    #[inline]
    pub fn push(&mut self, v: T) -> bool {
        self.batch.push(v);
        if self.batch.len() == self.size {
            self.flush()
        } else {
            self.tx.is_some()
        }
    }

    /// Sends the values added since the last batch left, if any. False once the drainer is
    /// gone.
    pub fn flush(&mut self) -> bool {
        if !self.batch.is_empty() {
            let next = self
                .spare
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(self.size));
            let full = std::mem::replace(&mut self.batch, next);
            if let Some(tx) = &self.tx {
                if tx.send(full).is_err() {
                    self.tx = None;
                }
            }
        }
        self.tx.is_some()
    }
}

impl<T> Drainer<T> {
    /// The next batch (never empty), in the order they were filled; None once the filler
    /// is gone and every batch it sent has been taken.
    pub fn next_batch(&self) -> Option<Vec<T>> {
        self.rx.recv().ok()
    }

    /// Hands `batch` back for reuse; it is dropped when the filler is gone or has spares
    /// enough.
    pub fn give_back(&self, mut batch: Vec<T>) {
        batch.clear();
        let _ = self.back.try_send(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value arrives once, in order, across full and partial batches, from another
    /// thread.
    #[test]
    fn values_arrive_in_order() {
        let (mut fill, drain) = channel::<u32>(8, 2);
        let worker = std::thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(batch) = drain.next_batch() {
                assert!(!batch.is_empty() && batch.len() <= 8);
                got.extend_from_slice(&batch);
                drain.give_back(batch);
            }
            got
        });
        for v in 0..1_000 {
            assert!(fill.push(v));
        }
        assert!(fill.flush());
        drop(fill);
        assert_eq!(worker.join().unwrap(), (0..1_000).collect::<Vec<_>>());
    }

    /// A batch given back is the one the filler fills next but one.
    #[test]
    fn emptied_batches_are_reused() {
        let (mut fill, drain) = channel::<u32>(4, 4);
        (0..4).for_each(|v| assert!(fill.push(v)));
        let first = drain.next_batch().unwrap();
        let reused = first.as_ptr();
        drain.give_back(first);
        (4..12).for_each(|v| assert!(fill.push(v)));
        assert_eq!(drain.next_batch().unwrap(), [4, 5, 6, 7]);
        let third = drain.next_batch().unwrap();
        assert_eq!(third, [8, 9, 10, 11]);
        assert_eq!(third.as_ptr(), reused);
    }

    /// A filler whose drainer is gone says so instead of blocking.
    #[test]
    fn a_gone_drainer_is_reported() {
        let (mut fill, drain) = channel::<u8>(2, 1);
        drop(drain);
        assert!(fill.push(1));
        assert!(!fill.push(2));
        assert!(!fill.push(3));
        assert!(!fill.flush());
    }
}
