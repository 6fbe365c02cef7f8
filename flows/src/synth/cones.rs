//! Where the LUTs go. Each LUT of the synthesised block is charged to what its output
//! reaches through combinational cells (registers, RAM ports, block outputs), split evenly
//! among them, and the registers are grouped into the block's functional units. A LUT
//! shared by two units counts half in each, so the units add up to the LUT total.
//!
//! The netlist is Yosys's BLIF (`write_blif`), written right after synthesis: one
//! `.subckt` per cell, nets named after the RTL signals where Yosys kept a name (a flop's
//! output is `<register>.q[bit]`).
//!
//! The same graph gives the logic depth into each register ([`depths`]): the cells on the
//! longest combinational path that ends there, counted as Yosys's `ltp` counts them, so
//! that a report can list every register over a depth target instead of the one longest
//! path.

use std::collections::{BTreeMap, HashMap};

/// A functional unit of `lm_tracker` and the register-name prefixes that belong to it.
/// The first matching prefix wins, so longer prefixes go before shorter ones.
const UNITS: &[(&str, &[&str])] = &[
    (
        "accept: LBA -> granule, range checks",
        &["p1_", "p2_", "p3_", "uw_", "cr_"],
    ),
    ("range walker B, word and window masks", &["b_", "s1_"]),
    (
        "S1/S2 read-modify-write, forwarding",
        &[
            "s2_",
            "s3_",
            "fwd",
            "pop_change.word",
            "pop_skip.word",
            "RAM data",
        ],
    ),
    ("popcounts (S3)", &["s4_", "pc"]),
    (
        "live counts, statistics counters",
        &["cnt0", "cnt1", "stats.", "swap_count"],
    ),
    ("CSR read mux", &["axil.r", "s_axil_r"]),
    (
        "CSR writes, error and IRQ flags",
        &["axil.", "err_irq.", "params.", "r_", "irq", "s_axil_"],
    ),
    (
        "command engine, geometry, cursor",
        &[
            "cstate", "cmd_", "cx_", "x_", "geo.", "mk_", "cursor", "plan_", "win_open", "ns_",
            "sel", "tracking", "method", "shift", "loaded", "pas_nz", "drained", "pl_err", "sd_",
        ],
    ),
    (
        "query FIFO, load and query streams",
        &["qf_", "q_", "query.", "load_", "load.", "ld_"],
    ),
    ("clear engine", &["clear."]),
    ("RAM addresses and enables", &["RAM "]),
];

/// LUTs by unit, largest first, and the registers no unit claims (with their LUTs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LutShare {
    pub units: Vec<(&'static str, f64)>,
    pub unclaimed: Vec<(String, f64)>,
    /// LUTs whose output reaches nothing (Yosys should have removed them).
    pub dangling: u64,
}

/// What a cell does to the cone walk.
enum Role {
    /// Counted: a LUT.
    Lut,
    /// Passed through at no cost: carry, wide mux, inverter, buffer.
    Through,
    /// Where a cone ends (flop, RAM, output buffer), or an input buffer.
    End,
}

struct Cell {
    role: Role,
    outs: Vec<usize>,
    /// Nets read (combinational cells only; a sink's inputs end cones instead).
    ins: Vec<usize>,
    /// Counts on a path: a netlist cell; not a BLIF buffer between two net names.
    counted: bool,
}

fn is_lut(kind: &str) -> bool {
    kind == "SB_LUT4" || (kind.starts_with("LUT") && kind.len() == 4)
}

/// Flip-flops, and the Xilinx shift-register LUTs (SRL16E, SRLC32E) Yosys packs flop
/// chains into: a register to the cone walk, its output `Q`.
fn is_flop(kind: &str) -> bool {
    kind.starts_with("FD")
        || kind.starts_with("SB_DFF")
        || kind == "TRELLIS_FF"
        || kind.starts_with("SRL")
}

fn is_through(kind: &str) -> bool {
    kind.starts_with("MUXF")
        || kind.starts_with("CARRY")
        || matches!(
            kind,
            "SB_CARRY" | "CCU2C" | "PFUMX" | "L6MUX21" | "INV" | "BUFG"
        )
}

/// The register a flop output net belongs to: `s1_win.q[5]` -> `s1_win`.
fn register_of(net: &str) -> String {
    let base = net.split('[').next().unwrap_or(net);
    base.strip_suffix(".q").unwrap_or(base).to_string()
}

/// `.subckt` port names that are outputs.
fn is_output_port(kind: &str, port: &str) -> bool {
    let base = port.split('[').next().unwrap_or(port);
    if kind == "CCU2C" {
        // ECP5's two-bit adder: S0/S1 are its sums (Xilinx CARRY4's S is an input).
        return matches!(base, "S0" | "S1" | "COUT");
    }
    if is_lut(kind) || is_through(kind) {
        // O, CO: Xilinx and iCE40; Z: ECP5's LUT4, PFUMX and L6MUX21.
        return matches!(base, "O" | "CO" | "Z");
    }
    if is_flop(kind) {
        return base == "Q";
    }
    if kind == "IBUF" || kind == "OBUF" {
        return base == "O";
    }
    // RAMs: data outputs (DO*, RDATA, DOUT).
    base.starts_with("DO") || base == "RDATA" || base == "DOUT"
}

/// The group a RAM input port belongs to: data or the rest.
fn ram_group(port: &str) -> String {
    let base = port.split('[').next().unwrap_or(port);
    if base.starts_with("DI") || base == "WDATA" || base == "DIN" || base == "MASK" {
        "RAM data".to_string()
    } else {
        "RAM addresses and enables".to_string()
    }
}

struct Builder {
    nets: HashMap<String, usize>,
    /// Per net: (cell, group when the consumer is a sink) for each consumer.
    consumers: Vec<Vec<(usize, Option<String>)>>,
    cells: Vec<Cell>,
}

impl Builder {
    fn net(&mut self, name: &str) -> usize {
        if let Some(&n) = self.nets.get(name) {
            return n;
        }
        let n = self.consumers.len();
        self.nets.insert(name.to_string(), n);
        self.consumers.push(Vec::new());
        n
    }

    fn subckt(&mut self, fields: &[&str]) {
        let Some((&kind, ports)) = fields.split_first() else {
            return;
        };
        let pins: Vec<(&str, &str)> = ports.iter().filter_map(|p| p.split_once('=')).collect();
        let id = self.cells.len();
        let mut outs = Vec::new();
        let mut q_name = None;
        for &(port, net) in &pins {
            if is_output_port(kind, port) {
                outs.push(self.net(net));
                q_name.get_or_insert(net);
            }
        }
        let role = if is_lut(kind) {
            Role::Lut
        } else if is_through(kind) {
            Role::Through
        } else {
            Role::End
        };
        // The group a cone ends in when it reaches this cell through `port`.
        let group_of = |port: &str| match role {
            _ if kind == "IBUF" => None,
            Role::End if kind == "OBUF" => Some(format!("output {}", pins_out(&pins))),
            Role::End if is_flop(kind) => Some(register_of(q_name.unwrap_or("?"))),
            Role::End => Some(ram_group(port)),
            Role::Lut | Role::Through => None,
        };
        let mut ins = Vec::new();
        for &(port, net) in &pins {
            if is_output_port(kind, port) {
                continue;
            }
            let group = group_of(port);
            let n = self.net(net);
            if group.is_none() {
                ins.push(n);
            }
            self.consumers[n].push((id, group));
        }
        self.cells.push(Cell {
            role,
            outs,
            ins,
            counted: true,
        });
    }
}

fn pins_out(pins: &[(&str, &str)]) -> String {
    pins.iter()
        .find(|(p, _)| *p == "O")
        .map_or("?".to_string(), |(_, n)| register_of(n))
}

/// A BLIF netlist as cells and the nets between them.
struct Netlist {
    /// Per net: (cell, group when the consumer is a sink) for each consumer.
    consumers: Vec<Vec<(usize, Option<String>)>>,
    cells: Vec<Cell>,
    /// Per net, the block outputs it drives.
    extra_sinks: HashMap<usize, Vec<String>>,
}

/// Reads Yosys's BLIF of one flattened module.
fn parse(blif: &str) -> Netlist {
    let mut b = Builder {
        nets: HashMap::new(),
        consumers: Vec::new(),
        cells: Vec::new(),
    };
    let mut outputs: Vec<String> = Vec::new();
    // BLIF continues a line with a trailing backslash.
    let text = blif.replace("\\\n", " ");
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.first().copied() {
            Some(".subckt") => b.subckt(&fields[1..]),
            Some(".outputs") => outputs.extend(fields[1..].iter().map(|s| s.to_string())),
            // A buffer from one net to another: one input, cover "1 1".
            Some(".names")
                if fields.len() == 3 && lines.peek().map(|l| l.trim()) == Some("1 1") =>
            {
                let (from, to) = (b.net(fields[1]), b.net(fields[2]));
                let id = b.cells.len();
                b.cells.push(Cell {
                    role: Role::Through,
                    outs: vec![to],
                    ins: vec![from],
                    counted: false,
                });
                b.consumers[from].push((id, None));
            }
            _ => {}
        }
    }
    let sink_groups: Vec<(usize, String)> = outputs
        .iter()
        .map(|o| (b.net(o), format!("output {}", register_of(o))))
        .collect();
    let mut extra_sinks: HashMap<usize, Vec<String>> = HashMap::new();
    for (n, g) in sink_groups {
        extra_sinks.entry(n).or_default().push(g);
    }
    Netlist {
        consumers: b.consumers,
        cells: b.cells,
        extra_sinks,
    }
}

/// The logic depth into each register, RAM port group and block output of the BLIF
/// netlist `blif`: the counted cells on the longest combinational path ending there, from
/// a register, RAM output or input. Deepest first, then by name.
pub fn depths(blif: &str) -> Vec<(String, u32)> {
    let net = parse(blif);
    let mut driver: Vec<Option<usize>> = vec![None; net.consumers.len()];
    for (id, cell) in net.cells.iter().enumerate() {
        if !matches!(cell.role, Role::End) {
            for &n in &cell.outs {
                driver[n] = Some(id);
            }
        }
    }
    let mut memo: Vec<Option<u32>> = vec![None; net.cells.len()];
    let mut into: BTreeMap<String, u32> = BTreeMap::new();
    let mut note = |group: &str, d: u32| {
        let e = into.entry(group.to_string()).or_default();
        *e = (*e).max(d);
    };
    for n in 0..net.consumers.len() {
        let d = driver[n].map_or(0, |c| depth_at(c, &net.cells, &driver, &mut memo));
        for (_, group) in &net.consumers[n] {
            if let Some(g) = group {
                note(g, d);
            }
        }
        for g in net.extra_sinks.get(&n).into_iter().flatten() {
            note(g, d);
        }
    }
    let mut v: Vec<(String, u32)> = into.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Counted cells on the longest path ending at combinational cell `id`'s output.
fn depth_at(
    id: usize,
    cells: &[Cell],
    driver: &[Option<usize>],
    memo: &mut Vec<Option<u32>>,
) -> u32 {
    if let Some(d) = memo[id] {
        return d;
    }
    // Guards a combinational loop (none should exist).
    memo[id] = Some(0);
    let mut deepest = 0;
    for &n in &cells[id].ins {
        if let Some(c) = driver[n] {
            deepest = deepest.max(depth_at(c, cells, driver, memo));
        }
    }
    let d = deepest + u32::from(cells[id].counted);
    memo[id] = Some(d);
    d
}

/// Charges every LUT of the BLIF netlist `blif` (one flattened module) to the units.
pub fn lut_share(blif: &str) -> LutShare {
    let Netlist {
        consumers,
        cells,
        extra_sinks,
    } = parse(blif);
    let mut groups: HashMap<usize, Vec<String>> = HashMap::new();
    let mut luts_by_group: BTreeMap<String, f64> = BTreeMap::new();
    let mut dangling = 0;
    for id in 0..cells.len() {
        if !matches!(cells[id].role, Role::Lut) {
            continue;
        }
        let reach = reach(id, &cells, &consumers, &extra_sinks, &mut groups);
        if reach.is_empty() {
            dangling += 1;
            continue;
        }
        let share = 1.0 / reach.len() as f64;
        for g in reach {
            *luts_by_group.entry(g).or_default() += share;
        }
    }
    let mut units: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut unclaimed = Vec::new();
    for (group, luts) in luts_by_group {
        match unit_of(&group) {
            Some(u) => *units.entry(u).or_default() += luts,
            None => unclaimed.push((group, luts)),
        }
    }
    let mut units: Vec<(&'static str, f64)> = units.into_iter().collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    unclaimed.sort_by(|a, b| b.1.total_cmp(&a.1));
    LutShare {
        units,
        unclaimed,
        dangling,
    }
}

/// The unit of a register group, RAM port group or output.
pub fn unit_of(group: &str) -> Option<&'static str> {
    let name = group.strip_prefix("output ").unwrap_or(group);
    // Registers Yosys adds at a RAM's ports (iCE40), named after the port.
    if name.starts_with("ram0.") || name.starts_with("ram1.") {
        return unit_of(if name.contains("DATA") {
            "RAM data"
        } else {
            "RAM addresses and enables"
        });
    }
    UNITS
        .iter()
        .find(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
        .map(|(u, _)| *u)
}

/// The sink groups cell `id`'s outputs reach, memoised per cell (cones share their tails).
fn reach(
    id: usize,
    cells: &[Cell],
    consumers: &[Vec<(usize, Option<String>)>],
    extra_sinks: &HashMap<usize, Vec<String>>,
    memo: &mut HashMap<usize, Vec<String>>,
) -> Vec<String> {
    if let Some(r) = memo.get(&id) {
        return r.clone();
    }
    // Guards a combinational loop (none should exist): the cell reaches nothing new.
    memo.insert(id, Vec::new());
    let mut out: Vec<String> = Vec::new();
    for &net in &cells[id].outs {
        if let Some(g) = extra_sinks.get(&net) {
            out.extend(g.iter().cloned());
        }
        for (next, group) in &consumers[net] {
            match (&cells[*next].role, group) {
                (_, Some(g)) => out.push(g.clone()),
                (Role::Lut | Role::Through, None) => {
                    out.extend(reach(*next, cells, consumers, extra_sinks, memo))
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    memo.insert(id, out.clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = "\
.model top
.inputs a b clk
.outputs y
.names $false
.subckt LUT2 I0=a I1=b O=n1
.subckt LUT2 I0=n1 I1=a O=n2
.subckt FDRE C=clk CE=$true D=n2 Q=s1_win.q[0] R=$false
.subckt LUT1 I0=n1 O=n3
.names n3 n4
1 1
.subckt FDRE C=clk CE=n4 D=b Q=cnt0.q[3] R=$false
.subckt LUT1 I0=s1_win.q[0] \\
 O=y
.subckt LUT1 I0=a O=nowhere
.subckt FDRE C=clk CE=$true D=a Q=mystery.q R=$false
.subckt LUT1 I0=b O=m
.subckt FDRE C=clk CE=$true D=m Q=mystery.q R=$false
.end
";

    #[test]
    fn luts_are_split_among_the_registers_they_reach() {
        let s = lut_share(NET);
        // n1 reaches s1_win and cnt0 (through n3 and the buffer): half each.
        // n2 -> s1_win, n3 -> cnt0, y -> an output with no unit, m -> mystery.
        let unit = |name: &str| s.units.iter().find(|u| u.0 == name).map(|u| u.1);
        assert_eq!(unit("range walker B, word and window masks"), Some(1.5));
        assert_eq!(unit("live counts, statistics counters"), Some(1.5));
        assert_eq!(
            s.unclaimed,
            vec![("mystery".to_string(), 1.0), ("output y".to_string(), 1.0)]
        );
        assert_eq!(s.dangling, 1);
        let total = s.units.iter().map(|u| u.1).sum::<f64>()
            + s.unclaimed.iter().map(|u| u.1).sum::<f64>()
            + s.dangling as f64;
        assert_eq!(total, 6.0);
    }

    /// ECP5 cells: LUT4 and the wide muxes drive Z, CCU2C its sums S0/S1 and COUT.
    const ECP5_NET: &str = "\
.model lm_tracker
.inputs a b clk
.outputs y
.subckt LUT4 A=a B=b C=$false D=$false Z=l1
.subckt LUT4 A=a B=$false C=$false D=$false Z=l2
.subckt PFUMX ALUT=l1 BLUT=l2 C0=b Z=m
.subckt TRELLIS_FF CE=$true CLK=clk DI=m LSR=$false Q=s1_win.q[0]
.subckt LUT4 A=b B=$false C=$false D=$false Z=l3
.subckt CCU2C A0=l3 A1=a B0=b B1=b C0=$true C1=$true CIN=$false COUT=co D0=$true D1=$true S0=s0 S1=s1
.subckt TRELLIS_FF CE=$true CLK=clk DI=s0 LSR=$false Q=cnt0.q[0]
.subckt L6MUX21 D0=s1 D1=co SD=a Z=y
.end
";

    #[test]
    fn ecp5_cells_pass_their_cones_through() {
        let s = lut_share(ECP5_NET);
        let unit = |name: &str| s.units.iter().find(|u| u.0 == name).map(|u| u.1);
        // l1, l2 reach s1_win through the PFUMX; l3 reaches cnt0 (S0) and y (S1, COUT).
        assert_eq!(unit("range walker B, word and window masks"), Some(2.0));
        assert_eq!(unit("live counts, statistics counters"), Some(0.5));
        assert_eq!(s.unclaimed, vec![("output y".to_string(), 0.5)]);
        assert_eq!(s.dangling, 0);
    }

    #[test]
    fn depth_is_the_longest_counted_path_into_each_sink() {
        // s1_win: n1 -> n2 (2 LUTs); cnt0 (CE): n1 -> n3 through a buffer that does not
        // count (2); output y: 1; mystery: 1 (and an input straight into its D: 0).
        assert_eq!(
            depths(NET),
            [
                ("cnt0".to_string(), 2),
                ("s1_win".to_string(), 2),
                ("mystery".to_string(), 1),
                ("output y".to_string(), 1),
            ]
        );
        // A shift-register LUT is a register: the paths before and after it are apart.
        let srl = "\
.model lm_tracker
.inputs a clk
.subckt LUT1 I0=a O=n1
.subckt LUT1 I0=n1 O=n2
.subckt SRL16E A0=$false A1=$true A2=$false A3=$false CE=$true CLK=clk D=n2 Q=p3_cr.q
.subckt LUT1 I0=p3_cr.q O=n3
.subckt FDRE C=clk CE=$true D=n3 Q=s2_w.q[0] R=$false
.end
";
        assert_eq!(
            depths(srl),
            [("p3_cr".to_string(), 2), ("s2_w".to_string(), 1)]
        );
        // The ECP5 chain: LUT4 -> CCU2C -> L6MUX21 into y (3), PFUMX behind two LUT4s (2).
        let d = depths(ECP5_NET);
        assert_eq!(d[0], ("output y".to_string(), 3), "{d:?}");
        assert!(d.contains(&("s1_win".to_string(), 2)), "{d:?}");
    }

    #[test]
    fn every_prefix_names_one_unit() {
        assert_eq!(
            unit_of("s1_win"),
            Some("range walker B, word and window masks")
        );
        assert_eq!(unit_of("axil.rdata"), Some("CSR read mux"));
        assert_eq!(
            unit_of("axil.bresp"),
            Some("CSR writes, error and IRQ flags")
        );
        assert_eq!(unit_of("output s_axil_rdata"), Some("CSR read mux"));
        assert_eq!(
            unit_of("output s_axil_bresp"),
            Some("CSR writes, error and IRQ flags")
        );
        assert_eq!(
            unit_of("output q_tdata"),
            Some("query FIFO, load and query streams")
        );
        assert_eq!(
            unit_of("RAM data"),
            Some("S1/S2 read-modify-write, forwarding")
        );
        assert_eq!(
            unit_of("output uw_ready"),
            Some("accept: LBA -> granule, range checks")
        );
        assert_eq!(
            unit_of("ram0.mem.0.0_WDATA"),
            Some("S1/S2 read-modify-write, forwarding")
        );
        assert_eq!(
            unit_of("ram1.write_enable_SB_DFF_D_Q"),
            Some("RAM addresses and enables")
        );
        assert_eq!(unit_of("unknown"), None);
    }
}
