//! The geometry engine against the division it stands for, at the address widths the
//! block is built with: granules = ceil(NS_LBAS / 2^shift), fits = granules <= capacity,
//! after exactly `shift` busy cycles; then the same proven by induction for every NS_LBAS and
//! shift (`hdl/formal/units/geometry.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::geometry::Geometry;
use lmsnoop_hdl::tracker::{DEFAULT_ADDR_BITS, FORMAL_ADDR_BITS, SMALL_ADDR_BITS};
use rust_hdl::prelude::*;

fn tick<const A: usize>(u: &mut Geometry<A>) {
    check::tick(u, |u| &mut u.clock);
}

/// A namespace size near the interesting edges: around the capacity times 2^shift, tiny,
/// or anything.
fn ns_lbas(rng: &mut Rng, capacity: u64, shift: u64) -> u64 {
    let edge = (capacity as u128) << shift;
    match rng.below(4) {
        0 => rng.below(64) + 1,
        1 => rng.next() >> rng.below(64),
        _ => (edge as i128 + rng.below(9) as i128 - 4).clamp(1, u64::MAX as i128) as u64,
    }
}

fn run<const A: usize>(seed: u64) {
    let capacity = 64u64 << A;
    let mut rng = Rng::new(seed);
    let mut u = Geometry::<A>::default();
    u.connect_all();
    let (mut fit, mut unfit) = (0u32, 0u32);
    for case in 0..200 {
        let shift = rng.below(49);
        let ns = ns_lbas(&mut rng, capacity, shift);
        let ctx = format!("A {A} seed {seed} case {case}: NS_LBAS {ns:#x} shift {shift}");
        u.start.next = true;
        u.ns_lbas.next = ns.to_bits();
        u.shift.next = shift.to_bits();
        tick(&mut u);
        u.start.next = false;
        u.ns_lbas.next = rng.next().to_bits();
        let mut steps = 0u64;
        settle(&mut u);
        while u.busy.val() {
            tick(&mut u);
            steps += 1;
            assert!(steps <= 64, "{ctx}: still busy");
        }
        assert_eq!(steps, shift, "{ctx}: steps");
        tick(&mut u);
        let want = (u128::from(ns)).div_ceil(1u128 << shift);
        let fits = want <= u128::from(capacity);
        assert_eq!(u.fits.val(), fits, "{ctx}: fits ({want} granules)");
        if fits {
            assert_eq!(u.granules.val().to_u64() as u128, want, "{ctx}: granules");
            fit += 1;
        } else {
            unfit += 1;
        }
    }
    assert!(
        fit > 20 && unfit > 20,
        "A {A} seed {seed}: {fit} fit, {unfit} do not"
    );
}

#[test]
fn geometry_divides_and_checks_the_fit() {
    for_each_seed_of(
        &[],
        "geometry::geometry_divides_and_checks_the_fit",
        4,
        |seed| {
            run::<FORMAL_ADDR_BITS>(seed);
            run::<SMALL_ADDR_BITS>(seed);
            run::<DEFAULT_ADDR_BITS>(seed);
        },
    );
}

#[test]
fn geometry_synthesizes() {
    let mut u = Geometry::<DEFAULT_ADDR_BITS>::default();
    u.connect_all();
    synthesizes(&u, "geometry");
}

fn proven<const A: usize>() {
    let mut g = Geometry::<A>::default();
    g.connect_all();
    proves(
        &g,
        "geometry",
        &[("CAPACITY", 64 << A)],
        Proof::Induction(12),
    );
}

/// Every NS_LBAS and every shift, by induction, at each build's width.
#[test]
fn geometry_is_proven() {
    proven::<FORMAL_ADDR_BITS>();
    proven::<SMALL_ADDR_BITS>();
    proven::<DEFAULT_ADDR_BITS>();
}

/// The proof can fail: a fit judged on the quotient rounded down.
#[test]
fn geometry_proof_fails_on_the_floor() {
    let mut g = Geometry::<SMALL_ADDR_BITS>::default();
    g.connect_all();
    let capacity = 64 << SMALL_ADDR_BITS;
    refutes(
        &g,
        "geometry",
        &[("CAPACITY", capacity), ("MUTATE", 1)],
        Proof::Induction(12),
    );
}
