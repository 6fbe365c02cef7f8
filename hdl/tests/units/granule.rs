//! The accept stage's LBA-to-granule shift against `(lba >> shift) & (capacity - 1)`, for
//! every one of the 64 shifts, at the address widths the block is built with (formal,
//! small, full): edge LBAs (0, all ones, each power of two and its neighbours) and seeded
//! random ones; then proven for every LBA and shift (`hdl/formal/units/granule_shift.sv`).

use crate::check::{proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::granule::GranuleShift;
use lmsnoop_hdl::tracker::{DEFAULT_ADDR_BITS, FORMAL_ADDR_BITS, SMALL_ADDR_BITS};
use rust_hdl::prelude::*;

fn check<const A: usize>(seed: u64) {
    let capacity = 64u64 << A;
    let mut s = GranuleShift::<A>::default();
    s.connect_all();
    let mut rng = Rng::new(seed);
    let mut lbas = vec![0, u64::MAX];
    for k in 0..64 {
        let p = 1u64 << k;
        lbas.extend([p - 1, p, p + 1]);
    }
    lbas.extend((0..64).map(|_| rng.next()));
    for shift in 0..64u64 {
        s.shift.next = shift.to_bits();
        for &lba in &lbas {
            s.lba.next = lba.to_bits();
            settle(&mut s);
            assert_eq!(
                s.granule.val().to_u64(),
                (lba >> shift) & (capacity - 1),
                "A {A} seed {seed}: LBA {lba:#x} >> {shift}"
            );
        }
    }
}

#[test]
fn granule_shift_matches_the_reference() {
    for_each_seed_of(
        &[],
        "granule::granule_shift_matches_the_reference",
        4,
        |seed| {
            check::<FORMAL_ADDR_BITS>(seed);
            check::<SMALL_ADDR_BITS>(seed);
            check::<DEFAULT_ADDR_BITS>(seed);
        },
    );
}

#[test]
fn granule_shift_synthesizes() {
    let mut s = GranuleShift::<DEFAULT_ADDR_BITS>::default();
    s.connect_all();
    synthesizes(&s, "granule_shift");
}

fn proven<const A: usize>() {
    let mut s = GranuleShift::<A>::default();
    s.connect_all();
    proves(
        &s,
        "granule_shift",
        &[("CAPACITY", 64 << A)],
        Proof::Combinational,
    );
}

/// Every one of the 2^70 (LBA, shift) pairs, by Yosys' SAT solver, at each build's width.
#[test]
fn granule_shift_is_proven() {
    proven::<FORMAL_ADDR_BITS>();
    proven::<SMALL_ADDR_BITS>();
    proven::<DEFAULT_ADDR_BITS>();
}

/// The proof can fail: the small build's unit against the full build's capacity.
#[test]
fn granule_shift_proof_fails_on_the_wrong_capacity() {
    let mut s = GranuleShift::<SMALL_ADDR_BITS>::default();
    s.connect_all();
    refutes(
        &s,
        "granule_shift",
        &[("CAPACITY", 64 << DEFAULT_ADDR_BITS)],
        Proof::Combinational,
    );
}
