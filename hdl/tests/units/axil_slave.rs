//! The AXI4-Lite front end against a master that offers address and data in every order
//! and holds the response channels off at random, with a small register file behind it;
//! then the AXI4-Lite rules proven by induction for every master
//! (`hdl/formal/units/axil_slave.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::axil_slave::AxilSlave;
use rust_hdl::prelude::*;
use std::collections::VecDeque;

const OKAY: u64 = 0;
const SLVERR: u64 = 2;
/// Read-only register at 0xC; 0x0, 0x4 and 0x8 are read-write; the rest is unmapped.
const RO_VALUE: u32 = 0x00C0_FFEE;

fn writable(addr: u64) -> bool {
    addr < 0xC && addr & 0x3 == 0
}

fn read(regs: &[u32; 3], addr: u64) -> Option<u32> {
    match addr {
        0xC => Some(RO_VALUE),
        a if writable(a) => Some(regs[(a / 4) as usize]),
        _ => None,
    }
}

fn tick(s: &mut AxilSlave) {
    check::tick(s, |s| &mut s.clock);
}

/// One transaction the master is offering: when each channel's VALID rises.
struct Write {
    addr: u64,
    data: u32,
    strb: u64,
    aw_at: u64,
    w_at: u64,
}

fn random_addr(rng: &mut Rng) -> u64 {
    // Mostly mapped words; sometimes an unmapped or unaligned address.
    match rng.below(8) {
        0 => rng.below(1 << 12),
        1 => 0xC,
        _ => rng.below(3) * 4,
    }
}

fn run(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut s = AxilSlave::default();
    s.connect_all();
    let mut regs = [0u32; 3];
    let mut write: Option<Write> = None;
    let mut read_req: Option<(u64, u64)> = None; // (addr, valid from cycle)
    let mut b_expect: VecDeque<u64> = VecDeque::new();
    let mut r_expect: VecDeque<(u32, u64)> = VecDeque::new();
    let mut last_b: Option<u64> = None; // bresp offered and not taken last cycle
    let mut last_r: Option<(u64, u64)> = None;
    let (mut orders, mut writes, mut reads, mut held) = ([0u64; 3], 0u64, 0u64, 0u64);
    for cycle in 0..6_000u64 {
        let ctx = format!("seed {seed} cycle {cycle}");
        if write.is_none() && rng.chance(40) {
            // Address first, data first, or both at once, each by up to 6 cycles.
            let lag = rng.below(7);
            let order = rng.below(3);
            let (aw_at, w_at) = match order {
                0 => (cycle, cycle + lag),
                1 => (cycle + lag, cycle),
                _ => (cycle, cycle),
            };
            orders[order as usize] += 1;
            let strb = if rng.chance(10) { rng.below(15) } else { 0xF };
            let addr = random_addr(&mut rng);
            write = Some(Write {
                addr,
                data: rng.next() as u32,
                strb,
                aw_at,
                w_at,
            });
        }
        if read_req.is_none() && rng.chance(40) {
            read_req = Some((random_addr(&mut rng), cycle + rng.below(3)));
        }
        // Response READY held off for long stretches now and then.
        let stall = (cycle / 64) % 3 == 2;
        let bready = !stall && rng.chance(60);
        let rready = !stall && rng.chance(60);
        let (awv, wv) = match &write {
            Some(w) => (cycle >= w.aw_at, cycle >= w.w_at),
            None => (false, false),
        };
        if let Some(w) = &write {
            s.s_axil_awaddr.next = w.addr.to_bits();
            s.s_axil_wdata.next = u64::from(w.data).to_bits();
            s.s_axil_wstrb.next = w.strb.to_bits();
        }
        s.s_axil_awvalid.next = awv;
        s.s_axil_wvalid.next = wv;
        s.s_axil_bready.next = bready;
        let arv = matches!(read_req, Some((_, at)) if cycle >= at);
        s.s_axil_arvalid.next = arv;
        s.s_axil_araddr.next = read_req.map_or(0, |r| r.0).to_bits();
        s.s_axil_rready.next = rready;
        settle(&mut s);
        // The register file answers the addresses the slave presents.
        let wa = s.wr_addr.val().to_u64();
        s.wr_err.next = !writable(wa);
        let ra = s.rd_addr.val().to_u64();
        s.rd_data.next = u64::from(read(&regs, ra).unwrap_or(0)).to_bits();
        s.rd_err.next = read(&regs, ra).is_none();
        settle(&mut s);

        // Responses held stable until taken.
        if let Some(b) = last_b {
            assert!(s.s_axil_bvalid.val(), "{ctx}: BVALID dropped before BREADY");
            assert_eq!(
                s.s_axil_bresp.val().to_u64(),
                b,
                "{ctx}: BRESP changed while held"
            );
            held += 1;
        }
        if let Some((d, r)) = last_r {
            assert!(s.s_axil_rvalid.val(), "{ctx}: RVALID dropped before RREADY");
            assert_eq!(
                s.s_axil_rdata.val().to_u64(),
                d,
                "{ctx}: RDATA changed while held"
            );
            assert_eq!(
                s.s_axil_rresp.val().to_u64(),
                r,
                "{ctx}: RRESP changed while held"
            );
        }
        // Read handshake: the read sees the registers as they were before this cycle's
        // write.
        let ar_ready = s.s_axil_arready.val();
        assert_eq!(ar_ready, arv && !s.s_axil_rvalid.val(), "{ctx}: ARREADY");
        assert_eq!(s.rd_en.val(), ar_ready, "{ctx}: rd_en");
        if ar_ready {
            let (addr, _) = read_req.take().unwrap();
            r_expect.push_back(match read(&regs, addr) {
                Some(v) => (v, OKAY),
                None => (0, SLVERR),
            });
            reads += 1;
        }
        // Write handshake: AW and W together, never with a response outstanding.
        let aw_ready = s.s_axil_awready.val();
        assert_eq!(aw_ready, s.s_axil_wready.val(), "{ctx}: AWREADY != WREADY");
        let b_pending = s.s_axil_bvalid.val();
        assert_eq!(aw_ready, awv && wv && !b_pending, "{ctx}: AWREADY");
        if aw_ready {
            let w = write.take().unwrap();
            let full = w.strb == 0xF;
            assert_eq!(s.wr_en.val(), full, "{ctx}: wr_en for WSTRB {:#x}", w.strb);
            assert_eq!(s.wr_addr.val().to_u64(), w.addr, "{ctx}: wr_addr");
            assert_eq!(
                s.wr_data.val().to_u64(),
                u64::from(w.data),
                "{ctx}: wr_data"
            );
            let ok = full && writable(w.addr);
            if ok {
                regs[(w.addr / 4) as usize] = w.data;
            }
            b_expect.push_back(if ok { OKAY } else { SLVERR });
            writes += 1;
        } else {
            assert!(!s.wr_en.val(), "{ctx}: wr_en without a handshake");
        }
        // Responses, in order, exactly one per transaction.
        last_b = None;
        if s.s_axil_bvalid.val() {
            let b = s.s_axil_bresp.val().to_u64();
            if bready {
                assert_eq!(Some(b), b_expect.pop_front(), "{ctx}: BRESP");
            } else {
                last_b = Some(b);
            }
        }
        last_r = None;
        if s.s_axil_rvalid.val() {
            let got = (
                s.s_axil_rdata.val().to_u64() as u32,
                s.s_axil_rresp.val().to_u64(),
            );
            if rready {
                assert_eq!(Some(got), r_expect.pop_front(), "{ctx}: read response");
            } else {
                last_r = Some((u64::from(got.0), got.1));
            }
        }
        tick(&mut s);
    }
    assert!(
        orders.iter().all(|&n| n > 50) && writes > 500 && reads > 500 && held > 500,
        "seed {seed}: too little traffic (orders {orders:?}, {writes} writes, {reads} reads, \
         {held} held responses)"
    );
}

#[test]
fn axil_slave_handshakes_in_every_order() {
    for_each_seed_of(
        &[],
        "axil_slave::axil_slave_handshakes_in_every_order",
        4,
        run,
    );
}

#[test]
fn axil_slave_reset_drops_pending_responses() {
    let mut s = AxilSlave::default();
    s.connect_all();
    s.s_axil_awvalid.next = true;
    s.s_axil_wvalid.next = true;
    s.s_axil_wstrb.next = 0xFu64.to_bits();
    s.s_axil_arvalid.next = true;
    tick(&mut s);
    s.s_axil_awvalid.next = false;
    s.s_axil_wvalid.next = false;
    s.s_axil_arvalid.next = false;
    settle(&mut s);
    assert!(s.s_axil_bvalid.val() && s.s_axil_rvalid.val());
    s.reset.next = true;
    tick(&mut s);
    assert!(!s.s_axil_bvalid.val() && !s.s_axil_rvalid.val());
}

#[test]
fn axil_slave_synthesizes() {
    let mut s = AxilSlave::default();
    s.connect_all();
    synthesizes(&s, "axil_slave");
}

/// The AXI4-Lite rules in every state reachable after a reset, for every master and every
/// register answer, by induction (`hdl/formal/units/axil_slave.sv`).
#[test]
fn axil_slave_is_proven() {
    let mut u = AxilSlave::default();
    u.connect_all();
    proves(&u, "axil_slave", &[], Proof::Induction(12));
}

/// The proof can fail: a shadow that expects OKAY for a partial write.
#[test]
fn axil_slave_proof_fails_on_a_wrong_shadow() {
    let mut u = AxilSlave::default();
    u.connect_all();
    refutes(&u, "axil_slave", &[("MUTATE", 1)], Proof::Induction(12));
}
