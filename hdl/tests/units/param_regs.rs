//! The parameter registers against a model: every register written by address, one cycle
//! after the write is offered; NS_LBAS's halves apart; CONFIG's undefined bits dropped;
//! writes to every other address (the rest of the map and unmapped ones) and cycles
//! without `wr_en` change nothing; reset zeroes all, a write in flight included.

use crate::check::{self, settle, synthesizes, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::param_regs::ParamRegs;
use rust_hdl::prelude::*;

fn tick(u: &mut ParamRegs) {
    check::tick(u, |u| &mut u.clock);
}

/// CONFIG, NS_LBAS as (LO, HI), PLAN_START, PLAN_END, MARK_FIRST, MARK_END.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Model {
    config: u32,
    ns: u64,
    plan_start: u32,
    plan_end: u32,
    mark_first: u32,
    mark_end: u32,
}

impl Model {
    fn write(&mut self, addr: u32, data: u32) {
        match addr {
            regs::CONFIG => self.config = data & (regs::METHOD.mask() | regs::GRANULE_SHIFT.mask()),
            regs::NS_LBAS_LO => self.ns = (self.ns & !0xFFFF_FFFF) | u64::from(data),
            regs::NS_LBAS_HI => self.ns = (self.ns & 0xFFFF_FFFF) | (u64::from(data) << 32),
            regs::PLAN_START => self.plan_start = data,
            regs::PLAN_END => self.plan_end = data,
            regs::MARK_FIRST => self.mark_first = data,
            regs::MARK_END => self.mark_end = data,
            _ => {}
        }
    }

    fn of(u: &ParamRegs) -> Model {
        Model {
            config: u.cfg.val().to_u64() as u32,
            ns: u.ns_lbas.val().to_u64(),
            plan_start: u.plan_start.val().to_u64() as u32,
            plan_end: u.plan_end.val().to_u64() as u32,
            mark_first: u.mark_first.val().to_u64() as u32,
            mark_end: u.mark_end.val().to_u64() as u32,
        }
    }
}

const PARAMS: [u32; 7] = [
    regs::CONFIG,
    regs::NS_LBAS_LO,
    regs::NS_LBAS_HI,
    regs::PLAN_START,
    regs::PLAN_END,
    regs::MARK_FIRST,
    regs::MARK_END,
];

fn run(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut u = ParamRegs::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let mut model = Model::default();
    // The write offered last cycle, which lands at this clock edge.
    let mut in_flight: Option<(u32, u32)> = None;
    let mut landed = [0u64; 7];
    for cycle in 0..6_000u64 {
        let ctx = format!("seed {seed} cycle {cycle}");
        let reset = rng.below(500) == 0;
        let wr_en = rng.chance(60);
        let addr = match rng.below(4) {
            0 | 1 => PARAMS[rng.below(7) as usize],
            // Any word address of the 4 KiB window, mapped or not.
            _ => (rng.below(1024) * 4) as u32,
        };
        let data = match rng.below(4) {
            0 => 0,
            1 => u32::MAX,
            _ => rng.next() as u32,
        };
        u.reset.next = reset;
        u.wr_en.next = wr_en;
        u.wr_addr.next = u64::from(addr).to_bits();
        u.wr_data.next = u64::from(data).to_bits();
        settle(&mut u);
        assert_eq!(Model::of(&u), model, "{ctx}");
        tick(&mut u);
        if let Some((a, d)) = in_flight.take() {
            model.write(a, d);
            if let Some(i) = PARAMS.iter().position(|&p| p == a) {
                landed[i] += 1;
            }
        }
        if reset {
            model = Model::default();
        } else if wr_en {
            in_flight = Some((addr, data));
        }
    }
    assert!(
        landed.iter().all(|&n| n > 200),
        "seed {seed}: writes landed per register {landed:?}"
    );
}

#[test]
fn param_regs_follow_the_model() {
    for_each_seed_of(&[], "param_regs::param_regs_follow_the_model", 4, run);
}

#[test]
fn param_regs_synthesizes() {
    let mut u = ParamRegs::default();
    u.connect_all();
    synthesizes(&u, "param_regs");
}
