//! The `// probe:` lines of a formal wrapper (the block's in `hdl/formal/`, the units' in
//! `hdl/formal/units/`): `// probe: <wire> = dut.<net> [cut|lemma]` drives a wrapper wire from a
//! net inside the block under check. Yosys 0.23 resolves no hierarchical references, so
//! after `flatten` each probe is connected by name; one parser and one connect recipe
//! serve every wrapper, so the block's and the units' checks cannot drift apart.

use anyhow::{bail, Result};

/// Instance name of the block under check in every wrapper: probe nets start with it.
pub const DUT_INSTANCE: &str = "dut";

/// One probe line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub wire: String,
    pub net: String,
    /// The block's formal control model replaces the net by a free value (the decode,
    /// the CSR writes); the units ignore it.
    pub cut: bool,
    /// Only the block's lemma model replaces the net by a free value (a flag the wrapper
    /// constrains by a lemma proven on the control model); the units ignore it.
    pub lemma: bool,
}

impl Probe {
    /// Yosys commands (run in the wrapper's module after `flatten`) that drive the wire
    /// from the net. A net the block no longer has fails the `select`: the wrapper's probe
    /// list must follow RTL renames.
    pub fn connect(&self) -> [String; 2] {
        [
            format!("select -assert-count 1 w:{}", self.net),
            format!("connect -set {} {}", self.wire, self.net),
        ]
    }
}

/// The probes `wrapper` declares, in order (none is not an error: a unit's wrapper may
/// check only ports).
pub fn probes(wrapper: &str) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for line in wrapper.lines() {
        let Some(rest) = line.trim().strip_prefix("// probe:") else {
            continue;
        };
        let Some((wire, net)) = rest.split_once('=') else {
            bail!("malformed probe line in the wrapper: `{line}`");
        };
        let mut words = net.split_whitespace();
        let (wire, net) = (wire.trim(), words.next().unwrap_or(""));
        let (cut, lemma) = match (words.next(), words.next()) {
            (None, _) => (false, false),
            (Some("cut"), None) => (true, false),
            (Some("lemma"), None) => (false, true),
            _ => bail!("probe `{line}`: only `cut` or `lemma` may follow the net"),
        };
        if !net.starts_with(&format!("{DUT_INSTANCE}.")) || wire.is_empty() {
            bail!("probe `{line}`: expected `// probe: <wire> = {DUT_INSTANCE}.<net> [cut|lemma]`");
        }
        out.push(Probe {
            wire: wire.to_string(),
            net: net.to_string(),
            cut,
            lemma,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_lines_parse_and_bad_ones_fail() {
        let p = probes(
            "x\n// probe: p_a = dut.a$q\n  // probe: p_b=dut.b cut\n// probe: p_c = dut.c lemma",
        )
        .unwrap();
        assert_eq!(
            p,
            vec![
                Probe {
                    wire: "p_a".into(),
                    net: "dut.a$q".into(),
                    cut: false,
                    lemma: false,
                },
                Probe {
                    wire: "p_b".into(),
                    net: "dut.b".into(),
                    cut: true,
                    lemma: false,
                },
                Probe {
                    wire: "p_c".into(),
                    net: "dut.c".into(),
                    cut: false,
                    lemma: true,
                },
            ]
        );
        assert_eq!(
            p[0].connect(),
            [
                "select -assert-count 1 w:dut.a$q".to_string(),
                "connect -set p_a dut.a$q".to_string()
            ]
        );
        assert!(probes("nothing here").unwrap().is_empty());
        assert!(probes("// probe: p_a dut.a").is_err());
        assert!(probes("// probe: p_a = other.a").is_err());
        assert!(probes("// probe: = dut.a").is_err());
        assert!(probes("// probe: p_a = dut.a keep").is_err());
        assert!(probes("// probe: p_a = dut.a cut cut").is_err());
        assert!(probes("// probe: p_a = dut.a cut lemma").is_err());
    }
}
