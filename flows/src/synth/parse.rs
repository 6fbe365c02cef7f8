//! Reading what the tools wrote: Yosys `stat` and `ltp` reports, the nextpnr log, and the
//! register bits of the generated Verilog.

use std::collections::BTreeMap;

/// Cell counts of one module from a Yosys `stat` report: `name -> count`.
pub type Cells = BTreeMap<String, u64>;

/// The cell counts of every module section of a `stat` report (`=== name ===` headers;
/// the hierarchy total is under `design hierarchy`).
pub fn stat_sections(report: &str) -> BTreeMap<String, Cells> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, Cells)> = None;
    let mut in_cells = false;
    for line in report.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("=== ").and_then(|r| r.strip_suffix(" ===")) {
            if let Some((n, c)) = current.take() {
                sections.insert(n, c);
            }
            current = Some((name.trim().to_string(), Cells::new()));
            in_cells = false;
            continue;
        }
        let Some((_, cells)) = current.as_mut() else {
            continue;
        };
        if t.starts_with("Number of cells:") {
            in_cells = true;
            continue;
        }
        if !in_cells {
            continue;
        }
        let mut words = t.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(name), Some(count), None) => match count.parse::<u64>() {
                Ok(n) => {
                    *cells.entry(name.to_string()).or_insert(0) += n;
                }
                Err(_) => in_cells = false,
            },
            _ => in_cells = false,
        }
    }
    if let Some((n, c)) = current {
        sections.insert(n, c);
    }
    sections
}

/// The cells of module `module` in a `stat` report.
pub fn stat_cells(report: &str, module: &str) -> Option<Cells> {
    stat_sections(report).remove(module)
}

/// The longest combinational path that Yosys `ltp` printed, its cells classified by the
/// prefixes the flow renamed them to (`lut_`, `carry_`, `mux_`, `lutram_`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LongestPath {
    /// Cells on the path (the `length` ltp prints).
    pub cells: u64,
    pub luts: u64,
    pub carries: u64,
    pub muxes: u64,
    pub other: u64,
    /// First and last signal of the path.
    pub from: String,
    pub to: String,
}

fn clean_signal(s: &str) -> String {
    let s = s.trim();
    let s = s.split(" (via ").next().unwrap_or(s);
    s.trim_start_matches('\\').replace(' ', "")
}

/// Parses an `ltp` report; `None` when it printed no path.
pub fn longest_path(report: &str) -> Option<LongestPath> {
    let start = report.find("Longest topological path in ")?;
    let rest = &report[start..];
    let len_at = rest.find("(length=")? + "(length=".len();
    let cells: u64 = rest[len_at..].split(')').next()?.trim().parse().ok()?;
    let mut path = LongestPath {
        cells,
        ..LongestPath::default()
    };
    let mut signals = Vec::new();
    for line in rest.lines().skip(1) {
        let t = line.trim();
        let Some((index, body)) = t.split_once(':') else {
            break;
        };
        if index.parse::<u64>().is_err() {
            break;
        }
        signals.push(clean_signal(body));
        if let Some(via) = body.split(" (via ").nth(1) {
            let cell = via.trim_end_matches(')').trim_start_matches('\\');
            if cell.starts_with("lut_") {
                path.luts += 1;
            } else if cell.starts_with("carry_") {
                path.carries += 1;
            } else if cell.starts_with("mux_") {
                path.muxes += 1;
            } else {
                path.other += 1;
            }
        }
    }
    path.from = signals.first().cloned().unwrap_or_default();
    path.to = signals.last().cloned().unwrap_or_default();
    Some(path)
}

/// What nextpnr-ice40 reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PnrReport {
    /// The last "Max frequency for clock" figure (after routing), in MHz.
    pub fmax_mhz: Option<f64>,
    /// `(used, available)` of the last utilisation table, by resource name
    /// (`ICESTORM_LC`, `ICESTORM_RAM`, `SB_IO`, ...).
    pub utilisation: BTreeMap<String, (u64, u64)>,
    /// The first `ERROR:` line, when there was one.
    pub error: Option<String>,
    /// The last critical path report of the clock (after routing, when it routed).
    pub critical: Option<CriticalPath>,
}

/// nextpnr's critical path: where it starts and ends, what it crosses, and how its delay
/// splits between cells and wires, so that a reader sees what limits the Fmax of a seed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CriticalPath {
    /// Launching and capturing cell as nextpnr names them (`dut.x_SB_DFFE_Q_DFFLC.O`).
    pub from_cell: String,
    pub to_cell: String,
    /// The RTL signals those names start with (`x`): Yosys names a cell after a net
    /// beside it, so this is where to look, not always the flop itself.
    pub from: String,
    pub to: String,
    /// Cells between the two flops, and how many of them are carry cells.
    pub cells: u32,
    pub carries: u32,
    pub logic_ns: f64,
    pub routing_ns: f64,
}

/// The RTL signal a nextpnr cell name starts with: the pin, the block's instance prefix
/// and the mapping suffixes Yosys appends (`_SB_LUT4_O`, `_TRELLIS_FF`, ...) dropped.
fn cell_signal(cell: &str) -> String {
    let cell = cell.rsplit_once('.').map_or(cell, |(c, _pin)| c);
    let cell = cell.strip_prefix("dut.").unwrap_or(cell);
    let end = [
        "_SB_", "$SB_", "_TRELLIS", "_LUT4", "_CCU2", "$CARRY", "$glb",
    ]
    .iter()
    .filter_map(|m| cell.find(m))
    .min()
    .unwrap_or(cell.len());
    let sig = &cell[..end];
    let sig = [".q", ".d", "$q", "$d"]
        .iter()
        .find_map(|s| sig.strip_suffix(s))
        .unwrap_or(sig);
    sig.to_string()
}

/// The critical path in the lines of one "Critical path report for clock" section, in the
/// layout of nextpnr 0.4 (`delay total Source cell`) and of later versions (`type delay
/// total Source cell`): `Source` lines are the cells passed, the last `Sink` the capture.
fn critical_path(section: &[&str]) -> Option<CriticalPath> {
    let mut sources = Vec::new();
    let mut sink = None;
    let mut split = None;
    for line in section {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = words.iter().position(|&w| w == "Source") {
            sources.extend(words.get(i + 1).copied());
        } else if let Some(i) = words.iter().position(|&w| w == "Sink") {
            sink = words.get(i + 1).copied().or(sink);
        } else if let Some((logic, routing)) = line.split_once("ns logic,") {
            let logic = logic.split_whitespace().last()?.parse::<f64>().ok()?;
            let routing = routing.split_whitespace().next()?.parse::<f64>().ok()?;
            split = Some((logic, routing));
        }
    }
    let (from_cell, to_cell) = (*sources.first()?, sink?);
    let (logic_ns, routing_ns) = split?;
    let passed = &sources[1..];
    Some(CriticalPath {
        from: cell_signal(from_cell),
        to: cell_signal(to_cell),
        from_cell: from_cell.to_string(),
        to_cell: to_cell.to_string(),
        cells: passed.len() as u32,
        carries: passed
            .iter()
            .filter(|c| c.contains("CARRY") || c.contains("CCU2"))
            .count() as u32,
        logic_ns,
        routing_ns,
    })
}

/// Parses nextpnr's log (its standard error).
pub fn nextpnr_log(log: &str) -> PnrReport {
    let mut r = PnrReport::default();
    let lines: Vec<&str> = log.lines().collect();
    // A clock's section ends at the next report (cross-domain `<async>` ones follow it) or
    // at the first line that is not `Info:`; a later clock section (after routing)
    // replaces an earlier one (after placement).
    let mut section: Option<usize> = None;
    for (i, line) in lines.iter().chain([&""]).enumerate() {
        let header = line.contains("Critical path report for");
        if let Some(start) = section.filter(|_| header || !line.starts_with("Info:")) {
            r.critical = critical_path(&lines[start + 1..i]).or(r.critical.take());
            section = None;
        }
        if header && line.contains("report for clock") {
            section = Some(i);
        }
    }
    for line in &lines {
        // After routing, a clock that misses --freq is reported as a warning.
        let t = line
            .trim_start_matches("Info:")
            .trim_start_matches("Warning:")
            .trim();
        if let Some(rest) = t.strip_prefix("Max frequency for clock") {
            // 'clk$SB_IO_IN_$glb_clk': 74.52 MHz (PASS at 12.00 MHz)
            if let Some(after) = rest.rsplit_once("':").map(|(_, a)| a) {
                if let Some(mhz) = after.split_whitespace().next() {
                    if let Ok(v) = mhz.parse::<f64>() {
                        r.fmax_mhz = Some(v);
                    }
                }
            }
            continue;
        }
        if r.error.is_none() && line.starts_with("ERROR:") {
            r.error = Some(line.trim().to_string());
            continue;
        }
        // "ICESTORM_LC:  5432/ 7680    70%"
        if let Some((name, rest)) = t.split_once(':') {
            let name = name.trim();
            if name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && !name.is_empty()
            {
                if let Some((used, avail)) = rest.split_once('/') {
                    let used = used.trim().parse::<u64>();
                    let avail = avail.split_whitespace().next().map(str::parse::<u64>);
                    if let (Ok(u), Some(Ok(a))) = (used, avail) {
                        r.utilisation.insert(name.to_string(), (u, a));
                    }
                }
            }
        }
    }
    r
}

/// Register bits of a rust-hdl Verilog file: the widths of the `output reg`s assigned with
/// `<=` in modules holding an `always @(posedge ...)`, outside the RAM modules (those with a
/// `mem[` array). rust-hdl puts every `DFF` in a module of its own, so this is the control
/// state the block can need in flip-flops; the RAMs' read registers come separately.
pub fn register_bits(verilog: &str) -> u64 {
    let mut total = 0;
    for module in verilog.split("\nmodule ") {
        if !module.contains("always @(posedge") || module.contains(" mem[") {
            continue;
        }
        for line in module.lines() {
            let t = line.trim();
            let Some(decl) = t.strip_prefix("output reg") else {
                continue;
            };
            let decl = decl.trim().trim_end_matches(';').trim();
            let (width, name) = match decl.strip_prefix('[') {
                Some(r) => {
                    let Some((range, name)) = r.split_once(']') else {
                        continue;
                    };
                    let Some((hi, lo)) = range.split_once(':') else {
                        continue;
                    };
                    let (Ok(hi), Ok(lo)) = (hi.trim().parse::<u64>(), lo.trim().parse::<u64>())
                    else {
                        continue;
                    };
                    (hi.abs_diff(lo) + 1, name.trim())
                }
                None => (1, decl),
            };
            if module.contains(&format!("{name} <=")) {
                total += width;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "
=== lm_tracker ===

   Number of wires:               4496
   Number of cells:              10716
     CARRY4                        457
     FDRE                         2519
     LUT6                         2193
     RAMB36E1                       64

=== lm_tracker_hx8k ===

   Number of cells:                128
     SB_DFF                         73
     lm_tracker                      1

=== design hierarchy ===

   Number of cells:                200
     SB_DFF                        100
";

    #[test]
    fn reads_stat_sections() {
        let s = stat_sections(STAT);
        assert_eq!(s["lm_tracker"]["RAMB36E1"], 64);
        assert_eq!(s["lm_tracker"]["LUT6"], 2193);
        assert_eq!(s["lm_tracker_hx8k"]["lm_tracker"], 1);
        assert_eq!(s["design hierarchy"]["SB_DFF"], 100);
        assert!(!s["lm_tracker"].contains_key("Number"));
    }

    #[test]
    fn reads_the_longest_path() {
        let report = "5. Executing LTP pass (find longest path).
Longest topological path in lm_tracker (length=4):
    0: \\r_config.q [8]
    1: $x.A [1] (via lut_12)
    2: $y [0] (via carry_3)
    3: $z [0] (via mux_1)
    4: \\s_axil_rdata [31] (via lut_7)
";
        let p = longest_path(report).unwrap();
        assert_eq!(
            (p.cells, p.luts, p.carries, p.muxes, p.other),
            (4, 2, 1, 1, 0)
        );
        assert_eq!(p.from, "r_config.q[8]");
        assert_eq!(p.to, "s_axil_rdata[31]");
        assert!(longest_path("nothing").is_none());
    }

    #[test]
    fn reads_nextpnr() {
        let log = "Info: Device utilisation:
Info: \t         ICESTORM_LC:  5432/ 7680    70%
Info: \t        ICESTORM_RAM:    16/   32    50%
Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 61.20 MHz (FAIL at 100.00 MHz)
Warning: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 58.97 MHz (FAIL at 100.00 MHz)
";
        let r = nextpnr_log(log);
        assert_eq!(r.fmax_mhz, Some(58.97));
        assert_eq!(r.utilisation["ICESTORM_LC"], (5432, 7680));
        assert_eq!(r.utilisation["ICESTORM_RAM"], (16, 32));
        assert!(r.error.is_none());
        let r = nextpnr_log("ERROR: Unable to place cell 'x'\n");
        assert_eq!(r.error.as_deref(), Some("ERROR: Unable to place cell 'x'"));
    }

    #[test]
    fn reads_the_critical_path() {
        // nextpnr-ice40 0.4, trimmed: a placement report, then the routed one.
        let log =
            "Info: Critical path report for clock 'clk$SB_IO_IN_$glb_clk' (posedge -> posedge):
Info: curr total
Info:  0.5  0.5  Source dut.cursor.q_SB_DFFE_Q_DFFLC.O
Info:                Sink dut.win_open.q_SB_DFFE_Q_DFFLC.I0
Info: 1.0 ns logic, 1.0 ns routing
Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 90.00 MHz (FAIL at 100.00 MHz)
Info: Critical path report for clock 'clk$SB_IO_IN_$glb_clk' (posedge -> posedge):
Info: curr total
Info:  0.5  0.5  Source dut.ns_lbas.q_SB_DFFESR_Q_31_DFFLC.O
Info:  0.6  1.1    Net dut.a_empty_SB_LUT4_O_I0[1] budget 0.000000 ns (10,27) -> (11,27)
Info:                Sink dut.x_oob_SB_CARRY_CO_30$CARRY.I3
Info:                Defined in:
Info:                  lm_tracker.v:1822.20-1822.64
Info:  0.3  1.4  Source dut.x_oob_SB_CARRY_CO_30$CARRY.COUT
Info:  0.6  2.0    Net dut.x_oob_SB_LUT4_O_I1[0] budget 0.000000 ns (11,27) -> (11,27)
Info:                Sink $nextpnr_ICESTORM_LC_51.I3
Info:  0.3  2.3  Source $nextpnr_ICESTORM_LC_51.O
Info:  2.4  4.7    Net dut.x_oob_SB_LUT4_O_I0[1] budget 3.148000 ns (11,31) -> (13,15)
Info:                Sink dut.x_oob_SB_LUT4_O_LC.I1
Info:  0.4  5.1  Source dut.x_oob_SB_LUT4_O_LC.O
Info:  0.6  5.7    Net dut.x_oob budget 0.629000 ns (13,15) -> (12,14)
Info:                Sink dut.p3_oob.q_SB_DFFE_Q_DFFLC.I0
Info: 1.5 ns logic, 4.2 ns routing

Info: Critical path report for cross-domain path '<async>' -> 'posedge clk$SB_IO_IN_$glb_clk':
Info: curr total
Info:  0.0  0.0  Source sdi$sb_io.D_IN_0
Info:                Sink sr_SB_DFF_Q_63_DFFLC.I0
Info: 0.0 ns logic, 1.0 ns routing
Warning: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 87.97 MHz (FAIL at 100.00 MHz)
";
        let p = nextpnr_log(log).critical.unwrap();
        assert_eq!((p.from.as_str(), p.to.as_str()), ("ns_lbas", "p3_oob"));
        assert_eq!(p.to_cell, "dut.p3_oob.q_SB_DFFE_Q_DFFLC.I0");
        assert_eq!((p.cells, p.carries), (3, 1));
        assert_eq!((p.logic_ns, p.routing_ns), (1.5, 4.2));
        // The layout of later nextpnr versions, and names without a suffix to drop.
        let log = "Info: Critical path report for clock 'clk' (posedge -> posedge):
Info:       type curr  total name
Info:   clk-to-q  0.52  0.52 Source dut.b_kind.q_TRELLIS_FF_Q.Q
Info:    routing  1.02  1.54 Net dut.b_kind.q[1] budget 0.000000 ns (1,1) -> (2,2)
Info:                          Sink dut.s1_kind_LUT4_Z.A
Info:      logic  0.27  1.81 Source dut.s1_kind_LUT4_Z.F
Info:    routing  0.50  2.31 Net dut.s1_kind$d budget 0.000000 ns (2,2) -> (2,3)
Info:                          Sink dut.s1_kind$q.DI
Info: 0.8 ns logic, 1.5 ns routing
";
        let p = nextpnr_log(log).critical.unwrap();
        assert_eq!((p.from.as_str(), p.to.as_str()), ("b_kind", "s1_kind"));
        assert_eq!((p.cells, p.carries), (1, 0));
        assert!(nextpnr_log("Info: Max frequency for clock 'c': 1.00 MHz\n")
            .critical
            .is_none());
    }

    #[test]
    fn counts_register_bits() {
        let v = "
module top(a);
endmodule

module top$x(d,q,clock);
    output reg  [5:0] q;
    always @(posedge clock) begin
       q <= d;
    end
endmodule

module top$y(d,q,clock);
    output reg  q;
    always @(posedge clock) begin
       q <= d;
    end
endmodule

module top$ram0(read_data);
    output reg  [63:0] read_data;
    reg[63:0] mem[15:0];
    always @(posedge read_clock) begin
       read_data <= mem[read_address];
    end
endmodule
";
        assert_eq!(register_bits(v), 7);
    }
}
