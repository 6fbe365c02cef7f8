//! The port table of `lm_tracker`: every top-level port, once, in declaration order.
//!
//! The Verilator shim's structs (Rust and C++) are rendered from it ([`crate::render`]),
//! and the hardware tests check the emitted Verilog's port list against it, name, direction
//! and width. Widths follow the protocols: AXI4-Lite with a 12-bit byte address (a 4 KiB CSR
//! window) and 32-bit data; snoop beats carrying an NVMe SLBA (64 bits) and 0-based NLB
//! (16 bits); 64-bit bitmap words on the load and query streams.

/// Which way a port points, seen from the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
}

/// The interface a port belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Clock and synchronous reset.
    System,
    /// AXI4-Lite CSR slave (`s_axil_*`).
    Csr,
    /// User-write snoop stream, fed at write completion (`uw_*`).
    UserWrite,
    /// Copy-read snoop stream, fed at copy-read submission (`cr_*`).
    CopyRead,
    /// Load stream into the passive buffer (`ld_*`).
    Load,
    /// Query stream out of a buffer (`q_*`).
    Query,
    /// Level interrupt.
    Interrupt,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::System => "clock and reset",
            Group::Csr => "AXI4-Lite CSR slave",
            Group::UserWrite => "user-write snoop stream (at write completion)",
            Group::CopyRead => "copy-read snoop stream (at copy-read submission)",
            Group::Load => "load stream into the passive buffer",
            Group::Query => "query stream out of a buffer",
            Group::Interrupt => "interrupt",
        }
    }
}

/// One top-level port.
#[derive(Clone, Copy, Debug)]
pub struct Port {
    pub name: &'static str,
    pub dir: Dir,
    /// Bits (1 for a single wire).
    pub width: u32,
    pub group: Group,
}

impl Port {
    /// The clock is driven by the simulator's tick, not through the shim's input struct.
    pub fn is_clock(&self) -> bool {
        self.name == CLOCK
    }

    /// Bytes of the narrowest C integer that holds the port (1, 2, 4 or 8).
    pub fn c_bytes(&self) -> u32 {
        match self.width {
            0..=8 => 1,
            9..=16 => 2,
            17..=32 => 4,
            _ => 8,
        }
    }
}

/// Name of the clock input.
pub const CLOCK: &str = "clock";

macro_rules! ports {
    ($($group:ident { $($name:ident: $dir:ident $width:literal,)* })*) => {
        /// Every port of the block, in declaration order.
        pub const PORTS: &[Port] = &[
            $($(Port {
                name: stringify!($name),
                dir: Dir::$dir,
                width: $width,
                group: Group::$group,
            },)*)*
        ];
    };
}

ports! {
    System {
        clock: In 1,
        reset: In 1,
    }
    Csr {
        s_axil_awaddr: In 12,
        s_axil_awvalid: In 1,
        s_axil_awready: Out 1,
        s_axil_wdata: In 32,
        s_axil_wstrb: In 4,
        s_axil_wvalid: In 1,
        s_axil_wready: Out 1,
        s_axil_bresp: Out 2,
        s_axil_bvalid: Out 1,
        s_axil_bready: In 1,
        s_axil_araddr: In 12,
        s_axil_arvalid: In 1,
        s_axil_arready: Out 1,
        s_axil_rdata: Out 32,
        s_axil_rresp: Out 2,
        s_axil_rvalid: Out 1,
        s_axil_rready: In 1,
    }
    UserWrite {
        uw_valid: In 1,
        uw_ready: Out 1,
        uw_slba: In 64,
        uw_nlb: In 16,
    }
    CopyRead {
        cr_valid: In 1,
        cr_ready: Out 1,
        cr_slba: In 64,
        cr_nlb: In 16,
    }
    Load {
        ld_tvalid: In 1,
        ld_tready: Out 1,
        ld_tdata: In 64,
    }
    Query {
        q_tvalid: Out 1,
        q_tready: In 1,
        q_tdata: Out 64,
        q_tlast: Out 1,
    }
    Interrupt {
        irq: Out 1,
    }
}

/// The port called `name`.
pub fn port(name: &str) -> Option<&'static Port> {
    PORTS.iter().find(|p| p.name == name)
}

/// The ports of one direction as the shim's struct holds them: widest first (so neither
/// C nor Rust inserts padding), declaration order among equals; the clock left out.
pub fn shim_fields(dir: Dir) -> Vec<&'static Port> {
    let mut fields: Vec<&Port> = PORTS
        .iter()
        .filter(|p| p.dir == dir && !p.is_clock())
        .collect();
    fields.sort_by_key(|p| std::cmp::Reverse(p.c_bytes()));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_widths_sane() {
        for (i, p) in PORTS.iter().enumerate() {
            assert!((1..=64).contains(&p.width), "{}", p.name);
            assert!(
                PORTS[..i].iter().all(|q| q.name != p.name),
                "{} twice",
                p.name
            );
        }
        assert_eq!(port(CLOCK).map(|p| p.dir), Some(Dir::In));
    }

    #[test]
    fn the_csr_address_covers_the_register_map() {
        let width = port("s_axil_araddr").unwrap().width;
        assert_eq!(port("s_axil_awaddr").unwrap().width, width);
        assert!(crate::map::REGISTERS
            .iter()
            .all(|r| u64::from(r.offset) < 1u64 << width));
    }

    #[test]
    fn shim_structs_have_no_padding() {
        for dir in [Dir::In, Dir::Out] {
            let sizes: Vec<u32> = shim_fields(dir).iter().map(|p| p.c_bytes()).collect();
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        }
        assert!(shim_fields(Dir::In).iter().all(|p| !p.is_clock()));
    }
}
