//! The constraint files cannot go stale silently: every port an XDC/SDC names exists on the
//! generated top `lm_tracker` with the direction its command implies, every port of the top
//! is constrained (inputs delayed, outputs delayed or false-pathed, the clock created), and
//! every PCF pin names a port of the iCE40 harness. Text only, no tools: milliseconds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    In,
    Out,
}

/// Ports of the first module of a Verilog file: `name -> direction`, from its
/// `input`/`output` declarations (non-ANSI as rust-hdl writes them, or ANSI).
fn ports(verilog: &str, module: &str) -> BTreeMap<String, Dir> {
    let start = verilog
        .find(&format!("module {module}"))
        .unwrap_or_else(|| panic!("no module {module}"));
    let body = &verilog[start..];
    let body = &body[..body.find("endmodule").expect("endmodule")];
    let mut ports = BTreeMap::new();
    for line in body.lines() {
        let t = line.trim().trim_end_matches([',', ';']);
        let (dir, rest) = if let Some(r) = t.strip_prefix("input ") {
            (Dir::In, r)
        } else if let Some(r) = t.strip_prefix("output ") {
            (Dir::Out, r)
        } else {
            continue;
        };
        // Drop `wire`/`reg`, the range, and a trailing comment.
        let rest = rest.split("//").next().unwrap();
        let name = rest
            .split(|c: char| c.is_whitespace() || c == ']')
            .rfind(|w| !w.is_empty())
            .unwrap()
            .trim_end_matches([',', ';', ')']);
        ports.insert(name.to_string(), dir);
    }
    assert!(!ports.is_empty(), "no ports found in module {module}");
    ports
}

/// Glob match with `*` and `?`.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// A pattern names a port; a bus index such as `[*]` or `[3]` selects bits of it.
fn matches(pattern: &str, port: &str) -> bool {
    let base = match pattern.find('[') {
        Some(i) if pattern.ends_with(']') => &pattern[..i],
        _ => pattern,
    };
    glob(base, port)
}

/// Every `[get_ports ...]` of a constraint file, with the command of its line:
/// `(line number, command, patterns)`.
fn get_ports(text: &str) -> Vec<(usize, String, Vec<String>)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        let command = code.split_whitespace().next().unwrap_or("").to_string();
        let mut rest = code;
        while let Some(at) = rest.find("[get_ports ") {
            let after = &rest[at + "[get_ports ".len()..];
            let (arg, tail) = if let Some(b) = after.strip_prefix('{') {
                let end = b.find('}').expect("closing brace");
                (&b[..end], &b[end + 1..])
            } else {
                let end = after.find(']').expect("closing bracket");
                (&after[..end], &after[end..])
            };
            let patterns = arg.split_whitespace().map(str::to_string).collect();
            out.push((i + 1, command.clone(), patterns));
            rest = tail;
        }
    }
    out
}

fn top_ports() -> BTreeMap<String, Dir> {
    ports(&read("hdl/generated/lm_tracker.v"), "lm_tracker")
}

/// Checks one set of constraint files, read in order, against the top's ports.
fn check_set(files: &[&str]) {
    let ports = top_ports();
    let mut input_delay: BTreeMap<&str, bool> = BTreeMap::new();
    let mut output_timed: BTreeMap<&str, bool> = BTreeMap::new();
    let mut clocked = false;
    for file in files {
        let text = read(file);
        let found = get_ports(&text);
        assert!(!found.is_empty(), "{file} names no ports");
        for (line, command, patterns) in found {
            for pattern in &patterns {
                let hits: Vec<(&String, &Dir)> =
                    ports.iter().filter(|(p, _)| matches(pattern, p)).collect();
                assert!(
                    !hits.is_empty(),
                    "{file}:{line}: `{pattern}` matches no port of lm_tracker \
                     (hdl/generated/lm_tracker.v): rename it or remove it"
                );
                for (port, dir) in hits {
                    let want = match command.as_str() {
                        "set_input_delay" | "create_clock" => Some(Dir::In),
                        "set_output_delay" => Some(Dir::Out),
                        _ => None,
                    };
                    if let Some(want) = want {
                        assert_eq!(
                            *dir, want,
                            "{file}:{line}: {command} on {port}, which is {dir:?}"
                        );
                    }
                    match command.as_str() {
                        "create_clock" => clocked |= port == "clock",
                        "set_input_delay" => {
                            input_delay.insert(port, true);
                        }
                        "set_output_delay" => {
                            output_timed.insert(port, true);
                        }
                        "set_false_path" if *dir == Dir::Out => {
                            output_timed.insert(port, true);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(clocked, "{files:?}: no create_clock on the port `clock`");
    for (port, dir) in &ports {
        match dir {
            Dir::In if port != "clock" => assert!(
                input_delay.contains_key(port.as_str()),
                "{files:?}: input {port} has no set_input_delay"
            ),
            Dir::Out => assert!(
                output_timed.contains_key(port.as_str()),
                "{files:?}: output {port} has neither set_output_delay nor a false path"
            ),
            _ => {}
        }
    }
}

#[test]
fn xdc_250mhz_constrains_every_port_by_its_real_name() {
    check_set(&[
        "constraints/lm_tracker_250mhz.xdc",
        "constraints/lm_tracker_io.xdc",
    ]);
}

#[test]
fn xdc_300mhz_constrains_every_port_by_its_real_name() {
    check_set(&[
        "constraints/lm_tracker_300mhz.xdc",
        "constraints/lm_tracker_io.xdc",
    ]);
}

#[test]
fn sdc_constrains_every_port_by_its_real_name() {
    check_set(&["constraints/lm_tracker.sdc"]);
}

#[test]
fn clock_periods_are_what_the_file_names_say() {
    for (file, period) in [
        ("constraints/lm_tracker_250mhz.xdc", "4.000"),
        ("constraints/lm_tracker_300mhz.xdc", "3.333"),
        ("constraints/lm_tracker.sdc", "4.000"),
    ] {
        let text = read(file);
        assert!(
            text.contains(&format!("-period {period}"))
                || text.contains(&format!("set lm_tracker_period {period}")),
            "{file} does not set a {period} ns period"
        );
    }
}

#[test]
fn pcf_pins_name_ports_of_the_harness() {
    let harness = read("hdl/harness/ice40_hx8k.v");
    let ports = ports(&harness, "lm_tracker_hx8k");
    let pcf = read("constraints/lm_tracker_hx8k.pcf");
    let mut pinned = Vec::new();
    for (i, line) in pcf.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("").trim();
        let words: Vec<&str> = code.split_whitespace().collect();
        if words.first() != Some(&"set_io") {
            assert!(code.is_empty(), "pcf line {}: unexpected `{code}`", i + 1);
            continue;
        }
        let args: Vec<&&str> = words[1..].iter().filter(|w| !w.starts_with("--")).collect();
        assert_eq!(args.len(), 2, "pcf line {}: set_io NAME PIN", i + 1);
        let name = *args[0];
        assert!(
            ports.contains_key(name),
            "constraints/lm_tracker_hx8k.pcf line {}: {name} is not a port of lm_tracker_hx8k \
             (hdl/harness/ice40_hx8k.v)",
            i + 1
        );
        pinned.push(name.to_string());
    }
    for port in ports.keys() {
        assert!(pinned.contains(port), "harness port {port} has no pin");
    }
    assert!(pcf.contains("set_io clk J3"), "the 12 MHz clock is on J3");
}

#[test]
fn the_harness_drives_every_port_of_the_block() {
    let harness = read("hdl/harness/ice40_hx8k.v");
    for port in top_ports().keys() {
        assert!(
            harness.contains(&format!(".{port}(")),
            "hdl/harness/ice40_hx8k.v does not connect lm_tracker's port {port}"
        );
    }
}

#[test]
fn the_parsers_work() {
    assert!(matches("uw_slba[*]", "uw_slba"));
    assert!(matches("s_axil_*", "s_axil_rdata"));
    assert!(!matches("uw_*", "cr_valid"));
    let p = get_ports("set_false_path -to [get_ports irq] # x [get_ports nope]\n");
    assert_eq!(
        p,
        vec![(1, "set_false_path".to_string(), vec!["irq".to_string()])]
    );
    let v = "module m(a,b);\n    input wire  [3:0] a;\n    output reg  b;\nendmodule\n";
    let ports = ports(v, "m");
    assert_eq!(ports["a"], Dir::In);
    assert_eq!(ports["b"], Dir::Out);
}
