"""Builds the committed Verilog of the small lm_tracker build with Icarus and runs the
cocotb tests of test_lm_tracker.py on it.

    python hdl/cocotb/run.py [--build-dir DIR] [--tests NAME,...]

Needs Icarus Verilog and the packages of requirements.txt (scripts/test.sh installs both);
LMSNOOP_BIN names the lmsnoop binary the replay test compares with. Exits non-zero when a
test fails, and prints the path of the JUnit results.
"""

import argparse
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from cocotb_tools.runner import get_runner

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TOP = "lm_tracker_small"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", default=str(ROOT / "target" / "cocotb"))
    p.add_argument("--tests", default=os.environ.get("LMSNOOP_COCOTB_TESTS"))
    args = p.parse_args()

    runner = get_runner("icarus")
    runner.build(
        sources=[ROOT / "hdl" / "generated" / f"{TOP}.v"],
        hdl_toplevel=TOP,
        build_dir=args.build_dir,
        timescale=("1ns", "1ps"),
        always=True,
    )
    results = runner.test(
        test_module="test_lm_tracker",
        hdl_toplevel=TOP,
        test_dir=str(HERE),
        build_dir=args.build_dir,
        testcase=args.tests.split(",") if args.tests else None,
        extra_env={"PYTHONPATH": str(HERE)},
        results_xml=str(Path(args.build_dir).resolve() / "results.xml"),
    )
    cases = list(ET.parse(results).iter("testcase"))
    failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
    print(f"cocotb: {len(cases)} tests, {len(failed)} failed; results in {results}")
    for name in failed:
        print(f"cocotb: FAILED {name}")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
