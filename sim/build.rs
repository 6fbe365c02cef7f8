//! With the `rtl` feature: verilates both builds of `lm_tracker` and links them with the
//! C++ shim of `csrc/`. Without it: nothing (the golden model needs only Rust).
//!
//! The Verilog comes from `hdl/generated/`; `LMSNOOP_RTL_DIR` points the build at another
//! directory holding `lm_tracker.v` and `lm_tracker_small.v` (e.g. a stand-in module while
//! the RTL is being written).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "rtl")]
    rtl::build();
}

#[cfg(feature = "rtl")]
mod rtl {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    const INSTALL_HINT: &str = "Verilator not found: install it with `apt-get install verilator` \
                                (or run scripts/test.sh, which installs it)";

    /// The two builds of the block: (top module = Verilog file stem, C++ prefix).
    const VARIANTS: [(&str, &str); 2] = [
        ("lm_tracker_small", "Vlm_tracker_small"),
        ("lm_tracker", "Vlm_tracker"),
    ];

    /// `verilator --getenv VERILATOR_ROOT`, which also proves that Verilator runs.
    fn verilator_root() -> PathBuf {
        let out = match Command::new("verilator")
            .args(["--getenv", "VERILATOR_ROOT"])
            .output()
        {
            Ok(out) if out.status.success() => out,
            Ok(out) => panic!(
                "{INSTALL_HINT}\n(`verilator --getenv VERILATOR_ROOT` failed: {})",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!("{INSTALL_HINT}\n(running `verilator`: {e})"),
        };
        let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        assert!(
            root.join("include/verilated.cpp").exists(),
            "{INSTALL_HINT}\n(VERILATOR_ROOT {} has no include/verilated.cpp)",
            root.display()
        );
        root
    }

    fn verilate(src: &Path, top: &str, prefix: &str, mdir: &Path) {
        // A stale model of a renamed or broken source must not survive.
        let _ = std::fs::remove_dir_all(mdir);
        let out = Command::new("verilator")
            .arg("--cc")
            .arg(src)
            .args(["--top-module", top, "--prefix", prefix, "--Mdir"])
            .arg(mdir)
            .args(["--build", "-j", "2", "-O3", "--trace", "-Wno-fatal"])
            .args(["-CFLAGS", "-fPIC -O2"])
            // The model's hot code is compiled with OPT_FAST (-Os by default): -O3 runs it
            // about 1.5x faster than -O2 here.
            .args(["-MAKEFLAGS", "OPT_FAST=-O3"])
            .output()
            .unwrap_or_else(|e| panic!("{INSTALL_HINT}\n(running `verilator`: {e})"));
        if !out.status.success() {
            panic!(
                "verilator failed on {}:\n{}\n{}",
                src.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let lib = mdir.join(format!("{prefix}__ALL.a"));
        assert!(
            lib.exists(),
            "verilator did not produce {} (is `make` installed?)",
            lib.display()
        );
    }

    pub fn build() {
        println!("cargo:rerun-if-env-changed=LMSNOOP_RTL_DIR");
        println!("cargo:rerun-if-changed=csrc");
        let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
        let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
        let rtl_dir = match std::env::var_os("LMSNOOP_RTL_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => manifest.join("../hdl/generated"),
        };
        let root = verilator_root();

        let jobs: Vec<(PathBuf, &str, &str, PathBuf)> = VARIANTS
            .iter()
            .map(|&(top, prefix)| {
                let src = rtl_dir.join(format!("{top}.v"));
                println!("cargo:rerun-if-changed={}", src.display());
                assert!(
                    src.exists(),
                    "{} not found: emit the RTL with the hdl crate's generator first, or set \
                     LMSNOOP_RTL_DIR to a directory holding lm_tracker.v and lm_tracker_small.v",
                    src.display()
                );
                (src, top, prefix, out_dir.join(format!("obj_{top}")))
            })
            .collect();
        // The two models are independent: verilate and compile them side by side.
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(src, top, prefix, mdir)| s.spawn(move || verilate(src, top, prefix, mdir)))
                .collect();
            for h in handles {
                if let Err(e) = h.join() {
                    std::panic::resume_unwind(e);
                }
            }
        });

        let include = root.join("include");
        let defines = [
            ("VM_TRACE", "1"),
            ("VM_TRACE_VCD", "1"),
            ("VM_TRACE_FST", "0"),
            ("VM_COVERAGE", "0"),
            ("VM_SC", "0"),
        ];
        let base = || {
            let mut b = cc::Build::new();
            b.cpp(true)
                .std("c++17")
                .opt_level(2)
                .warnings(false)
                .include(&include)
                .include(include.join("vltstd"));
            for (k, v) in defines {
                b.define(k, v);
            }
            b
        };

        // The shim first, then the models it calls, then the runtime they all use: static
        // archives are searched in link order.
        let mut shim = base();
        shim.file(manifest.join("csrc/lm_shim.cpp"));
        for (_, _, _, mdir) in &jobs {
            shim.include(mdir);
        }
        shim.compile("lmsnoop_shim");
        for (_, _, prefix, mdir) in &jobs {
            println!("cargo:rustc-link-search=native={}", mdir.display());
            println!("cargo:rustc-link-lib=static:+verbatim={prefix}__ALL.a");
        }
        let mut runtime = base();
        for f in [
            "verilated.cpp",
            "verilated_threads.cpp",
            "verilated_vcd_c.cpp",
        ] {
            runtime.file(include.join(f));
        }
        runtime.compile("lmsnoop_verilated");
        println!("cargo:rustc-link-lib=pthread");
    }
}
