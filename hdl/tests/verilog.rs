//! The generated Verilog: current, lint-clean, and with the bitmaps in block RAM.
//! Needs Verilator and Yosys: a missing tool fails the test with an install hint.

use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::{generated, LmTracker, DEFAULT_ADDR_BITS};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a tool, failing with an install hint when it is not there.
fn run(tool: &str, args: &[&str], cwd: &Path) -> std::process::Output {
    match Command::new(tool).args(args).current_dir(cwd).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "{tool} could not be run ({e}): install it with `apt-get install {tool}` \
             (scripts/test.sh installs every tool the tests need)"
        ),
    }
}

#[test]
fn generated_verilog_is_current() {
    for g in generated() {
        let path = root().join("hdl/generated").join(g.file);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == g.verilog,
            "hdl/generated/{} is stale: run `cargo run --release --features hw -- gen-verilog` to regenerate it",
            g.file
        );
    }
}

#[test]
fn verilator_lint_is_clean() {
    let files: Vec<String> = generated()
        .iter()
        .map(|g| format!("hdl/generated/{}", g.file))
        .collect();
    let mut args = vec!["--lint-only", "-Wall", "hdl/lint.vlt"];
    args.extend(files.iter().map(String::as_str));
    let out = run("verilator", &args, &root());
    assert!(
        out.status.success(),
        "verilator --lint-only -Wall hdl/lint.vlt hdl/generated/*.v failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Yosys's Xilinx 7-series flow must map both bitmaps to RAMB36E1, exactly as many as
/// their bits need: a RAMB36E1 holds 32 Kbit of data (512 x 64 bits).
#[test]
fn bitmaps_become_block_ram() {
    let dir = std::env::temp_dir().join(format!("lmsnoop-bram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let verilog = root().join("hdl/generated/lm_tracker.v");
    let script = format!(
        "read_verilog {}; synth_xilinx -flatten -family xc7 -top lm_tracker; tee -o stat.txt stat",
        verilog.display()
    );
    let out = run("yosys", &["-q", "-p", &script], &dir);
    assert!(
        out.status.success(),
        "yosys failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stat = std::fs::read_to_string(dir.join("stat.txt")).expect("yosys wrote no statistics");
    let _ = std::fs::remove_dir_all(&dir);
    let count = |cell: &str| -> u64 {
        stat.lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(cell))
                    .then(|| w.next().and_then(|n| n.parse::<u64>().ok()))
                    .flatten()
            })
            .sum()
    };
    let bits = 2 * (1u64 << DEFAULT_ADDR_BITS) * 64;
    assert_eq!(2 * LmTracker::<DEFAULT_ADDR_BITS>::CAPACITY, bits);
    let want = bits / (512 * 64);
    assert_eq!(
        count("RAMB36E1"),
        want,
        "the bitmaps did not become {want} RAMB36E1:\n{stat}"
    );
    // Without inference the 2 Mbit of bitmap would be millions of flip-flops.
    let ffs = count("FDRE") + count("FDSE") + count("FDCE") + count("FDPE");
    assert!(
        ffs < 10_000,
        "{ffs} flip-flops: the RAMs exploded into registers"
    );
}

/// The top ports of a generated module as `(name, is_input, width)`, in declaration order,
/// from rust-hdl's non-ANSI `input wire [W-1:0] name;` lines.
fn top_ports(verilog: &str, top: &str) -> Vec<(String, bool, u32)> {
    let start = verilog
        .find(&format!("module {top}("))
        .unwrap_or_else(|| panic!("no module {top}"));
    let body = &verilog[start..];
    let body = &body[..body.find("endmodule").expect("endmodule")];
    body.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let is_input = match words.next()? {
                "input" => true,
                "output" => false,
                _ => return None,
            };
            let rest: Vec<&str> = words.filter(|w| *w != "wire" && *w != "reg").collect();
            let (width, name) = match rest.as_slice() {
                [name] => (1, *name),
                [range, name] => {
                    let msb: u32 = range
                        .trim_start_matches('[')
                        .split(':')
                        .next()
                        .and_then(|m| m.parse().ok())
                        .unwrap_or_else(|| panic!("range {range} in {line}"));
                    (msb + 1, *name)
                }
                _ => panic!("unexpected port line {line:?}"),
            };
            Some((name.trim_end_matches(';').to_string(), is_input, width))
        })
        .collect()
}

/// Every build's top has exactly the ports of the port table (`regs/src/ports.rs`), in its
/// order, with its directions and widths: the table the shim structs are rendered from.
#[test]
fn top_ports_match_the_port_table() {
    let want: Vec<(String, bool, u32)> = regs::ports::PORTS
        .iter()
        .map(|p| (p.name.to_string(), p.dir == regs::ports::Dir::In, p.width))
        .collect();
    for g in generated() {
        assert_eq!(
            top_ports(&g.verilog, g.top),
            want,
            "{}: the block's ports differ from regs/src/ports.rs",
            g.file
        );
    }
}
