//! Deliberately broken variants of the block: `lmsnoop formal --mutate NAME` checks one,
//! and the check must fail with a counterexample. Each mutant is a textual edit of the
//! generated Verilog, the kind of one-line slip a designer makes, aimed at one property.

use anyhow::{bail, Result};

/// One mutant: a named edit of the generated Verilog.
#[derive(Debug)]
pub struct Mutant {
    pub name: &'static str,
    /// What the slip does to the block.
    pub effect: &'static str,
    /// The property that must catch it.
    pub caught_by: &'static str,
    /// Text of the generated Verilog that must occur exactly once, and its replacement.
    pub from: &'static str,
    pub to: &'static str,
}

pub const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "skip-below-cursor",
        effect: "the cursor window starts at granule 0 instead of the cursor, so writes to \
                 granules already copied (or below the plan) are skipped",
        caught_by: "safety_active",
        from: "win_lo = cursor$q;",
        to: "win_lo = 32'h0;",
    },
    Mutant {
        name: "bitmap-skip-inverted",
        effect: "under the bitmap method a user write sets its active bits only where the \
                 passive (plan) bit is set, so a write to a granule outside the plan, or \
                 already copied, is skipped",
        caught_by: "safety_active",
        from: "new0 = own0 | (s2_mask$q & ~own1);",
        to: "new0 = own0 | (s2_mask$q & own1);",
    },
    Mutant {
        name: "swap-skips-drain",
        effect: "a command executes without waiting for the snoops already accepted to leave \
                 the pipeline, so a user write accepted just before SWAP lands in the new \
                 active buffer and is missing from the passive one the host queries",
        caught_by: "safety_passive",
        from: "if (cmd_pending$q & drained) begin",
        to: "if (cmd_pending$q) begin",
    },
    Mutant {
        name: "no-forwarding",
        effect: "buffer 0's read-modify-write ignores the write of the cycle before, so of two \
                 back-to-back updates of one word the second writes back the word without the \
                 first one's bit",
        caught_by: "conservative",
        from: "if (s2_hit0$q) begin",
        to: "if (1'b0) begin",
    },
    Mutant {
        name: "swap-keeps-passive",
        effect: "SWAP flips the buffers without clearing the passive one, so the new active \
                 buffer starts with the bits of two passes ago",
        caught_by: "swap_clean",
        from: "if (~pas_nz$q) begin\n                            cstate$d = Cmd$Flip;",
        to: "if (1'b1) begin\n                            cstate$d = Cmd$Flip;",
    },
    Mutant {
        name: "passive-flag-reads-active",
        effect: "the flag SWAP reads as \"passive buffer not empty\" is taken from the active \
                 buffer's live count, so a SWAP whose passive buffer still holds the last \
                 pass's bits while the active one is empty flips at once, and those bits \
                 reach the new active buffer",
        caught_by: "passive_zero",
        from: "pas_nz$d = cnt_passive != 32'h0;",
        to: "pas_nz$d = cnt_active != 32'h0;",
    },
    Mutant {
        name: "oob-off-by-one",
        effect: "the range check compares the last LBA with NS_LBAS by > instead of >=, so a \
                 write whose last LBA is the first past the namespace is taken as in range",
        caught_by: "decode_ok",
        from: "(p2_last$q[(32'h0)+:(32)] >= ns_lbas$q[(32'h0)+:(32)])",
        to: "(p2_last$q[(32'h0)+:(32)] > ns_lbas$q[(32'h0)+:(32)])",
    },
    Mutant {
        name: "status-busy-inverted",
        effect: "the CSR read mux returns STATUS with BUSY inverted, so the firmware's poll \
                 reads the bitmaps while a command still runs and waits while the block idles",
        caught_by: "status_busy",
        from: "csr_read$rd_status = status;",
        to: "csr_read$rd_status = status ^ (32'h1 << k_f_busy);",
    },
    Mutant {
        name: "tracking-reads-loaded",
        effect: "STATUS.TRACKING is wired to the LOAD-done flag instead of the tracking flag, \
                 so a stopped block with a BMP loaded reads as tracking (and one started \
                 without a LOAD as stopped): the firmware's state-loss check is blinded",
        caught_by: "status_state",
        from: "status = (((tracking$q) & 32'hffffffff) << k_f_tracking)",
        to: "status = (((loaded$q) & 32'hffffffff) << k_f_tracking)",
    },
    Mutant {
        name: "latched-method-reads-config",
        effect: "STATUS.LATCHED_METHOD shows CONFIG.METHOD as the host last wrote it, not the \
                 method START latched, so a firmware re-attaching after a restart trusts a \
                 CONFIG rewritten since",
        caught_by: "status_state",
        from: "(((method$q) & 32'hffffffff) << k_f_latched_method)",
        to: "(((params$cfg) & 32'h3) << k_f_latched_method)",
    },
    Mutant {
        name: "mark-drops-last",
        effect: "MARK_DIRTY stops one granule short of MARK_END, so the last granule of a \
                 failed copy is never copied again",
        caught_by: "no_lost_active",
        from: "mk_hi$d = (params$mark_end - 32'h1) & k_gmask;",
        to: "mk_hi$d = (params$mark_end - 32'h2) & k_gmask;",
    },
    Mutant {
        name: "load-drops-bit-63",
        effect: "the load path keeps 63 bits of each BMP word, so granules 63, 127, ... of the \
                 pass-0 plan are never copied",
        caught_by: "no_lost_passive",
        from: "b_data$d = ld_tdata;",
        to: "b_data$d = ld_tdata & 64'h7fffffffffffffff;",
    },
    Mutant {
        name: "clear-in-cursor",
        effect: "copy reads clear active bits under the cursor method too, dropping writes \
                 made after the granule was copied",
        caught_by: "conservative",
        from: "if (is_bitmap | is_clear) begin",
        to: "if (is_bitmap | is_clear | is_cursor) begin",
    },
    Mutant {
        name: "err-cleared-by-irq-write",
        effect: "the write decode hands a W1C of IRQ_STATUS to ERR as well, so acknowledging \
                 an interrupt wipes the error flags the driver has not read yet",
        caught_by: "err_sticky",
        from: "irq_clear = axil$wr_data;",
        to: "irq_clear = axil$wr_data;\n                err_clear = axil$wr_data;",
    },
    Mutant {
        name: "irq-clear-wipes-all",
        effect: "a W1C of IRQ_STATUS clears every cause, not only those written as 1, so an \
                 interrupt raised since the driver's read is lost",
        caught_by: "irq_sticky",
        from: "r_status$d = ((r_status$q & ~irq_clear) | events | error_event) & k_irq_mask;",
        to: "r_status$d = ((r_status$q & ~{32{|irq_clear}}) | events | error_event) & k_irq_mask;",
    },
    Mutant {
        name: "irq-ignores-enable",
        effect: "the interrupt line ORs IRQ_STATUS without IRQ_ENABLE, so masked causes \
                 interrupt the host",
        caught_by: "irq_line",
        from: "irq = |(r_status$q & r_enable$q);",
        to: "irq = |r_status$q;",
    },
    Mutant {
        name: "error-irq-dropped",
        effect: "a raised error flag no longer raises IRQ_STATUS.ERROR, so a driver waiting \
                 on the line never hears of a refused command",
        caught_by: "irq_error",
        from: "error_event = k_i_error;",
        to: "error_event = 64'h0;",
    },
    Mutant {
        name: "swap-done-silent",
        effect: "a SWAP over a clean passive buffer flips at once without raising \
                 IRQ_STATUS.SWAP_DONE",
        caught_by: "irq_swap_done",
        from:
            "swap_count$d = cnt_active;\n                                irq_set = k_i_swap_done;",
        to: "swap_count$d = cnt_active;",
    },
    Mutant {
        name: "irq-status-reads-enable",
        effect: "the CSR read mux returns IRQ_ENABLE at the IRQ_STATUS address",
        caught_by: "read_data",
        from: "csr_read$rd_irq_status = err_irq$irq_status;",
        to: "csr_read$rd_irq_status = err_irq$irq_enable;",
    },
    Mutant {
        name: "writes-seen-counts-copies",
        effect: "WRITES_SEEN counts every snoop entering the walker, copy reads included",
        caught_by: "writes_seen",
        from: "stats$write_seen = p3_fire & ~p3_cr$q;",
        to: "stats$write_seen = p3_fire;",
    },
    Mutant {
        name: "copy-reads-seen-in-range-only",
        effect: "COPY_READS_SEEN counts only the copy reads inside the namespace, so a \
                 server that reads past the end is under-reported",
        caught_by: "copy_reads_seen",
        from: "stats$copy_seen = p3_fire & p3_cr$q;",
        to: "stats$copy_seen = p3_fire & p3_cr$q & ~op_oob;",
    },
    Mutant {
        name: "bits-set-misses-marks",
        effect: "BITS_SET leaves out the bits MARK_DIRTY and cursor gaps set",
        caught_by: "bits_set",
        from: "stats$set_en = s4_valid$q & ((s4_kind$q == Kind$Uw) | (s4_kind$q == Kind$Mark) \
               | (s4_kind$q == Kind$Fold));",
        to: "stats$set_en = s4_valid$q & ((s4_kind$q == Kind$Uw) | (s4_kind$q == Kind$Fold));",
    },
    Mutant {
        name: "bits-cleared-bitmap-only",
        effect: "BITS_CLEARED counts the bitmap method's drained bits only, not the bits a \
                 clear-method copy read clears",
        caught_by: "bits_cleared",
        from:
            "stats$cleared_en = s4_valid$q & ((s4_kind$q == Kind$Crb) | (s4_kind$q == Kind$Crc));",
        to: "stats$cleared_en = s4_valid$q & (s4_kind$q == Kind$Crb);",
    },
    Mutant {
        name: "bits-skipped-on-marks",
        effect: "BITS_SKIPPED takes its count with MARK operations (which skip nothing) \
                 instead of user writes, so it never moves",
        caught_by: "bits_skipped",
        from: "stats$skipped_en = s4_valid$q & (s4_kind$q == Kind$Uw);",
        to: "stats$skipped_en = s4_valid$q & (s4_kind$q == Kind$Mark);",
    },
];

/// The mutant called `name`, or an error listing the known ones.
pub fn find(name: &str) -> Result<&'static Mutant> {
    match MUTANTS.iter().find(|m| m.name == name) {
        Some(m) => Ok(m),
        None => bail!(
            "unknown mutant `{name}`: choose one of {}",
            MUTANTS
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Mutant {
    /// `verilog` with the edit applied. The edited text must occur exactly once: a mutant
    /// that silently stopped applying after an RTL change would "pass" for the wrong reason.
    pub fn apply(&self, verilog: &str) -> Result<String> {
        let hits = verilog.matches(self.from).count();
        if hits != 1 {
            bail!(
                "mutant `{}` no longer applies: its text occurs {hits} times in the generated \
                 Verilog (expected once); update src/formal/mutants.rs after the RTL change",
                self.name
            );
        }
        Ok(verilog.replacen(self.from, self.to, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formal::script::DUT_TOP;
    use lmsnoop_hdl::tracker::{verilog_of, FORMAL_ADDR_BITS};

    #[test]
    fn every_mutant_applies_once_to_the_formal_build() {
        let v = verilog_of::<FORMAL_ADDR_BITS>(DUT_TOP);
        for m in MUTANTS {
            let mutated = m.apply(&v).unwrap();
            assert_ne!(mutated, v, "{}", m.name);
        }
    }

    #[test]
    fn unknown_and_stale_mutants_are_errors() {
        assert!(find("nope")
            .unwrap_err()
            .to_string()
            .contains("no-forwarding"));
        let m = find("no-forwarding").unwrap();
        assert!(m.apply("module x; endmodule").is_err());
    }
}
