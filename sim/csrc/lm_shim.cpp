// C ABI over the Verilator models of lm_tracker (1M granules) and lm_tracker_small (1024).
//
// One opaque handle per model instance; lm_tick() runs one whole clock cycle: it applies
// all inputs with the clock low, evaluates, samples all outputs (what the handshakes see
// at the coming rising edge), raises the clock and evaluates again. The clock is lowered
// together with the next cycle's inputs, so a cycle costs two eval() calls.
//
// The structs must match `LmIn` / `LmOut` in sim/src/rtl.rs field for field.

#include <cstdint>
#include <memory>

#include "verilated.h"
#include "verilated_vcd_c.h"
#include "Vlm_tracker.h"
#include "Vlm_tracker_small.h"

extern "C" {

struct LmIn {
    uint64_t uw_slba;
    uint64_t cr_slba;
    uint64_t ld_tdata;
    uint32_t s_axil_wdata;
    uint16_t s_axil_awaddr;
    uint16_t s_axil_araddr;
    uint16_t uw_nlb;
    uint16_t cr_nlb;
    uint8_t reset;
    uint8_t s_axil_awvalid;
    uint8_t s_axil_wstrb;
    uint8_t s_axil_wvalid;
    uint8_t s_axil_bready;
    uint8_t s_axil_arvalid;
    uint8_t s_axil_rready;
    uint8_t uw_valid;
    uint8_t cr_valid;
    uint8_t ld_tvalid;
    uint8_t q_tready;
};

struct LmOut {
    uint64_t q_tdata;
    uint32_t s_axil_rdata;
    uint8_t s_axil_awready;
    uint8_t s_axil_wready;
    uint8_t s_axil_bresp;
    uint8_t s_axil_bvalid;
    uint8_t s_axil_arready;
    uint8_t s_axil_rresp;
    uint8_t s_axil_rvalid;
    uint8_t uw_ready;
    uint8_t cr_ready;
    uint8_t ld_tready;
    uint8_t q_tvalid;
    uint8_t q_tlast;
    uint8_t irq;
};

}  // extern "C"

namespace {

struct ModelBase {
    virtual ~ModelBase() {}
    virtual void tick(const LmIn* in, LmOut* out) = 0;
    virtual int vcd_open(const char* path) = 0;
    virtual void vcd_close() = 0;
};

template <class V>
struct Model final : ModelBase {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<V> top;
    std::unique_ptr<VerilatedVcdC> vcd;
    uint64_t cycle = 0;

    Model() : ctx(new VerilatedContext) {
        // Must precede the model's construction for trace() to be allowed later.
        ctx->traceEverOn(true);
        top.reset(new V(ctx.get(), "TOP"));
        top->clock = 0;
        top->reset = 1;
        // Verilator 5 loses the first rising edge unless the model has seen the clock low.
        top->eval();
    }

    ~Model() override {
        vcd_close();
        top->final();
    }

    void tick(const LmIn* in, LmOut* out) override {
        V* t = top.get();
        t->clock = 0;
        t->reset = in->reset;
        t->s_axil_awaddr = in->s_axil_awaddr;
        t->s_axil_awvalid = in->s_axil_awvalid;
        t->s_axil_wdata = in->s_axil_wdata;
        t->s_axil_wstrb = in->s_axil_wstrb;
        t->s_axil_wvalid = in->s_axil_wvalid;
        t->s_axil_bready = in->s_axil_bready;
        t->s_axil_araddr = in->s_axil_araddr;
        t->s_axil_arvalid = in->s_axil_arvalid;
        t->s_axil_rready = in->s_axil_rready;
        t->uw_valid = in->uw_valid;
        t->uw_slba = in->uw_slba;
        t->uw_nlb = in->uw_nlb;
        t->cr_valid = in->cr_valid;
        t->cr_slba = in->cr_slba;
        t->cr_nlb = in->cr_nlb;
        t->ld_tvalid = in->ld_tvalid;
        t->ld_tdata = in->ld_tdata;
        t->q_tready = in->q_tready;
        t->eval();
        if (vcd) vcd->dump(cycle * 10);

        out->q_tdata = t->q_tdata;
        out->s_axil_rdata = t->s_axil_rdata;
        out->s_axil_awready = t->s_axil_awready;
        out->s_axil_wready = t->s_axil_wready;
        out->s_axil_bresp = t->s_axil_bresp;
        out->s_axil_bvalid = t->s_axil_bvalid;
        out->s_axil_arready = t->s_axil_arready;
        out->s_axil_rresp = t->s_axil_rresp;
        out->s_axil_rvalid = t->s_axil_rvalid;
        out->uw_ready = t->uw_ready;
        out->cr_ready = t->cr_ready;
        out->ld_tready = t->ld_tready;
        out->q_tvalid = t->q_tvalid;
        out->q_tlast = t->q_tlast;
        out->irq = t->irq;

        t->clock = 1;
        t->eval();
        if (vcd) vcd->dump(cycle * 10 + 5);
        ++cycle;
    }

    int vcd_open(const char* path) override {
        if (vcd) return 0;
        std::unique_ptr<VerilatedVcdC> v(new VerilatedVcdC);
        top->trace(v.get(), 99);
        v->open(path);
        if (!v->isOpen()) return -1;
        vcd = std::move(v);
        return 0;
    }

    void vcd_close() override {
        if (vcd) {
            vcd->close();
            vcd.reset();
        }
    }
};

}  // namespace

extern "C" {

/// variant 0: lm_tracker_small, 1: lm_tracker. Returns null for an unknown variant.
void* lm_new(uint32_t variant) {
    switch (variant) {
    case 0: return static_cast<ModelBase*>(new Model<Vlm_tracker_small>);
    case 1: return static_cast<ModelBase*>(new Model<Vlm_tracker>);
    default: return nullptr;
    }
}

void lm_free(void* h) { delete static_cast<ModelBase*>(h); }

void lm_tick(void* h, const LmIn* in, LmOut* out) { static_cast<ModelBase*>(h)->tick(in, out); }

/// Starts dumping every following cycle to a VCD file; 0 on success, -1 when it cannot be
/// opened. A second call while a dump is open does nothing.
int lm_vcd_open(void* h, const char* path) { return static_cast<ModelBase*>(h)->vcd_open(path); }

/// Flushes and closes the VCD file, if one is open.
void lm_vcd_close(void* h) { static_cast<ModelBase*>(h)->vcd_close(); }

}  // extern "C"
