//! A deterministic sequence computed ahead on another core.
//!
//! The simulator's random draws do not depend on what they are used for: the k-th draw of
//! a stream is the same number whenever it is taken. So the costly part of a draw (the
//! logarithm of an exponential, a Zipf rejection loop) can be computed by a producer
//! thread in batches while the event loop, which must run in order on one core, only
//! takes the next value. The values and their order are exactly those of computing them
//! in place.

use crate::batches::{self, Drainer};

/// Values per hand-over.
const BATCH: usize = 4096;
/// Batches computed ahead at most.
const IN_FLIGHT: usize = 4;

/// The values of a producer closure, in order, computed on a thread of their own.
pub struct Ahead<T> {
    batch: Vec<T>,
    /// The next value's index in `batch`.
    at: usize,
    from: Drainer<T>,
}

impl<T: Copy + Send + 'static> Ahead<T> {
    /// Runs `next` on a thread named `name` until this is dropped.
    pub fn spawn(name: &str, mut next: impl FnMut() -> T + Send + 'static) -> Self {
        let (mut to, from) = batches::channel(BATCH, IN_FLIGHT);
        std::thread::Builder::new()
            .name(name.into())
            // Until the consumer is gone.
            .spawn(move || while to.push(next()) {})
            .expect("spawning a producer thread");
        Ahead {
            batch: Vec::new(),
            at: 0,
            from,
        }
    }

    /// The next value of the sequence.
    #[inline]
    pub fn take_next(&mut self) -> T {
        if self.at == self.batch.len() {
            self.refill();
        }
        self.at += 1;
        self.batch[self.at - 1]
    }

    #[cold]
    fn refill(&mut self) {
        let full = self
            .from
            .next_batch()
            .expect("a producer thread ended (it panicked: see above)");
        let spent = std::mem::replace(&mut self.batch, full);
        self.at = 0;
        self.from.give_back(spent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The same values in the same order as calling the producer in place, across many
    /// batches.
    #[test]
    fn same_sequence_as_in_place() {
        let mut here = Rng::new(7);
        let mut there = {
            let mut rng = Rng::new(7);
            Ahead::spawn("test", move || rng.exp(3.0))
        };
        for i in 0..5 * BATCH + 17 {
            assert_eq!(
                here.exp(3.0).to_bits(),
                there.take_next().to_bits(),
                "value {i}"
            );
        }
    }

    /// Dropping the consumer ends the producer (its send fails) instead of leaving it
    /// blocked forever.
    #[test]
    fn dropping_the_consumer_ends_the_producer() {
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        // Dropped with the closure, when the thread returns.
        let mut a = Ahead::spawn("test", move || {
            let _keep = &done_tx;
            1u8
        });
        assert_eq!(a.take_next(), 1);
        drop(a);
        assert!(done_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .is_err_and(|e| e == std::sync::mpsc::RecvTimeoutError::Disconnected));
    }
}
