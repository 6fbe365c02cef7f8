//! The files rendered from the register map (`regs/src/map.rs`) and the port table
//! (`regs/src/ports.rs`) are committed. These tests fail when a committed
//! copy differs from what the renderers produce now, and have gcc accept the C header.

use lmsnoop_regs as regs;
use lmsnoop_regs::render::{self, C_HEADER_PATH, MARKDOWN_PATH};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "run `cargo run --release -- gen-regs` to regenerate it";

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Panics with the regeneration command unless the committed `rel` equals `expected`.
fn assert_fresh(rel: &str, expected: &str) {
    let path = workspace_root().join(rel);
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{rel} is stale: {REGENERATE} ({}: {e})", path.display()));
    if committed == expected {
        return;
    }
    let detail = if committed.lines().eq(expected.lines()) {
        "the lines are equal; line endings or the final newline differ".to_string()
    } else {
        let pad = |text: &str| {
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.into_iter().map(Some).chain(std::iter::repeat(None))
        };
        let (line, (c, e)) = pad(&committed)
            .zip(pad(expected))
            .enumerate()
            .find(|(_, (c, e))| c != e)
            .expect("the texts differ");
        let show = |l: Option<String>| l.unwrap_or_else(|| "<end of file>".to_string());
        format!(
            "first difference at line {}:\n  committed: {}\n  generated: {}",
            line + 1,
            show(c),
            show(e)
        )
    };
    panic!("{rel} is stale: {REGENERATE}\n{detail}");
}

/// Every file `lmsnoop gen-regs` writes, the README's register table included.
#[test]
fn every_generated_file_is_up_to_date() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let files = render::generated_files(&readme).unwrap_or_else(|| {
        panic!(
            "README.md lacks the register table markers {}, {}",
            render::README_BEGIN,
            render::README_END
        )
    });
    for path in [
        C_HEADER_PATH,
        MARKDOWN_PATH,
        render::SHIM_RUST_PATH,
        render::SHIM_CPP_PATH,
        render::CSR_READ_PATH,
        render::BLOCK_PORTS_PATH,
    ] {
        assert!(
            files.iter().any(|(p, _)| p == path),
            "gen-regs skips {path}"
        );
    }
    for (path, text) in &files {
        assert_fresh(path, text);
    }
}

/// Runs `gcc -std=c99 -Wall -Wextra -Werror -fsyntax-only` on `file`; a missing gcc fails.
fn gcc_syntax_check(file: &Path, include_dir: Option<&Path>) {
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]);
    if let Some(dir) = include_dir {
        cmd.arg("-I").arg(dir);
    }
    cmd.arg(file);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "gcc not found: it checks that {C_HEADER_PATH} compiles; install it \
             (Debian/Ubuntu: `sudo apt-get install gcc`)"
        ),
        Err(e) => panic!("cannot run gcc: {e}"),
    };
    assert!(
        out.status.success(),
        "gcc rejected {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn c_header_compiles_cleanly() {
    // The committed header, as the firmware includes it.
    gcc_syntax_check(&workspace_root().join(C_HEADER_PATH), None);
}

/// The C spelling of a field: `LMSNOOP_<REGISTER>_<FIELD>`, the register name not repeated.
fn c_field(f: &regs::Field) -> String {
    let bare = f
        .name
        .strip_prefix(f.register)
        .and_then(|rest| rest.strip_prefix('_'))
        .unwrap_or(f.name);
    format!("LMSNOOP_{}_{bare}", f.register)
}

#[test]
fn c_header_values_match_the_register_map() {
    // Compile-time checks that the preprocessor sees the values the map holds, through the
    // rendered header included twice (the include guard must hold).
    let mut checks: Vec<(String, u32)> = vec![
        ("LMSNOOP_ID_VALUE".into(), regs::ID_VALUE),
        ("LMSNOOP_ID_MAGIC_VALUE".into(), regs::ID_MAGIC_VALUE),
        ("LMSNOOP_VERSION_MAJOR".into(), regs::VERSION_MAJOR),
        ("LMSNOOP_VERSION_MINOR".into(), regs::VERSION_MINOR),
        ("LMSNOOP_ERR_COMMAND_MASK".into(), regs::ERR_COMMAND_MASK),
    ];
    for r in regs::REGISTERS {
        checks.push((format!("LMSNOOP_REG_{}", r.name), r.offset));
        if let regs::Reset::Value(v) = r.reset {
            checks.push((format!("LMSNOOP_REG_{}_RESET", r.name), v));
        }
    }
    for f in regs::FIELDS {
        let c = c_field(f);
        checks.push((format!("{c}_LSB"), f.lsb));
        checks.push((format!("{c}_WIDTH"), f.width));
        checks.push((format!("{c}_MASK"), f.mask()));
        checks.push((format!("LMSNOOP_FIELD_GET(0xFFFFFFFFu, {c})"), f.get(!0)));
        checks.push((
            format!("LMSNOOP_FIELD_PUT(0xFFFFFFFFu, {c}, 0u)"),
            f.put(!0, 0),
        ));
        checks.push((
            format!("LMSNOOP_FIELD_PUT(0u, {c}, 0xFFFFFFFFu)"),
            f.put(0, !0),
        ));
    }
    for table in [
        regs::METHODS,
        regs::OPCODES,
        regs::ERR_FLAGS,
        regs::IRQ_CAUSES,
    ] {
        for c in table {
            checks.push((format!("LMSNOOP_{}", c.name), c.value));
        }
    }
    let mut source = String::from("#include \"lmsnoop_regs.h\"\n#include \"lmsnoop_regs.h\"\n\n");
    for (i, (expr, value)) in checks.iter().enumerate() {
        writeln!(
            source,
            "typedef char lmsnoop_check_{i}[(({expr}) == {value}u) ? 1 : -1];"
        )
        .unwrap();
    }

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lmsnoop-regs-check");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lmsnoop_regs.h"), render::c_header()).unwrap();
    let check = dir.join("check.c");
    std::fs::write(&check, source).unwrap();
    gcc_syntax_check(&check, Some(&dir));
}
