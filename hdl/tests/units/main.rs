//! Each unit of `lm_tracker` tested alone: behaviour against a reference model, seeded
//! where random, and its own Verilog lint-clean and mapped by Yosys. Needs Verilator and
//! Yosys: a missing tool fails the test with an install hint.

#[path = "../../../tests/common/seeds.rs"]
mod seeds;

mod axil_slave;
mod check;
mod clear_engine;
mod cmd_decode;
mod csr_read;
mod err_irq;
mod geometry;
mod granule;
mod load_engine;
mod param_regs;
mod popcount;
mod query_engine;
mod range_mask;
mod stat_counters;
mod stream_fifo;
