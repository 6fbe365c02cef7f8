//! TP4159 front end over the golden tracker: the entry layout byte by byte, coalescing,
//! the ring wrapping many times, the ring overflowing (queue-full, full pass, no loss) and
//! every bad command answered with the status the specification names.
//!
//! Geometry: 800 LBAs in granules of 4 LBAs (200 granules) on a 256-granule tracker.

use lmsnoop_firmware::tp4159::controller;
use lmsnoop_firmware::tp4159::nvme::opcode;
use lmsnoop_firmware::tp4159::*;
use lmsnoop_firmware::{Device, TrackingConfig};
use lmsnoop_regs::*;
use lmsnoop_sim::GoldenTracker;

const CNTLID: u16 = 1;

fn cfg(method: Method) -> TrackingConfig {
    TrackingConfig {
        method,
        granule_shift: 2,
        namespace_lbas: 800,
    }
}

fn tracking(method: Method, udm: UdmConfig) -> Device<GoldenTracker> {
    let mut d = Device::new(GoldenTracker::new(256))
        .expect("golden tracker")
        .with_udm(udm);
    d.start_tracking(cfg(method), &[(0, 800)])
        .expect("StartTracking");
    d.query_bmp().expect("QueryBmp");
    d.release_bdp().expect("ReleaseBdp");
    d
}

fn logging(method: Method, slots: u32) -> (Device<GoldenTracker>, CdqHost) {
    let mut d = tracking(method, UdmConfig::default());
    let mut h = CdqHost::create(&mut d, slots, CNTLID, true).expect("create CDQ");
    h.start_logging(&mut d).expect("start logging");
    (d, h)
}

fn write(d: &mut Device<GoldenTracker>, slba: u64, blocks: u32) {
    d.port_mut().user_write(Snoop::blocks(slba, blocks));
}

#[test]
fn entry_layout_is_type_0_byte_for_byte() {
    let mut e = MigrationEntry::range(0x0403_0201, 0x0F0E_0D0C_0B0A_0908, 0x0807_0606);
    e.phase = true;
    e.esa = Esa::LastSuspended;
    e.deallocated = true;
    let b = e.encode();
    assert_eq!(&b[0..4], &[1, 2, 3, 4], "NSID, little-endian, bytes 3:0");
    assert_eq!(&b[4..8], &[5, 6, 7, 8], "NLB 0-based, bytes 7:4");
    assert_eq!(
        &b[8..16],
        &[8, 9, 10, 11, 12, 13, 14, 15],
        "SLBA, bytes 15:8"
    );
    assert!(b[16..31].iter().all(|&x| x == 0), "bytes 30:16 reserved");
    // phase bit 0, ESA 3 in bits 3:1, DLBA bit 5, LBACIR 00 in bits 7:6.
    assert_eq!(b[31], 0b0010_0111);
    assert_eq!(MigrationEntry::decode(&b), e);

    let full = MigrationEntry::marker(1, Esa::QueueFull, ChangeInfo::AllChanged).encode();
    assert_eq!(full[31], 0b0100_1110, "ESA 7h, LBACIR 01b");
    let stop = MigrationEntry::marker(1, Esa::LastStopped, ChangeInfo::NoRange).encode();
    assert_eq!(stop[31], 0b1000_0100, "ESA 2h, LBACIR 10b");
    // Reserved bytes are ignored by a decoder.
    let mut noisy = b;
    noisy[20] = 0xFF;
    assert_eq!(MigrationEntry::decode(&noisy), e);
}

#[test]
fn a_block_rewritten_a_thousand_times_is_one_entry() {
    let (mut d, mut h) = logging(Method::Naive, 64);
    for _ in 0..1000 {
        write(&mut d, 40, 1);
    }
    write(&mut d, 100, 9); // granules 25..=27
    write(&mut d, 112, 1); // granule 28: joins the run
    write(&mut d, 799, 1); // the last granule
    let got = h.drain(&mut d, &cfg(Method::Naive)).expect("drain");
    assert_eq!(got.ranges, vec![(40, 4), (100, 16), (796, 4)]);
    assert_eq!(got.entries, 3);
    assert!(!got.all_changed);
    // The first entry after the start carries ESA "first", the others none.
    let dump = h.dump();
    let esa: Vec<Esa> = dump
        .chunks(ENTRY_BYTES)
        .map(|c| MigrationEntry::decode(c.try_into().unwrap()).esa)
        .collect();
    assert_eq!(esa, vec![Esa::First, Esa::None, Esa::None]);
    // Nothing more was written: the next drain is empty.
    let again = h.drain(&mut d, &cfg(Method::Naive)).expect("drain");
    assert_eq!(again, Drained::default());
    assert_eq!(d.udm().stats().drains, 2);
}

#[test]
fn with_bitmap_a_block_not_yet_copied_produces_no_entry() {
    let (mut d, mut h) = logging(Method::Bitmap, 64);
    // The running pass (the whole namespace, from the BMP) has copied granules 0..10.
    d.port_mut().copy_read(Snoop::blocks(0, 40));
    write(&mut d, 8, 1); // granule 2: copied already, so dirty
    write(&mut d, 400, 1); // granule 100: still to be copied, so skipped
    d.port_mut().copy_read(Snoop::blocks(40, 760)); // the pass ends
    let got = h.drain(&mut d, &cfg(Method::Bitmap)).expect("drain");
    assert_eq!(got.ranges, vec![(8, 4)]);
    // The naive tracker would report both.
    let (mut n, mut hn) = logging(Method::Naive, 64);
    n.port_mut().copy_read(Snoop::blocks(0, 40));
    write(&mut n, 8, 1);
    write(&mut n, 400, 1);
    n.port_mut().copy_read(Snoop::blocks(40, 760));
    let naive = hn.drain(&mut n, &cfg(Method::Naive)).expect("drain");
    assert_eq!(naive.ranges, vec![(8, 4), (400, 4)]);
}

#[test]
fn runs_are_split_at_the_entry_limit() {
    let udm = UdmConfig {
        max_entry_lbas: 6,
        ..UdmConfig::default()
    };
    let mut d = tracking(Method::Naive, udm);
    let mut h = CdqHost::create(&mut d, 16, CNTLID, false).unwrap();
    h.start_logging(&mut d).unwrap();
    write(&mut d, 0, 16); // granules 0..4: 16 LBAs
    let got = h.drain(&mut d, &cfg(Method::Naive)).unwrap();
    assert_eq!(got.ranges, vec![(0, 6), (6, 6), (12, 4)]);
    assert_eq!(
        got.plan(&cfg(Method::Naive))
            .iter_ones()
            .collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
}

#[test]
fn the_ring_wraps_many_times_and_the_phase_tag_flips() {
    // 5 slots: each drain of 1..=3 entries fits (one slot free, one for queue-full).
    let (mut d, mut h) = logging(Method::Naive, 5);
    let c = cfg(Method::Naive);
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut posted = 0u64;
    for round in 0..200u64 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let runs = 1 + rng % 3;
        let mut want = Vec::new();
        for r in 0..runs {
            // Runs two granules apart never merge.
            let g = (round * 7 + r * 2) % 60 * 3;
            write(&mut d, g * 4, 4);
            want.push((g * 4, 4));
        }
        want.sort();
        want.dedup();
        let got = h.drain(&mut d, &c).expect("drain");
        assert_eq!(got.ranges, want, "round {round}");
        assert!(!got.all_changed, "round {round}");
        posted += want.len() as u64;
    }
    assert_eq!(h.entries_read, posted);
    assert!(posted / 5 > 50, "the ring wrapped {} times", posted / 5);
    assert_eq!(h.queue_full, 0);
    // Entry i sat in slot i % 5 on lap i / 5: phase 1 on even laps, 0 on odd ones.
    for (i, raw) in h.dump().chunks(ENTRY_BYTES).enumerate() {
        let e = MigrationEntry::decode(raw.try_into().unwrap());
        assert_eq!(e.phase, (i / 5) % 2 == 0, "entry {i}");
    }
}

#[test]
fn an_overflow_posts_queue_full_and_the_host_copies_everything_losing_nothing() {
    // 4 slots: 3 usable, one kept for the queue-full entry, so 2 ranges fit.
    let (mut d, mut h) = logging(Method::Naive, 4);
    let c = cfg(Method::Naive);
    for g in [0u64, 10, 20, 30, 40] {
        write(&mut d, g * 4, 1);
    }
    let got = h.drain(&mut d, &c).expect("drain");
    assert!(got.all_changed, "queue full must mean every LBA changed");
    assert_eq!(got.closed_by, Some(Esa::QueueFull));
    assert_eq!(
        got.ranges,
        vec![(0, 4), (40, 4)],
        "what fitted before the overflow"
    );
    assert_eq!(got.plan(&c).count_ones(), 200, "a full pass");
    assert_eq!(h.queue_full, 1);
    assert_eq!(d.udm().stats().queue_full, 1);
    // The host restarted logging: writes during the full pass are logged.
    assert!(d.udm().logging());
    write(&mut d, 600, 1);
    let next = h.drain(&mut d, &c).expect("drain");
    assert_eq!(next.ranges, vec![(600, 4)]);
    assert!(!next.all_changed);
}

#[test]
fn suspend_and_stop_close_the_sequence() {
    let (mut d, mut h) = logging(Method::Naive, 16);
    let c = cfg(Method::Naive);
    write(&mut d, 0, 1);
    let got = h.drain(&mut d, &c).unwrap();
    assert_eq!(got.ranges, vec![(0, 4)]);
    // A write before the suspend is reported by it, closed by "last before suspend".
    write(&mut d, 8, 1);
    let s = h.suspend(&mut d, &c).unwrap();
    assert_eq!(s.ranges, vec![(8, 4)]);
    assert_eq!(s.closed_by, Some(Esa::LastSuspended));
    assert!(d.udm().suspended());
    // Nothing is dirty at the stop: its marker alone, and no swap.
    let swaps = d.udm().stats().drains;
    let stop = h.stop_logging(&mut d, &c).unwrap();
    assert_eq!(stop.ranges, vec![]);
    assert_eq!(stop.closed_by, Some(Esa::LastStopped));
    assert_eq!(d.udm().stats().drains, swaps + 1);
    let summary = h.delete(&mut d).unwrap();
    assert_eq!(
        summary.records.len(),
        4 * ENTRY_BYTES,
        "two ranges and two markers"
    );
    assert_eq!(summary.entries_read, 4);
    assert_eq!(summary.bytes_read, 4 * ENTRY_BYTES as u64);
}

/// One raw admin command on a fresh logging device; returns the status.
fn status(d: &mut Device<GoldenTracker>, mem: &mut HostMemory, cmd: AdminCommand) -> NvmeStatus {
    d.admin(mem, &cmd).status
}

fn create(mem: &mut HostMemory, dwords: u32) -> AdminCommand {
    AdminCommand {
        opcode: opcode::CONTROLLER_DATA_QUEUE,
        prp1: mem.alloc(dwords as usize * 4),
        cdw11: u32::from(CNTLID) << 16 | 1,
        cdw12: dwords,
        ..Default::default()
    }
}

fn create_on(d: &mut Device<GoldenTracker>, mem: &mut HostMemory, dwords: u32) -> Completion {
    let cmd = create(mem, dwords);
    d.admin(mem, &cmd)
}

fn create_status(d: &mut Device<GoldenTracker>, mem: &mut HostMemory, dwords: u32) -> NvmeStatus {
    create_on(d, mem, dwords).status
}

fn track(cdqid: u32, nsid: u32, start: bool) -> AdminCommand {
    AdminCommand {
        opcode: opcode::TRACK_SEND,
        nsid,
        cdw10: u32::from(start) << 16,
        cdw11: cdqid,
        ..Default::default()
    }
}

fn head(cdqid: u32, slot: u32) -> AdminCommand {
    AdminCommand {
        opcode: opcode::SET_FEATURES,
        cdw10: 0x21,
        cdw11: cdqid,
        cdw12: slot,
        ..Default::default()
    }
}

fn migration(sel: u32, cntlid: u16) -> AdminCommand {
    AdminCommand {
        opcode: opcode::MIGRATION_SEND,
        cdw10: sel,
        cdw11: 1 << 16 | u32::from(cntlid),
        ..Default::default()
    }
}

#[test]
fn every_bad_command_gets_the_status_the_specification_names() {
    use NvmeStatus as S;
    let mut d = tracking(Method::Naive, UdmConfig::default());
    let mut m = HostMemory::new();

    // Controller Data Queue create.
    let mut c = create(&mut m, 64);
    c.cdw10 = 1 << 16;
    assert_eq!(status(&mut d, &mut m, c), S::INVALID_FIELD, "queue type 1");
    let mut c = create(&mut m, 64);
    c.cdw11 &= !1;
    assert_eq!(status(&mut d, &mut m, c), S::INVALID_FIELD, "PC = 0");
    let mut c = create(&mut m, 64);
    c.cdw11 = 7 << 16 | 1;
    assert_eq!(status(&mut d, &mut m, c), S::INVALID_CONTROLLER_ID);
    assert_eq!(
        create_status(&mut d, &mut m, 16),
        S::INVALID_FIELD,
        "2 slots: too small"
    );
    assert_eq!(
        create_status(&mut d, &mut m, 60),
        S::INVALID_FIELD,
        "not whole entries"
    );
    let mut c = create(&mut m, 64);
    c.prp1 += 8;
    assert_eq!(
        status(&mut d, &mut m, c),
        S::INVALID_FIELD,
        "PRP1 not page-aligned"
    );
    let mut c = create(&mut m, 64);
    c.prp1 = 1 << 40;
    assert_eq!(
        status(&mut d, &mut m, c),
        S::INVALID_FIELD,
        "PRP1 not host memory"
    );
    let mut c = create(&mut m, 64);
    c.cdw10 = 5;
    assert_eq!(status(&mut d, &mut m, c), S::INVALID_FIELD, "select 5");
    let made = create_on(&mut d, &mut m, 64);
    assert!(made.is_ok(), "{made}");
    let id = made.dw0;
    assert_eq!(
        create_status(&mut d, &mut m, 64),
        S::NOT_ENOUGH_RESOURCES,
        "a second queue"
    );

    // Track Send.
    assert_eq!(
        status(&mut d, &mut m, track(id + 1, 1, true)),
        S::INVALID_CDQ
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, 2, true)),
        S::INVALID_NAMESPACE
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, 1, false)),
        S::COMMAND_SEQUENCE,
        "stop before start"
    );
    let mut sel1 = track(id, 1, true);
    sel1.cdw10 |= 1;
    assert_eq!(
        status(&mut d, &mut m, sel1),
        S::INVALID_FIELD,
        "Track Memory Changes"
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, controller::NSID_ALL, true)),
        S::SUCCESS
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, 1, true)),
        S::COMMAND_SEQUENCE,
        "start twice"
    );
    let del = AdminCommand {
        opcode: opcode::CONTROLLER_DATA_QUEUE,
        cdw10: 1,
        cdw11: id,
        ..Default::default()
    };
    assert_eq!(
        status(&mut d, &mut m, del),
        S::COMMAND_SEQUENCE,
        "delete while logging"
    );

    // Set Features 21h.
    assert_eq!(
        status(&mut d, &mut m, head(id, 8)),
        S::INVALID_FIELD,
        "beyond the 8-slot ring"
    );
    assert_eq!(
        status(&mut d, &mut m, head(id, 3)),
        S::INVALID_FIELD,
        "not a posted entry"
    );
    assert_eq!(status(&mut d, &mut m, head(id + 1, 0)), S::INVALID_CDQ);
    let mut other = head(id, 0);
    other.cdw10 = 0x07;
    assert_eq!(
        status(&mut d, &mut m, other),
        S::INVALID_FIELD,
        "another feature"
    );

    // Migration Send.
    assert_eq!(
        status(&mut d, &mut m, migration(1, CNTLID)),
        S::CONTROLLER_NOT_SUSPENDED
    );
    assert_eq!(
        status(&mut d, &mut m, migration(0, 9)),
        S::INVALID_CONTROLLER_ID
    );
    assert_eq!(
        status(&mut d, &mut m, migration(4, CNTLID)),
        S::INVALID_FIELD
    );
    assert_eq!(status(&mut d, &mut m, migration(0, CNTLID)), S::SUCCESS);
    assert_eq!(
        status(&mut d, &mut m, migration(0, CNTLID)),
        S::CONTROLLER_SUSPENDED,
        "twice"
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, 1, false)),
        S::SUCCESS,
        "stop while suspended"
    );
    assert_eq!(
        status(&mut d, &mut m, track(id, 1, true)),
        S::CONTROLLER_SUSPENDED
    );
    assert_eq!(
        status(&mut d, &mut m, migration(1, CNTLID)),
        S::SUCCESS,
        "resume"
    );

    // Other opcodes.
    let receive = AdminCommand {
        opcode: opcode::TRACK_RECEIVE,
        ..Default::default()
    };
    assert_eq!(status(&mut d, &mut m, receive), S::INVALID_FIELD);
    let bogus = AdminCommand {
        opcode: 0x7F,
        ..Default::default()
    };
    assert_eq!(status(&mut d, &mut m, bogus), S::INVALID_OPCODE);
    assert_eq!(status(&mut d, &mut m, del), S::SUCCESS, "delete after stop");
    assert_eq!(status(&mut d, &mut m, del), S::INVALID_CDQ, "delete twice");

    // None of it disturbed the tracker: a new queue logs as usual.
    let mut h = CdqHost::create(&mut d, 8, CNTLID, false).expect("create after refusals");
    h.start_logging(&mut d).unwrap();
    write(&mut d, 20, 1);
    let got = h.drain(&mut d, &cfg(Method::Naive)).unwrap();
    assert_eq!(got.ranges, vec![(20, 4)]);
}

#[test]
fn logging_needs_a_tracker_and_a_freed_ring_after_an_overflow() {
    use NvmeStatus as S;
    let mut idle = Device::new(GoldenTracker::new(256)).unwrap();
    let mut m = HostMemory::new();
    let id = create_on(&mut idle, &mut m, 64).dw0;
    assert_eq!(
        status(&mut idle, &mut m, track(id, 1, true)),
        S::COMMAND_SEQUENCE,
        "not tracking"
    );

    // Overflow a 3-slot ring by hand: one range fits, then the queue-full entry.
    let mut d = tracking(Method::Naive, UdmConfig::default());
    let mut m = HostMemory::new();
    let id = create_on(&mut d, &mut m, 24).dw0;
    assert_eq!(status(&mut d, &mut m, track(id, 1, true)), S::SUCCESS);
    write(&mut d, 0, 1);
    write(&mut d, 40, 1);
    assert_eq!(status(&mut d, &mut m, head(id, 0)), S::SUCCESS, "drain");
    assert!(!d.udm().logging(), "logging stopped at the overflow");
    assert_eq!(d.udm().stats().queue_full, 1);
    assert_eq!(
        status(&mut d, &mut m, track(id, 1, true)),
        S::CDQ_FULL,
        "ring not freed"
    );
    assert_eq!(
        status(&mut d, &mut m, head(id, 2)),
        S::SUCCESS,
        "consumed both"
    );
    assert_eq!(status(&mut d, &mut m, track(id, 1, true)), S::SUCCESS);
}
