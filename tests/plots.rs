//! The committed chart of the default comparison (docs/compare.svg, shown in the README) is
//! what `lmsnoop compare --plot` draws today.

mod cli_support;

use cli_support::{lmsnoop, text};

#[test]
fn docs_compare_svg_is_current() {
    let path = std::env::temp_dir().join(format!("lmsnoop-compare-{}.svg", std::process::id()));
    let out = lmsnoop(&["compare", "--quiet", "--plot", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drawn = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        drawn.starts_with("<svg") && drawn.contains("bitmap"),
        "not a chart: {drawn:.200}"
    );
    let committed = include_str!("../docs/compare.svg");
    assert!(
        drawn == committed,
        "docs/compare.svg is stale: regenerate it with\n  cargo run --release -- compare --quiet --plot docs/compare.svg"
    );
}
