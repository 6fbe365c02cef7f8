//! Granule bitmaps stored as 64-bit words, the shape of the block's RAMs.
//!
//! Range operations walk the words a range touches with a mask per word, never the bits
//! one by one: the same arithmetic the RTL does per cycle.

use std::fmt::Write as _;

/// Bits of a word from `lo` to `hi` inclusive (`lo <= hi < 64`).
#[inline]
pub fn word_mask(lo: u32, hi: u32) -> u64 {
    debug_assert!(lo <= hi && hi < 64);
    (u64::MAX << lo) & (u64::MAX >> (63 - hi))
}

/// Calls `f(word_index, mask)` for each word that granules `[lo, hi)` touch.
#[inline]
pub fn for_each_word(lo: u64, hi: u64, mut f: impl FnMut(usize, u64)) {
    if lo >= hi {
        return;
    }
    let last = hi - 1;
    let (w0, w1) = (lo / 64, last / 64);
    for w in w0..=w1 {
        let a = if w == w0 { (lo % 64) as u32 } else { 0 };
        let b = if w == w1 { (last % 64) as u32 } else { 63 };
        f(w as usize, word_mask(a, b));
    }
}

/// A bitmap of `len` granules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    /// Granule `g` is bit `g % 64` of word `g / 64`; bits at or beyond `len` are zero.
    words: Vec<u64>,
    len: u64,
}

impl Bitmap {
    /// An all-zero bitmap of `len` granules (storage rounded up to whole words).
    pub fn new(len: u64) -> Self {
        let words = len.div_ceil(64) as usize;
        Bitmap {
            words: vec![0u64; words],
            len,
        }
    }

    /// A bitmap of `len` granules, every one set.
    pub fn full(len: u64) -> Self {
        let mut all = Bitmap::new(len);
        all.set_range(0, len);
        all
    }

    /// A bitmap from its words; bits at or beyond `len` must be zero.
    pub fn from_words(words: Vec<u64>, len: u64) -> Self {
        assert_eq!(
            words.len() as u64,
            len.div_ceil(64),
            "word count does not match length"
        );
        debug_assert!(
            len % 64 == 0 || words.last().map_or(true, |&w| w >> (len % 64) == 0),
            "bits beyond the length"
        );
        Bitmap { words, len }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn words(&self) -> &[u64] {
        &self.words
    }

    pub fn get(&self, granule: u64) -> bool {
        granule < self.len && (self.words[(granule / 64) as usize] >> (granule % 64)) & 1 != 0
    }

    pub fn count_ones(&self) -> u64 {
        self.words().iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Sets granules `[lo, hi)`; returns how many were 0 before.
    pub fn set_range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(
            hi <= self.len,
            "range end {hi} beyond bitmap of {}",
            self.len
        );
        let words = &mut self.words;
        let mut newly = 0;
        for_each_word(lo, hi, |w, m| {
            newly += u64::from((m & !words[w]).count_ones());
            words[w] |= m;
        });
        newly
    }

    /// Clears granules `[lo, hi)`; returns how many were 1 before.
    pub fn clear_range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(
            hi <= self.len,
            "range end {hi} beyond bitmap of {}",
            self.len
        );
        let words = &mut self.words;
        let mut cleared = 0;
        for_each_word(lo, hi, |w, m| {
            cleared += u64::from((m & words[w]).count_ones());
            words[w] &= !m;
        });
        cleared
    }

    /// Maximal runs of set granules as `[start, end)`, ascending; skips zero words whole.
    pub fn runs(&self) -> Runs<'_> {
        Runs {
            words: self.words(),
            pos: 0,
            len: self.len,
        }
    }

    /// The first run of set granules at or after `from`, as `[start, end)`.
    pub fn next_run(&self, from: u64) -> Option<(u64, u64)> {
        let mut runs = self.runs();
        runs.pos = from;
        runs.next()
    }

    /// Set granules, ascending.
    pub fn iter_ones(&self) -> impl Iterator<Item = u64> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let base = w as u64 * 64;
            std::iter::successors((word != 0).then_some(word), |&rest| {
                let rest = rest & (rest - 1);
                (rest != 0).then_some(rest)
            })
            .map(move |rest| base + u64::from(rest.trailing_zeros()))
        })
    }

    /// The trace notation: `a-b` runs (inclusive), comma-separated, `-` when empty.
    pub fn format_ranges(&self) -> String {
        let mut out = String::new();
        for (start, end) in self.runs() {
            if !out.is_empty() {
                out.push(',');
            }
            if end - start == 1 {
                write!(out, "{start}").unwrap();
            } else {
                write!(out, "{start}-{}", end - 1).unwrap();
            }
        }
        if out.is_empty() {
            out.push('-');
        }
        out
    }
}

/// Iterator over runs of set bits, see [`Bitmap::runs`].
pub struct Runs<'a> {
    words: &'a [u64],
    pos: u64,
    len: u64,
}

impl Runs<'_> {
    /// First granule at or after `from` whose bit equals `value`, or `len`.
    fn next_with(&self, from: u64, value: bool) -> u64 {
        let mut g = from;
        while g < self.len {
            let w = (g / 64) as usize;
            let word = if value { self.words[w] } else { !self.words[w] };
            let rest = word >> (g % 64);
            if rest != 0 {
                return (g + u64::from(rest.trailing_zeros())).min(self.len);
            }
            g = (g / 64 + 1) * 64;
        }
        self.len
    }
}

impl Iterator for Runs<'_> {
    type Item = (u64, u64);
    fn next(&mut self) -> Option<(u64, u64)> {
        let start = self.next_with(self.pos, true);
        if start >= self.len {
            self.pos = self.len;
            return None;
        }
        let end = self.next_with(start, false);
        self.pos = end;
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(word_mask(0, 63), u64::MAX);
        assert_eq!(word_mask(0, 0), 1);
        assert_eq!(word_mask(63, 63), 1 << 63);
        assert_eq!(word_mask(4, 7), 0xF0);
    }

    #[test]
    fn a_full_bitmap_sets_every_granule_and_nothing_beyond() {
        let b = Bitmap::full(70);
        assert_eq!(
            (b.count_ones(), b.format_ranges()),
            (70, "0-69".to_string())
        );
        assert_eq!(b.words(), [u64::MAX, 0x3F]);
    }

    #[test]
    fn range_ops_count_transitions_across_words() {
        let mut b = Bitmap::new(200);
        assert_eq!(b.set_range(60, 130), 70);
        assert_eq!(b.set_range(0, 64), 60);
        assert_eq!(b.count_ones(), 130);
        assert_eq!(b.clear_range(100, 200), 30);
        assert_eq!(b.format_ranges(), "0-99");
        assert!(b.get(99) && !b.get(100));
    }

    #[test]
    fn runs_and_format() {
        let mut b = Bitmap::new(130);
        assert_eq!(b.format_ranges(), "-");
        b.set_range(0, 3);
        b.set_range(9, 10);
        b.set_range(63, 65);
        b.set_range(129, 130);
        assert_eq!(
            b.runs().collect::<Vec<_>>(),
            vec![(0, 3), (9, 10), (63, 65), (129, 130)]
        );
        assert_eq!(b.format_ranges(), "0-2,9,63-64,129");
        assert_eq!(b.iter_ones().count() as u64, b.count_ones());
    }

    #[test]
    fn full_bitmap_is_one_run() {
        let mut b = Bitmap::new(128);
        b.set_range(0, 128);
        assert_eq!(b.runs().collect::<Vec<_>>(), vec![(0, 128)]);
    }
}
