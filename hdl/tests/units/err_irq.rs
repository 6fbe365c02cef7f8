//! The error and interrupt registers against a model: W1C clears, raises winning over a
//! clear of the same cycle, ERROR following any raise, the line following status & enable.

use crate::check::{self, settle, synthesizes, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::err_irq::ErrIrq;
use rust_hdl::prelude::*;

fn tick(u: &mut ErrIrq) {
    check::tick(u, |u| &mut u.clock);
}

/// A random mask, mostly a flag or two of the defined ones, sometimes any bits at all
/// (undefined bits must never stick).
fn mask(rng: &mut Rng, defined: u32) -> u32 {
    match rng.below(6) {
        0 => rng.next() as u32,
        1 | 2 => 0,
        _ => defined & (1 << rng.below(32)) | defined & (1 << rng.below(32)),
    }
}

fn run(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut u = ErrIrq::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let (mut err, mut status, mut enable) = (0u32, 0u32, 0u32);
    let mut lines = 0u64;
    for cycle in 0..5_000u64 {
        let ctx = format!("seed {seed} cycle {cycle}");
        let raise = if rng.chance(20) {
            mask(&mut rng, regs::ERR_MASK)
        } else {
            0
        };
        let event = if rng.chance(20) {
            mask(&mut rng, regs::IRQ_MASK)
        } else {
            0
        };
        let err_clear = if rng.chance(15) {
            mask(&mut rng, regs::ERR_MASK)
        } else {
            0
        };
        let irq_clear = if rng.chance(15) {
            mask(&mut rng, regs::IRQ_MASK)
        } else {
            0
        };
        let enable_we = rng.chance(5);
        let enable_data = mask(&mut rng, regs::IRQ_MASK);
        let reset = rng.below(1_000) == 0;
        u.raise.next = u64::from(raise).to_bits();
        u.events.next = u64::from(event).to_bits();
        u.err_clear.next = u64::from(err_clear).to_bits();
        u.irq_clear.next = u64::from(irq_clear).to_bits();
        u.enable_we.next = enable_we;
        u.enable_data.next = u64::from(enable_data).to_bits();
        u.reset.next = reset;
        settle(&mut u);
        assert_eq!(u.err.val().to_u64(), u64::from(err), "{ctx}: ERR");
        assert_eq!(
            u.irq_status.val().to_u64(),
            u64::from(status),
            "{ctx}: IRQ_STATUS"
        );
        assert_eq!(
            u.irq_enable.val().to_u64(),
            u64::from(enable),
            "{ctx}: IRQ_ENABLE"
        );
        assert_eq!(u.irq.val(), status & enable != 0, "{ctx}: irq line");
        lines += u64::from(status & enable != 0);
        if reset {
            (err, status, enable) = (0, 0, 0);
        } else {
            err = ((err & !err_clear) | raise) & regs::ERR_MASK;
            let error = if raise != 0 { regs::IRQ_ERROR } else { 0 };
            status = ((status & !irq_clear) | event | error) & regs::IRQ_MASK;
            if enable_we {
                enable = enable_data & regs::IRQ_MASK;
            }
        }
        tick(&mut u);
    }
    assert!(
        lines > 500,
        "seed {seed}: the line rose on only {lines} cycles"
    );
}

#[test]
fn err_irq_flags_follow_the_model() {
    for_each_seed_of(&[], "err_irq::err_irq_flags_follow_the_model", 4, run);
}

#[test]
fn err_irq_synthesizes() {
    let mut u = ErrIrq::default();
    u.connect_all();
    synthesizes(&u, "err_irq");
}
