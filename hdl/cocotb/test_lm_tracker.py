"""cocotb testbench of lm_tracker: the committed Verilog on Icarus, driven as an HDL team
integrating the block would, with the cocotbext-axi bus models and no Rust in the loop.

- every register reads its reset value, and an unmapped address answers SLVERR;
- AXI4-Lite writes with the address before the data, the data before the address and
  both at once, with BREADY and RREADY held off for many cycles;
- the load, query and snoop streams under random valid and ready;
- short migrations, Query/Swap/Release as the firmware runs them, whose output must equal
  what `lmsnoop replay` prints for the same trace.

Run by `hdl/cocotb/run.py` (and by `cargo test --features hw --test cocotb`). Random
choices are seeded: LMSNOOP_SEED_BASE and LMSNOOP_SEEDS, as in the Rust tests.
"""

import os
import random
import subprocess
import tempfile

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import (
    AxiLiteBus,
    AxiLiteMaster,
    AxiResp,
    AxiStreamBus,
    AxiStreamSink,
    AxiStreamSource,
)

import lm_regs as R

CLOCK_NS = 10
# Longest wait for any handshake, a BUSY poll or a query word: a hang fails the test.
WAIT_CYCLES = 200_000


def seeds():
    base = int(os.environ.get("LMSNOOP_SEED_BASE", "0"))
    count = int(os.environ.get("LMSNOOP_SEEDS", "3"))
    if count <= 0:
        raise ValueError("LMSNOOP_SEEDS=0 would run no seed at all: give 1 or more")
    return range(base, base + count)


def rerun(test, seed):
    return (
        f"LMSNOOP_SEED_BASE={seed} LMSNOOP_SEEDS=1 LMSNOOP_COCOTB_TESTS={test} "
        "cargo test --release --features hw --test cocotb"
    )


async def reset(dut):
    """Clock, reset for four cycles, then wait for the clear engine (BUSY low)."""
    cocotb.start_soon(Clock(dut.clock, CLOCK_NS, unit="ns").start())
    for sig in (
        dut.s_axil_awvalid,
        dut.s_axil_wvalid,
        dut.s_axil_bready,
        dut.s_axil_arvalid,
        dut.s_axil_rready,
        dut.uw_valid,
        dut.cr_valid,
        dut.ld_tvalid,
        dut.q_tready,
    ):
        sig.value = 0
    dut.s_axil_wstrb.value = 0xF
    dut.reset.value = 1
    await ClockCycles(dut.clock, 4)
    dut.reset.value = 0
    await RisingEdge(dut.clock)


class Axil:
    """A hand-made AXI4-Lite master whose channel order and ready delays the test picks
    (the cocotbext-axi master always presents AW and W together)."""

    def __init__(self, dut):
        self.dut = dut

    async def _until(self, signal, what):
        for _ in range(WAIT_CYCLES):
            await RisingEdge(self.dut.clock)
            if signal.value:
                return
        raise AssertionError(f"{what} not seen within {WAIT_CYCLES} cycles")

    async def write(self, addr, value, order="together", gap=0, bready_delay=0):
        d = self.dut
        d.s_axil_awaddr.value = addr
        d.s_axil_wdata.value = value
        d.s_axil_wstrb.value = 0xF
        d.s_axil_bready.value = 0
        first, second = {
            "together": ((d.s_axil_awvalid, d.s_axil_wvalid), ()),
            "addr_first": ((d.s_axil_awvalid,), (d.s_axil_wvalid,)),
            "data_first": ((d.s_axil_wvalid,), (d.s_axil_awvalid,)),
        }[order]
        ready = {d.s_axil_awvalid: d.s_axil_awready, d.s_axil_wvalid: d.s_axil_wready}
        pending = set()
        for v in first:
            v.value = 1
            pending.add(v)
        late = list(second)
        cycle = 0
        while pending or late:
            await RisingEdge(d.clock)
            for v in list(pending):
                if ready[v].value:
                    v.value = 0
                    pending.discard(v)
            cycle += 1
            if late and cycle > gap:
                for v in late:
                    v.value = 1
                    pending.add(v)
                late = []
            assert cycle < WAIT_CYCLES, f"AXI write of {addr:#x} never accepted"
        # BVALID must wait for BREADY as long as the master holds it off.
        for _ in range(bready_delay):
            await RisingEdge(d.clock)
        if bready_delay:
            assert d.s_axil_bvalid.value == 1, "BVALID dropped before BREADY"
        d.s_axil_bready.value = 1
        await self._until(d.s_axil_bvalid, "BVALID")
        resp = int(d.s_axil_bresp.value)
        d.s_axil_bready.value = 0
        return resp

    async def read(self, addr, rready_delay=0):
        d = self.dut
        d.s_axil_araddr.value = addr
        d.s_axil_arvalid.value = 1
        d.s_axil_rready.value = 0
        await self._until(d.s_axil_arready, "ARREADY")
        d.s_axil_arvalid.value = 0
        for _ in range(rready_delay):
            await RisingEdge(d.clock)
        if rready_delay:
            assert d.s_axil_rvalid.value == 1, "RVALID dropped before RREADY"
            held = int(d.s_axil_rdata.value)
        d.s_axil_rready.value = 1
        await self._until(d.s_axil_rvalid, "RVALID")
        data, resp = int(d.s_axil_rdata.value), int(d.s_axil_rresp.value)
        d.s_axil_rready.value = 0
        if rready_delay:
            assert data == held, "RDATA changed while RVALID waited for RREADY"
        return data, resp


class SnoopSource:
    """Drives one snoop stream (`uw_*` or `cr_*`: valid/ready with SLBA and NLB), with
    random idle cycles between beats."""

    def __init__(self, dut, prefix, rng=None, idle=0.0):
        self.clock = dut.clock
        self.valid = getattr(dut, f"{prefix}_valid")
        self.ready = getattr(dut, f"{prefix}_ready")
        self.slba = getattr(dut, f"{prefix}_slba")
        self.nlb = getattr(dut, f"{prefix}_nlb")
        self.rng = rng or random.Random(0)
        self.idle = idle

    async def send(self, slba, blocks):
        """One command of `blocks` LBAs (NVMe NLB is zero-based); returns when accepted."""
        while self.idle and self.rng.random() < self.idle:
            await RisingEdge(self.clock)
        self.slba.value = slba
        self.nlb.value = blocks - 1
        self.valid.value = 1
        for _ in range(WAIT_CYCLES):
            await RisingEdge(self.clock)
            if self.ready.value:
                self.valid.value = 0
                return
        raise AssertionError(f"snoop {slba}+{blocks} not accepted")


class Tracker:
    """The block behind the cocotbext-axi models, with the firmware's command protocol
    (firmware/src/device.rs): CMD, poll STATUS.BUSY, read the command's error flags."""

    def __init__(self, dut, rng=None, pause=0.0):
        self.dut = dut
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clock, dut.reset)
        self.ld = AxiStreamSource(AxiStreamBus.from_prefix(dut, "ld"), dut.clock, dut.reset)
        self.q = AxiStreamSink(AxiStreamBus.from_prefix(dut, "q"), dut.clock, dut.reset)
        self.uw = SnoopSource(dut, "uw", rng, pause)
        self.cr = SnoopSource(dut, "cr", rng, pause)
        if pause:
            self.ld.set_pause_generator(_pauses(rng, pause))
            self.q.set_pause_generator(_pauses(rng, pause))

    async def read_raw(self, addr):
        return (await self.axil.read_dword(addr)) & 0xFFFFFFFF

    async def settle(self):
        for _ in range(WAIT_CYCLES):
            if R.BUSY.get(await self.read_raw(R.STATUS)) == 0:
                return
        raise AssertionError("STATUS.BUSY never fell")

    async def read(self, addr):
        await self.settle()
        return await self.read_raw(addr)

    async def write(self, addr, value):
        await self.settle()
        await self.axil.write_dword(addr, value)

    async def exec(self, cmd):
        await self.write(R.CMD, cmd)
        await self.settle()
        err = (await self.read_raw(R.ERR)) & R.ERR_COMMAND_MASK
        if err:
            await self.axil.write_dword(R.ERR, err)
            raise RuntimeError(f"command {cmd:#x} refused: ERR {err:#x}")

    async def load(self, words):
        for w in words:
            await self.ld.send(w.to_bytes(8, "little"))
        await self.ld.wait()

    async def query(self, active, words):
        await self.exec(R.QUERY_SRC.put(R.OP_QUERY, int(active)))
        frame = await self.q.recv()
        data = bytes(frame.tdata)
        assert len(data) == 8 * words, f"query gave {len(data)} bytes, expected {8 * words}"
        return [int.from_bytes(data[8 * i : 8 * i + 8], "little") for i in range(words)]


def _pauses(rng, chance):
    while True:
        yield rng.random() < chance


# ---- register file and bus handshakes -------------------------------------------------


@cocotb.test()
async def registers_read_their_reset_values(dut):
    await reset(dut)
    t = Tracker(dut)
    await t.settle()
    for reg in R.REGISTERS:
        value = await t.read_raw(reg.offset)
        if reg.reset is None:
            assert value > 0 and value % 64 == 0, f"{reg.name} reads {value}"
        else:
            assert value == reg.reset, f"{reg.name} reads {value:#x}, reset is {reg.reset:#x}"
    assert await t.read_raw(R.ID) == R.ID_VALUE
    mapped = {reg.offset for reg in R.REGISTERS}
    unmapped = next(a for a in range(0, 0x100, 4) if a not in mapped)
    resp = await t.axil.read(unmapped, 4)
    assert resp.resp == AxiResp.SLVERR and resp.data == bytes(4), f"{unmapped:#x}: {resp}"
    resp = await t.axil.write(unmapped, b"\x01\x00\x00\x00")
    assert resp.resp == AxiResp.SLVERR


def writable_mask(reg):
    """A register with bit fields keeps only those bits (CONFIG); the others all 32."""
    fields = [f for f in vars(R).values() if isinstance(f, R.Field) and f.register == reg.name]
    mask = 0
    for f in fields:
        mask |= f.mask
    return mask or 0xFFFFFFFF


@cocotb.test()
async def axil_handshakes_in_every_order(dut):
    await reset(dut)
    bus = Axil(dut)
    rw = [r for r in R.REGISTERS if r.access == "RW" and r.name != "IRQ_ENABLE"]
    for seed in seeds():
        rng = random.Random(seed)
        try:
            for order in ("together", "addr_first", "data_first"):
                for gap, delay in ((0, 0), (1, 0), (5, 40), (0, 200)):
                    reg = rng.choice(rw)
                    value = rng.getrandbits(32)
                    assert await bus.write(reg.offset, value, order, gap, delay) == 0
                    data, resp = await bus.read(reg.offset, rready_delay=delay)
                    assert resp == 0 and data == value & writable_mask(reg), (
                        f"{reg.name} {order} gap {gap} delay {delay}: read {data:#x}, wrote {value:#x}"
                    )
            # A partial strobe is refused and changes nothing.
            before, _ = await bus.read(R.PLAN_END)
            dut.s_axil_wstrb.value = 0x3
            d = dut
            d.s_axil_awaddr.value, d.s_axil_wdata.value = R.PLAN_END, before ^ 0xFFFF
            d.s_axil_awvalid.value = d.s_axil_wvalid.value = 1
            d.s_axil_bready.value = 1
            for _ in range(WAIT_CYCLES):
                await RisingEdge(d.clock)
                if d.s_axil_awready.value:
                    d.s_axil_awvalid.value = d.s_axil_wvalid.value = 0
                if d.s_axil_bvalid.value:
                    break
            assert int(d.s_axil_bresp.value) == int(AxiResp.SLVERR)
            d.s_axil_bready.value = 0
            d.s_axil_wstrb.value = 0xF
            assert (await bus.read(R.PLAN_END))[0] == before
        except AssertionError:
            dut._log.error("FAILED with seed %d; rerun it alone with:\n  %s", seed, rerun("axil_handshakes_in_every_order", seed))
            raise


# ---- streams under random valid and ready ---------------------------------------------


@cocotb.test()
async def streams_under_random_valid_and_ready(dut):
    """Naive method: the active buffer is exactly the written granules, the passive one
    the loaded BMP. Every stream stalls at random."""
    await reset(dut)
    for seed in seeds():
        rng = random.Random(seed)
        t = Tracker(dut, rng, pause=0.4)
        try:
            capacity = await t.read(R.CAPACITY)
            granules = rng.randrange(1, capacity + 1)
            words = (granules + 63) // 64
            mask = [(1 << min(64, granules - 64 * i)) - 1 for i in range(words)]
            bmp = [rng.getrandbits(64) & rng.getrandbits(64) & mask[i] for i in range(words)]
            await t.write(R.CONFIG, R.METHOD.put(0, R.METHOD_NAIVE))
            await t.write(R.NS_LBAS_LO, granules)
            await t.write(R.NS_LBAS_HI, 0)
            await t.exec(R.OP_LOAD)
            await t.load(bmp)
            await t.exec(R.OP_START)
            written = [0] * words
            for _ in range(rng.randrange(50, 200)):
                slba = rng.randrange(granules)
                blocks = rng.randrange(1, min(130, granules - slba) + 1)
                if rng.random() < 0.5:
                    await t.uw.send(slba, blocks)
                    for g in range(slba, slba + blocks):
                        written[g // 64] |= 1 << (g % 64)
                else:
                    await t.cr.send(slba, blocks)  # naive: copy reads change nothing
            assert await t.query(False, words) == bmp, f"passive buffer, seed {seed}"
            assert await t.query(True, words) == written, f"active buffer, seed {seed}"
            assert await t.read(R.ERR) == 0
            await t.exec(R.OP_STOP)
        except AssertionError:
            dut._log.error("FAILED with seed %d; rerun it alone with:\n  %s", seed, rerun("streams_under_random_valid_and_ready", seed))
            raise


# ---- migrations, compared with `lmsnoop replay` -----------------------------------------


def format_ranges(words, granules):
    runs, start = [], None
    for g in range(granules + 1):
        bit = g < granules and (words[g // 64] >> (g % 64)) & 1
        if bit and start is None:
            start = g
        elif not bit and start is not None:
            runs.append(str(start) if g - start == 1 else f"{start}-{g - 1}")
            start = None
    return ",".join(runs) or "-"


async def replay(t, text):
    """Runs a trace the way `lmsnoop replay` does (src/replay.rs), printing what the host
    sees. Only well-formed traces: a refused command is a test failure."""
    ns, shift, mapped, out = 1_048_576, 0, [], []
    method, swapped = None, False

    async def report_errors():
        flags = await t.read(R.ERR)
        if flags:
            await t.write(R.ERR, flags)
            names = [n[len("ERR_"):] for n, v in R.ERR_FLAGS.items() if flags & v]
            out.append("error " + ",".join(names))

    granules = lambda: (ns + (1 << shift) - 1) >> shift  # noqa: E731
    words = lambda: (granules() + 63) // 64  # noqa: E731
    for raw in text.splitlines():
        w = raw.split("#")[0].split()
        if not w:
            continue
        cmd, args = w[0], [int(a) if a.isdigit() else a for a in w[1:]]
        if cmd == "geometry":
            ns, shift = args
        elif cmd == "map":
            mapped.append(tuple(args))
        elif cmd == "start":
            method = args[0]
            bmp = [0] * words()
            for slba, count in mapped:
                for g in range(slba >> shift, ((slba + count - 1) >> shift) + 1):
                    bmp[g // 64] |= 1 << (g % 64)
            code = R.METHODS["METHOD_" + method.upper()]
            await t.write(R.CONFIG, R.GRANULE_SHIFT.put(R.METHOD.put(0, code), shift))
            await t.write(R.NS_LBAS_LO, ns & 0xFFFFFFFF)
            await t.write(R.NS_LBAS_HI, ns >> 32)
            await t.exec(R.OP_LOAD)
            await t.load(bmp)
            await t.exec(R.OP_START)
        elif cmd == "plan":
            if method == "cursor":
                await t.write(R.PLAN_START, args[0])
                await t.write(R.PLAN_END, args[1])
                await t.exec(R.OP_SET_PLAN)
        elif cmd == "write":
            await t.uw.send(args[0], args[1])
        elif cmd == "copy":
            await t.cr.send(args[0], args[1])
        elif cmd == "swap":
            await t.exec(R.OP_SWAP)
            n = await t.read(R.SWAP_COUNT)
            swapped = True
            await report_errors()
            out.append(f"swap {n}")
        elif cmd == "query":
            plan = await t.query(False, words())
            await t.exec(R.OP_RELEASE)
            await report_errors()
            out.append("plan " + format_ranges(plan, granules()))
        elif cmd == "active":
            active = await t.query(True, words())
            await report_errors()
            out.append("active " + format_ranges(active, granules()))
        else:
            raise ValueError(f"trace line {raw!r}")
    await report_errors()
    await t.exec(R.OP_STOP)
    return "".join(line + "\n" for line in out)


def random_trace(rng):
    """A valid trace (the generator of tests/replay_backends.rs, smaller): a geometry that
    fits the small build, a BMP, a method, writes and copies crowding into a few words,
    plans, swaps, queries (each after a swap, as the protocol asks) and reads."""
    ns, shift = rng.randrange(1, 900), rng.randrange(3)
    lines = [f"geometry {ns} {shift}"]
    for _ in range(rng.randrange(4)):
        s = rng.randrange(ns)
        lines.append(f"map {s} {rng.randrange(1, ns - s + 1)}")
    lines += [f"start {rng.choice(['naive', 'cursor', 'bitmap', 'clear'])}", "query"]
    granules = (ns + (1 << shift) - 1) >> shift
    hot, swapped = rng.randrange(ns), False
    for _ in range(rng.randrange(40, 120)):
        if rng.random() < 0.1:
            hot = rng.randrange(ns)
        lba = ns + rng.randrange(10) if rng.random() < 0.03 else min(hot + rng.randrange(256), ns - 1)
        k = rng.randrange(20)
        if k <= 8:
            lines.append(f"write {lba} {rng.randrange(1, 101)}")
        elif k <= 14:
            lines.append(f"copy {lba} {rng.randrange(1, 101)}")
        elif k == 15:
            a = rng.randrange(granules + 1)
            lines.append(f"plan {a} {a + rng.randrange(granules + 1 - a)}")
        elif k == 16:
            lines.append("swap")
            swapped = True
        elif k == 17:
            if not swapped:
                lines.append("swap")
            lines.append("query")
            swapped = False
        else:
            lines.append("active")
    lines.append("active")
    return "".join(line + "\n" for line in lines)


def lmsnoop_replay(text):
    binary = os.environ.get("LMSNOOP_BIN")
    assert binary, "LMSNOOP_BIN names the lmsnoop binary whose replay is the reference"
    with tempfile.NamedTemporaryFile("w", suffix=".trace", delete=False) as f:
        f.write(text)
    try:
        done = subprocess.run([binary, "replay", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    assert done.returncode == 0, f"lmsnoop replay failed: {done.stderr}"
    return done.stdout


@cocotb.test()
async def migrations_match_lmsnoop_replay(dut):
    await reset(dut)
    here = os.path.dirname(os.path.abspath(__file__))
    figure1 = open(os.path.join(here, "../../tests/traces/figure1.trace")).read()
    cases = [("figure1", figure1)] + [(f"seed {s}", random_trace(random.Random(s))) for s in seeds()]
    for name, text in cases:
        t = Tracker(dut, random.Random(len(text)), pause=0.2)
        got = await replay(t, text)
        want = lmsnoop_replay(text)
        if got != want:
            seed = name.split()[-1]
            dut._log.error(
                "trace %s differs from lmsnoop replay%s\n%s",
                name,
                "" if name == "figure1" else f"; rerun it alone with:\n  {rerun('migrations_match_lmsnoop_replay', seed)}",
                text,
            )
        assert got == want, f"{name}:\ncocotb:\n{got}\nlmsnoop replay:\n{want}"
