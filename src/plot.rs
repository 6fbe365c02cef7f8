//! Per-pass charts of runs: dirty granules and copies by pass, one line per method.

use crate::metrics::RunReport;
use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;

const COLOURS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// Writes an SVG of two panels: granules marked dirty during each pass, and granules copied
/// by it, on log scales, a line per run (labelled by method). Runs with the same figures
/// draw over each other (naive and cursor, bitmap and clear, on most workloads).
pub fn passes_svg(runs: &[RunReport], title: &str, path: &Path) -> Result<()> {
    let plot_err = |e: &dyn std::fmt::Display| anyhow!("drawing {}: {e}", path.display());
    let root = SVGBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(&e))?;
    let root = root
        .titled(title, ("sans-serif", 18))
        .map_err(|e| plot_err(&e))?;
    let panels = root.split_evenly((1, 2));
    let passes = runs.iter().map(|r| r.passes()).max().unwrap_or(1).max(2);
    type Pick = fn(&crate::metrics::PassMetrics) -> u64;
    let charts: [(&str, Pick); 2] = [
        ("granules marked dirty during the pass", |p| p.bits_set),
        ("granules copied by the pass", |p| p.copied),
    ];
    for (panel, (what, pick)) in panels.iter().zip(charts) {
        let top = runs
            .iter()
            .flat_map(|r| r.per_pass.iter().map(pick))
            .max()
            .unwrap_or(1)
            .max(10);
        let mut chart = ChartBuilder::on(panel)
            .caption(what, ("sans-serif", 14))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(0u32..passes - 1, (1u64..top * 2).log_scale())
            .map_err(|e| plot_err(&e))?;
        chart
            .configure_mesh()
            .x_desc("pass")
            .y_desc("granules")
            .x_labels(passes as usize)
            .draw()
            .map_err(|e| plot_err(&e))?;
        for (i, r) in runs.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            // A zero cannot sit on a log scale (the final pass marks nothing): left out.
            let points: Vec<(u32, u64)> = r
                .per_pass
                .iter()
                .map(|p| (p.pass, pick(p)))
                .filter(|&(_, v)| v > 0)
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(|e| plot_err(&e))?
                .label(r.method.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, colour.filled())),
                )
                .map_err(|e| plot_err(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| plot_err(&e))?;
    }
    root.present().map_err(|e| plot_err(&e))?;
    Ok(())
}
