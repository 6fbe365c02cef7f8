//! The CSR read decode against the register map, at every one of the 4,096 byte addresses:
//! each register answers with its own input, a write-only one with 0, a counter's LO word
//! latches its HI word, and an unaligned address or one that names no register is an error
//! (the slave's SLVERR) that reads 0.

use crate::check::{settle, synthesizes};
use lmsnoop_hdl::regs::{Access, COUNTERS, REGISTERS};
use lmsnoop_hdl::tracker::csr_read::CsrRead;
use rust_hdl::prelude::*;

/// The decode's input for each readable register, by the map's name.
fn inputs(c: &mut CsrRead) -> Vec<(&'static str, &mut Signal<In, Bits<32>>)> {
    vec![
        ("ID", &mut c.rd_id),
        ("CAPACITY", &mut c.rd_capacity),
        ("CONFIG", &mut c.rd_config),
        ("NS_LBAS_LO", &mut c.rd_ns_lbas_lo),
        ("NS_LBAS_HI", &mut c.rd_ns_lbas_hi),
        ("STATUS", &mut c.rd_status),
        ("ERR", &mut c.rd_err),
        ("IRQ_STATUS", &mut c.rd_irq_status),
        ("IRQ_ENABLE", &mut c.rd_irq_enable),
        ("PLAN_START", &mut c.rd_plan_start),
        ("PLAN_END", &mut c.rd_plan_end),
        ("CURSOR", &mut c.rd_cursor),
        ("MARK_FIRST", &mut c.rd_mark_first),
        ("MARK_END", &mut c.rd_mark_end),
        ("SWAP_COUNT", &mut c.rd_swap_count),
        ("ACTIVE_COUNT", &mut c.rd_active_count),
        ("PASSIVE_COUNT", &mut c.rd_passive_count),
        ("NS_GRANULES", &mut c.rd_ns_granules),
        ("WRITES_SEEN_LO", &mut c.rd_writes_seen_lo),
        ("WRITES_SEEN_HI", &mut c.rd_writes_seen_hi),
        ("BITS_SET_LO", &mut c.rd_bits_set_lo),
        ("BITS_SET_HI", &mut c.rd_bits_set_hi),
        ("BITS_SKIPPED_LO", &mut c.rd_bits_skipped_lo),
        ("BITS_SKIPPED_HI", &mut c.rd_bits_skipped_hi),
        ("COPY_READS_SEEN_LO", &mut c.rd_copy_reads_seen_lo),
        ("COPY_READS_SEEN_HI", &mut c.rd_copy_reads_seen_hi),
        ("BITS_CLEARED_LO", &mut c.rd_bits_cleared_lo),
        ("BITS_CLEARED_HI", &mut c.rd_bits_cleared_hi),
    ]
}

/// A value no other register's input carries.
fn value_of(offset: u32) -> u32 {
    0xA500_0000 | offset << 8 | (offset ^ 0x5A)
}

/// (rdata, err, latch_hi) the map says a read of `addr` gives.
fn expected(addr: u32) -> (u32, bool, u64) {
    let Some(reg) = REGISTERS.iter().find(|r| r.offset == addr) else {
        return (0, true, 0);
    };
    if reg.access == Access::Wo {
        return (0, false, 0);
    }
    let latch = (COUNTERS.iter().position(|&(lo, _)| lo == addr)).map_or(0, |i| 1 << i);
    (value_of(addr), false, latch)
}

#[test]
fn every_address_reads_what_the_map_says() {
    let mut c = CsrRead::default();
    c.connect_all();
    let mut readable: Vec<&str> = Vec::new();
    for (name, input) in inputs(&mut c) {
        let reg = REGISTERS.iter().find(|r| r.name == name);
        let reg = reg.unwrap_or_else(|| panic!("{name} is not in the register map"));
        input.next = u64::from(value_of(reg.offset)).to_bits();
        readable.push(name);
    }
    // Every register but the write-only ones has an input: the list above is the map's.
    let mut want: Vec<&str> = (REGISTERS.iter())
        .filter(|r| r.access != Access::Wo)
        .map(|r| r.name)
        .collect();
    readable.sort_unstable();
    want.sort_unstable();
    assert_eq!(
        readable, want,
        "the decode's inputs and the readable registers"
    );
    let (mut hits, mut errors) = (0, 0);
    for addr in 0..4096u32 {
        c.addr.next = u64::from(addr).to_bits();
        settle(&mut c);
        let (data, err, latch) = expected(addr);
        let got = (
            c.rdata.val().to_u64() as u32,
            c.err.val(),
            c.latch_hi.val().to_u64(),
        );
        assert_eq!(got, (data, err, latch), "address {addr:#05x}");
        if err {
            errors += 1;
        } else {
            hits += 1;
        }
    }
    assert_eq!(
        hits,
        REGISTERS.len(),
        "every register is found at its offset"
    );
    assert_eq!(errors, 4096 - REGISTERS.len());
}

#[test]
fn csr_read_synthesizes() {
    let mut c = CsrRead::default();
    c.connect_all();
    synthesizes(&c, "csr_read");
}
