//! Lockstep: the Verilated RTL against the golden model.
//!
//! A scoreboard drives one random operation stream into both, cycle by cycle on the RTL
//! side. It records the order in which the RTL accepted snoop operations (a copy read
//! before a user write in the same cycle) and feeds the golden model in that order. After
//! every batch it compares every counter, status and error register, and at every swap and
//! query both bitmaps. The streams lean on the hard cases: back-to-back operations on the
//! same word, a write and a copy read of the same granule in the same cycle, commands landing
//! while operations are still in the pipeline, ranges across word boundaries and the
//! namespace end, and every bad input. They run with and without idle cycles, at both
//! built bitmap sizes.
#![cfg(feature = "rtl")]

mod common;

use common::for_each_seed;
use lmsnoop::rng::Rng;
use lmsnoop_regs::Method;
use lmsnoop_regs::*;
use lmsnoop_sim::rtl::{RtlBuild, RtlTracker};
use lmsnoop_sim::{GoldenTracker, Snoop, TrackerPort};

/// Registers compared after every batch (the counters' LO before HI, so HI is latched).
const COMPARED: &[u32] = &[
    STATUS,
    ERR,
    IRQ_STATUS,
    CURSOR,
    SWAP_COUNT,
    ACTIVE_COUNT,
    PASSIVE_COUNT,
    NS_GRANULES,
    WRITES_SEEN_LO,
    WRITES_SEEN_HI,
    BITS_SET_LO,
    BITS_SET_HI,
    BITS_SKIPPED_LO,
    BITS_SKIPPED_HI,
    COPY_READS_SEEN_LO,
    COPY_READS_SEEN_HI,
    BITS_CLEARED_LO,
    BITS_CLEARED_HI,
];

/// Longest the scoreboard waits for the RTL to take a snoop or deliver a query word: a
/// hang becomes a failure with its seed. A whole buffer streams in 16,384 cycles.
const WAIT_CYCLES: u64 = 100_000;

struct Scoreboard {
    rtl: RtlTracker,
    gold: GoldenTracker,
    rng: Rng,
    /// Chance of an idle cycle between snoop beats.
    idle: f64,
    seed: u64,
    step: u64,
    // The geometry in force, for generating operations.
    ns_lbas: u64,
    shift: u32,
    granules: u64,
}

impl Scoreboard {
    fn new(build: RtlBuild, seed: u64) -> Self {
        let rtl = RtlTracker::of_build(build);
        let gold = GoldenTracker::new(rtl.capacity());
        let mut rng = Rng::new(seed ^ 0x10C5_7E90);
        let idle = [0.0, 0.0, 0.3][rng.below(3) as usize];
        Scoreboard {
            rtl,
            gold,
            rng,
            idle,
            seed,
            step: 0,
            ns_lbas: 1,
            shift: 0,
            granules: 1,
        }
    }

    fn at(&self) -> String {
        format!(
            "seed {} step {} ({:?}, cycle {})",
            self.seed,
            self.step,
            self.rtl.build(),
            self.rtl.cycles()
        )
    }

    fn write(&mut self, addr: u32, value: u32) {
        self.gold.csr_write(addr, value);
        self.rtl.csr_write(addr, value);
    }

    fn compare_registers(&mut self) {
        for &addr in COMPARED {
            let (g, r) = (self.gold.csr_read(addr), self.rtl.csr_read(addr));
            assert_eq!(
                r,
                g,
                "register {:#05x} ({}) differs at {}",
                addr,
                name(addr),
                self.at()
            );
        }
        assert_eq!(
            self.rtl.irq(),
            self.gold.irq(),
            "irq differs at {}",
            self.at()
        );
    }

    /// Streams a whole buffer out of both and compares it word by word.
    fn compare_buffer(&mut self, active: bool) {
        let cmd = QUERY_SRC.put(OP_QUERY, active as u32);
        self.write(CMD, cmd);
        // Half the queries meet a consumer that stalls (q_tready low) at random; some
        // meet one that holds it low for thousands of cycles first.
        let stall = if self.rng.chance(0.5) { 0.0 } else { 0.5 };
        if self.rng.chance(0.1) {
            for _ in 0..1000 + self.rng.below(4000) {
                assert_eq!(self.rtl.query_cycle(false), None, "a beat moved unready");
            }
        }
        let mut words = 0;
        loop {
            let g = self.gold.query_word();
            let since = self.rtl.cycles();
            let r = loop {
                if let Some(beat) = self.rtl.query_cycle(!self.rng.chance(stall)) {
                    break Some(beat);
                }
                if g.is_none() {
                    break None;
                }
                assert!(
                    self.rtl.cycles() - since < WAIT_CYCLES,
                    "query word {words} not delivered within {WAIT_CYCLES} cycles at {}",
                    self.at()
                );
            };
            let which = if active { "active" } else { "passive" };
            assert_eq!(r, g, "{which} buffer word {words} differs at {}", self.at());
            words += 1;
            if g.is_none() || g.is_some_and(|b| b.last) {
                break;
            }
        }
        self.compare_registers();
    }

    /// LOAD (with a random BMP, sometimes with stray bits or extra words) and START.
    fn start(&mut self) {
        let method = Method::ALL[self.rng.below(4) as usize];
        let capacity = self.rtl.capacity();
        self.shift = self.rng.below(4) as u32;
        self.granules = match self.rng.below(if capacity > 5000 { 3 } else { 2 }) {
            0 => 1 + self.rng.below(capacity.min(300)),
            1 => 1 + self.rng.below(capacity.min(5000)),
            // The large build's top words: RAM addresses no small namespace reaches.
            _ => capacity - self.rng.below(5000),
        };
        self.ns_lbas = (self.granules << self.shift) - self.rng.below(1 << self.shift);
        self.granules = self.ns_lbas.div_ceil(1 << self.shift);
        self.write(
            CONFIG,
            GRANULE_SHIFT.put(METHOD.put(0, method.code()), self.shift),
        );
        self.write(NS_LBAS_LO, self.ns_lbas as u32);
        self.write(NS_LBAS_HI, (self.ns_lbas >> 32) as u32);
        if self.rng.chance(0.9) {
            self.write(CMD, OP_LOAD);
            let words = self.granules.div_ceil(64) + u64::from(self.rng.chance(0.1));
            for _ in 0..words {
                let mut w = self.rng.next_u64() & self.rng.next_u64();
                if self.rng.chance(0.05) {
                    w = u64::MAX; // stray bits beyond the namespace in the last word
                }
                self.gold.load_word(w);
                self.rtl.load_word(w);
            }
        }
        self.write(CMD, OP_START);
        self.compare_registers();
    }

    /// Granules in the region the next operations crowd into: a few words, so that
    /// consecutive operations hit the same word.
    fn snoop(&mut self, hot: u64) -> Snoop {
        let max_lba = self.ns_lbas;
        let (slba, count) = match self.rng.below(20) {
            0 => (u64::MAX - self.rng.below(8), 1 + self.rng.below(8)), // wraps 2^64
            1 => (
                max_lba.saturating_sub(self.rng.below(4)),
                1 + self.rng.below(300),
            ), // crosses the end
            2 => (self.rng.below(max_lba), 1 + self.rng.below(65536)),  // long range
            3..=5 => (
                self.rng.below(max_lba),
                1 + self.rng.below(200 << self.shift),
            ),
            _ => {
                let g = (hot + self.rng.below(130)).min(self.granules - 1);
                (
                    (g << self.shift) + self.rng.below(1 << self.shift),
                    1 + self.rng.below(3 << self.shift),
                )
            }
        };
        Snoop::blocks(slba, count.min(65536) as u32)
    }

    /// Drives a batch of snoop beats cycle by cycle; some cycles carry a user write and a
    /// copy read of the same granule together.
    fn batch(&mut self) {
        let n = 1 + self.rng.below(60);
        let hot = if self.rng.chance(0.3) {
            self.granules - 1 - self.rng.below(self.granules.min(256))
        } else {
            self.rng.below(self.granules)
        } & !63;
        let (mut uw, mut cr): (Option<Snoop>, Option<Snoop>) = (None, None);
        let mut issued = 0;
        let since = self.rtl.cycles();
        while issued < n || uw.is_some() || cr.is_some() {
            assert!(
                self.rtl.cycles() - since < WAIT_CYCLES + 4 * n,
                "batch of {n} snoops not accepted within {WAIT_CYCLES} cycles at {}",
                self.at()
            );
            if issued < n && !(self.idle > 0.0 && self.rng.chance(self.idle)) {
                if uw.is_none() && cr.is_none() && self.rng.chance(0.2) {
                    let op = self.snoop(hot);
                    (uw, cr) = (Some(op), Some(op)); // same granule, same cycle
                    issued += 2;
                } else if uw.is_none() && self.rng.chance(0.6) {
                    uw = Some(self.snoop(hot));
                    issued += 1;
                } else if cr.is_none() {
                    cr = Some(self.snoop(hot));
                    issued += 1;
                }
            }
            self.drive_cycle(&mut uw, &mut cr);
        }
    }

    /// One cycle of both snoop streams; what the RTL accepts goes to the golden model in
    /// the block's order (within a cycle it applies the copy read first).
    fn drive_cycle(&mut self, uw: &mut Option<Snoop>, cr: &mut Option<Snoop>) {
        let (took_uw, took_cr) = self.rtl.drive_snoops(*uw, *cr);
        if took_cr {
            self.gold.copy_read(cr.take().unwrap());
        }
        if took_uw {
            self.gold.user_write(uw.take().unwrap());
        }
    }

    /// Drives the two beats until the RTL has accepted both, within a cycle bound.
    fn drive_until_accepted(&mut self, mut uw: Option<Snoop>, mut cr: Option<Snoop>) {
        let since = self.rtl.cycles();
        while uw.is_some() || cr.is_some() {
            assert!(
                self.rtl.cycles() - since < WAIT_CYCLES,
                "snoops not accepted within {WAIT_CYCLES} cycles at {}",
                self.at()
            );
            self.drive_cycle(&mut uw, &mut cr);
        }
    }

    /// A command written while operations may still be in the RTL pipeline.
    fn command_under_traffic(&mut self, value: u32) {
        self.gold.csr_write(CMD, value);
        assert_eq!(
            self.rtl.csr_write_raw(CMD, value),
            0,
            "CMD write refused at {}",
            self.at()
        );
        // Let it finish before the next comparison (the port's own CSR accesses wait too).
        self.rtl.tick_idle(1);
    }

    /// Writes the bus must refuse with SLVERR, changing nothing: to a read-only register,
    /// to an unmapped address; and reads of unmapped addresses, which answer 0.
    fn bus_abuse(&mut self) {
        let ro: Vec<u32> = (REGISTERS.iter())
            .filter(|r| r.access == Access::Ro)
            .map(|r| r.offset)
            .collect();
        for _ in 0..4 {
            let addr = if self.rng.chance(0.5) {
                ro[self.rng.below(ro.len() as u64) as usize]
            } else {
                loop {
                    let a = self.rng.below(0x1000) as u32 & !3;
                    if !REGISTERS.iter().any(|r| r.offset == a) {
                        break a;
                    }
                }
            };
            let value = self.rng.next_u64() as u32;
            self.gold.csr_write(addr, value);
            assert_eq!(
                self.rtl.csr_write_raw(addr, value),
                2,
                "write to {addr:#05x} not refused with SLVERR at {}",
                self.at()
            );
            if !REGISTERS.iter().any(|r| r.offset == addr) {
                assert_eq!(
                    self.rtl.csr_read(addr),
                    0,
                    "unmapped {addr:#05x} at {}",
                    self.at()
                );
            }
        }
        self.compare_registers();
    }

    fn random_command(&mut self) {
        match self.rng.below(15) {
            14 => self.bus_abuse(),
            0..=3 => {
                self.command_under_traffic(OP_SWAP);
                self.compare_registers();
                self.compare_buffer(false);
                self.compare_buffer(true);
            }
            4 | 5 => {
                self.compare_buffer(false);
                if self.rng.chance(0.7) {
                    self.command_under_traffic(OP_RELEASE);
                }
            }
            6 => self.compare_buffer(true),
            7 | 8 => {
                let first = self.rng.below(self.granules + 2) as u32;
                let end = if self.rng.chance(0.8) {
                    first
                        + self
                            .rng
                            .below(self.granules + 1 - u64::from(first).min(self.granules))
                            as u32
                } else {
                    self.rng.below(self.granules + 3) as u32
                };
                self.write(PLAN_START, first);
                self.write(PLAN_END, end);
                self.command_under_traffic(OP_SET_PLAN);
            }
            9 | 10 => {
                let first = self.rng.below(self.granules + 1) as u32;
                let end = first + self.rng.below(self.granules + 4 - u64::from(first)) as u32;
                self.write(MARK_FIRST, first);
                self.write(MARK_END, end);
                self.command_under_traffic(OP_MARK_DIRTY);
            }
            11 => {
                // Refused commands: SWAP during an open query, START while tracking, a bad opcode.
                self.write(CMD, OP_QUERY);
                self.write(CMD, OP_SWAP);
                self.write(CMD, OP_START);
                self.write(CMD, 0xF);
                self.compare_registers();
                while let Some(beat) = self.gold.query_word() {
                    assert_eq!(
                        self.rtl.query_word(),
                        Some(beat),
                        "query after refusals at {}",
                        self.at()
                    );
                    if beat.last {
                        break;
                    }
                }
            }
            12 => {
                // W1C of some error and interrupt bits, an interrupt enable.
                let (e, i) = (self.rng.next_u64() as u32, self.rng.next_u64() as u32);
                self.write(ERR, e);
                self.write(IRQ_STATUS, i);
                let enable = self.rng.next_u64() as u32 & 0xF;
                self.write(IRQ_ENABLE, enable);
            }
            _ => {
                self.write(CMD, OP_STOP);
                self.compare_registers();
                // Commands that need tracking are refused while stopped.
                self.write(CMD, OP_SWAP);
                self.compare_registers();
                self.start();
            }
        }
        self.compare_registers();
    }

    fn run(&mut self, steps: u64) {
        self.compare_registers();
        self.start();
        for step in 0..steps {
            self.step = step;
            self.batch();
            // Every batch ends in a register comparison: right after it, or after a command
            // that lands behind it with its operations still in flight (random_command
            // compares when it is done).
            let command = self.rng.chance(0.4);
            if !command || self.rng.chance(0.5) {
                self.compare_registers();
            }
            if command {
                self.random_command();
            }
        }
        self.compare_buffer(false);
        self.compare_buffer(true);
    }
}

fn name(addr: u32) -> &'static str {
    register_at(addr).map_or("?", |r| r.name)
}

#[test]
fn small_build_matches_golden() {
    for_each_seed("small_build_matches_golden", 300, |seed| {
        Scoreboard::new(RtlBuild::Small, seed).run(120)
    });
}

#[test]
fn large_build_matches_golden() {
    for_each_seed("large_build_matches_golden", 60, |seed| {
        Scoreboard::new(RtlBuild::Large, seed).run(80)
    });
}

/// Back-to-back single-granule operations on one word, both ports busy every cycle: the
/// read-modify-write forwarding is exercised on every cycle.
#[test]
fn same_word_every_cycle() {
    for_each_seed("same_word_every_cycle", 100, |seed| {
        let mut sb = Scoreboard::new(RtlBuild::Small, seed);
        sb.idle = 0.0;
        sb.start();
        let mut rng = Rng::new(seed);
        for _ in 0..40 {
            let w = rng.below(sb.granules.div_ceil(64));
            for _ in 0..rng.below(40) {
                let g = (w * 64 + rng.below(64)).min(sb.granules - 1);
                let op = Snoop::blocks(g << sb.shift, 1);
                let other = Snoop::blocks(
                    ((w * 64 + rng.below(64)).min(sb.granules - 1)) << sb.shift,
                    1,
                );
                sb.drive_until_accepted(Some(op), Some(other));
            }
            sb.compare_registers();
            if rng.chance(0.3) {
                sb.command_under_traffic(OP_SWAP);
                sb.compare_buffer(false);
                sb.compare_buffer(true);
            }
        }
    });
}
