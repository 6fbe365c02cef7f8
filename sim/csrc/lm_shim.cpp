// C ABI over the Verilator models of lm_tracker (1M granules) and lm_tracker_small (1024).
//
// One opaque handle per model instance; lm_tick() runs one whole clock cycle: it applies
// all inputs with the clock low, evaluates, samples all outputs (what the handshakes see
// at the coming rising edge), raises the clock and evaluates again. The clock is lowered
// together with the next cycle's inputs, so a cycle costs two eval() calls.
//
// LmIn / LmOut and the code that moves them in and out of a model come from lm_ports.h,
// which `lmsnoop gen-regs` renders from the port table (regs/src/ports.rs).

#include <cstdint>
#include <memory>

#include "lm_ports.h"
#include "verilated.h"
#include "verilated_vcd_c.h"
#include "Vlm_tracker.h"
#include "Vlm_tracker_small.h"


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
        lm_drive_inputs(t, in);
        t->eval();
        if (vcd) vcd->dump(cycle * 10);

        lm_sample_outputs(t, out);

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
