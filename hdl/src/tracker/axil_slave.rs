//! The AXI4-Lite protocol front end of the CSR window, apart from the registers behind it.
//!
//! A shell with its own bus front end replaces this unit and drives the register side
//! (`wr_*`, `rd_*`) itself; nothing else in the block speaks AXI.

use rust_hdl::prelude::*;

/// AXI4-Lite slave, one outstanding transaction per direction.
///
/// A write is taken in the cycle both AW and W are valid and no response is pending, so
/// the address and the data never wait in a buffer; `wr_en` offers it to the registers in
/// that cycle, which answer `wr_err` for an address they do not take. A partial write
/// (WSTRB not all ones) is refused here and never reaches them. A read is taken when no
/// read response is pending; `rd_data` and `rd_err` answer it in the same cycle. Both
/// responses are registered and held until their READY.
#[derive(LogicBlock)]
pub struct AxilSlave {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: drops a pending response.
    pub reset: Signal<In, Bit>,
    pub s_axil_awaddr: Signal<In, Bits<12>>,
    pub s_axil_awvalid: Signal<In, Bit>,
    pub s_axil_awready: Signal<Out, Bit>,
    pub s_axil_wdata: Signal<In, Bits<32>>,
    pub s_axil_wstrb: Signal<In, Bits<4>>,
    pub s_axil_wvalid: Signal<In, Bit>,
    pub s_axil_wready: Signal<Out, Bit>,
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    pub s_axil_bvalid: Signal<Out, Bit>,
    pub s_axil_bready: Signal<In, Bit>,
    pub s_axil_araddr: Signal<In, Bits<12>>,
    pub s_axil_arvalid: Signal<In, Bit>,
    pub s_axil_arready: Signal<Out, Bit>,
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    pub s_axil_rvalid: Signal<Out, Bit>,
    pub s_axil_rready: Signal<In, Bit>,
    /// A full-word write of `wr_data` to `wr_addr` happens this cycle.
    pub wr_en: Signal<Out, Bit>,
    pub wr_addr: Signal<Out, Bits<12>>,
    pub wr_data: Signal<Out, Bits<32>>,
    /// The registers refuse this cycle's write (read-only or unmapped): SLVERR.
    pub wr_err: Signal<In, Bit>,
    /// A read of `rd_addr` is taken this cycle; `rd_data`/`rd_err` answer it.
    pub rd_en: Signal<Out, Bit>,
    pub rd_addr: Signal<Out, Bits<12>>,
    pub rd_data: Signal<In, Bits<32>>,
    pub rd_err: Signal<In, Bit>,
    bvalid: DFF<Bit>,
    bresp: DFF<Bits<2>>,
    rvalid: DFF<Bit>,
    rdata: DFF<Bits<32>>,
    rresp: DFF<Bits<2>>,
    aw_take: Signal<Local, Bit>,
    k_okay: Constant<Bits<2>>,
    k_slverr: Constant<Bits<2>>,
    k_all_lanes: Constant<Bits<4>>,
}

impl Default for AxilSlave {
    fn default() -> Self {
        AxilSlave {
            clock: Default::default(),
            reset: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_awvalid: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wstrb: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rready: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            wr_err: Default::default(),
            rd_en: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            rd_err: Default::default(),
            bvalid: Default::default(),
            bresp: Default::default(),
            rvalid: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            aw_take: Default::default(),
            k_okay: Constant::new(0u64.to_bits()),
            k_slverr: Constant::new(2u64.to_bits()),
            k_all_lanes: Constant::new(0xFu64.to_bits()),
        }
    }
}

impl Logic for AxilSlave {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, bvalid, bresp, rvalid, rdata, rresp);
        // Write channel.
        self.aw_take.next =
            self.s_axil_awvalid.val() & self.s_axil_wvalid.val() & !self.bvalid.q.val();
        self.s_axil_awready.next = self.aw_take.val();
        self.s_axil_wready.next = self.aw_take.val();
        self.wr_en.next = self.aw_take.val() & (self.s_axil_wstrb.val() == self.k_all_lanes.val());
        self.wr_addr.next = self.s_axil_awaddr.val();
        self.wr_data.next = self.s_axil_wdata.val();
        self.s_axil_bvalid.next = self.bvalid.q.val();
        self.s_axil_bresp.next = self.bresp.q.val();
        if self.bvalid.q.val() & self.s_axil_bready.val() {
            self.bvalid.d.next = false;
        }
        if self.aw_take.val() {
            self.bvalid.d.next = true;
            self.bresp.d.next = self.k_okay.val();
            if !self.wr_en.val() | self.wr_err.val() {
                self.bresp.d.next = self.k_slverr.val();
            }
        }
        // Read channel.
        self.rd_en.next = self.s_axil_arvalid.val() & !self.rvalid.q.val();
        self.rd_addr.next = self.s_axil_araddr.val();
        self.s_axil_arready.next = self.rd_en.val();
        self.s_axil_rvalid.next = self.rvalid.q.val();
        self.s_axil_rdata.next = self.rdata.q.val();
        self.s_axil_rresp.next = self.rresp.q.val();
        if self.rvalid.q.val() & self.s_axil_rready.val() {
            self.rvalid.d.next = false;
        }
        if self.rd_en.val() {
            self.rvalid.d.next = true;
            self.rdata.d.next = self.rd_data.val();
            self.rresp.d.next = self.k_okay.val();
            if self.rd_err.val() {
                self.rresp.d.next = self.k_slverr.val();
            }
        }
        if self.reset.val() {
            self.bvalid.d.next = false;
            self.rvalid.d.next = false;
        }
    }
}
