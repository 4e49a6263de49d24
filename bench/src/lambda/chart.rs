//! The chart of Lambda mode: billed duration per warm batch and cost per million records against MemorySize, one
//! line per function and batch size, as an SVG written by hand (a few text elements and polylines: no plotting crate,
//! no font library, nothing fetched), so that the bench crate stays std only.

use super::report::{cost_per_million, dollars, Results, FUNCTIONS};
use std::fmt::Write;

const WIDTH: f64 = 980.0;
const HEIGHT: f64 = 430.0;
const PANEL: f64 = 490.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 18.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 92.0;
/// One colour per function, in the order of `FUNCTIONS` (colour-blind safe, from ColorBrewer's Dark2).
const COLOURS: [&str; 3] = ["#d95f02", "#7570b3", "#1b9e77"];
/// Solid for batches of 1,000 records, dashed for batches of 100.
const BATCHES: [(usize, &str); 2] = [(1_000, ""), (100, " stroke-dasharray=\"6 4\"")];

struct Series {
    colour: &'static str,
    dash: &'static str,
    /// (index of the MemorySize, value); a MemorySize without a value (not run, out of memory) is left out.
    points: Vec<(usize, f64)>,
}

pub fn svg(results: &Results) -> String {
    let sizes = results.memory_sizes();
    let series = |value: &dyn Fn(&str, u64, usize) -> Option<f64>| -> Vec<Series> {
        let mut all = Vec::new();
        for (name, colour) in FUNCTIONS.iter().zip(COLOURS) {
            for (records, dash) in BATCHES {
                let points = sizes.iter().enumerate().filter_map(|(i, &mb)| Some((i, value(name, mb, records)?)));
                all.push(Series { colour, dash, points: points.collect() });
            }
        }
        all
    };
    let billed = series(&|name, mb, records| results.billed(name, mb, records));
    let cost = series(&|name, mb, records| Some(cost_per_million(results.billed(name, mb, records)?, mb, records)));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let labels: Vec<(String, String)> =
        sizes.iter().map(|&mb| (format!("{mb} MB"), format!("{:.0}% CPU", crate::cgroup::cpu_percent(mb)))).collect();
    panel(&mut out, 0.0, "Billed duration per warm batch (ms)", &labels, &billed, &|v| trim(v, ""));
    panel(&mut out, PANEL, "Cost per million records (USD)", &labels, &cost, &|v| trim(v, "$"));
    legend(&mut out);
    out.push_str("</svg>\n");
    out
}

/// One panel at horizontal offset `x0`: log-scale y axis with 1-2-5 grid lines, the MemorySizes along x.
fn panel(
    out: &mut String,
    x0: f64,
    title: &str,
    labels: &[(String, String)],
    series: &[Series],
    tick: &dyn Fn(f64) -> String,
) {
    let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| *v > 0.0);
    let (min, max) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min > max {
        return;
    }
    // A little room below and above, so that no line runs along the frame.
    let (lo, hi) = (nice(min / 1.2, false), nice(max * 1.2, true));
    let (left, right, bottom) = (x0 + LEFT, x0 + PANEL - RIGHT, HEIGHT - BOTTOM);
    let y = |v: f64| bottom - (v.log10() - lo.log10()) / (hi.log10() - lo.log10()) * (bottom - TOP);
    let step = (right - left) / labels.len().max(1) as f64;
    let x = |i: usize| left + (i as f64 + 0.5) * step;
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{title}</text>",
        (left + right) / 2.0
    );
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let v = decade * m;
            if v < lo * 0.9999 || v > hi * 1.0001 {
                continue;
            }
            let (colour, yv) = (if m == 1.0 { "#bbbbbb" } else { "#e6e6e6" }, y(v));
            let _ = writeln!(
                out,
                "<line x1=\"{left:.1}\" y1=\"{yv:.1}\" x2=\"{right:.1}\" y2=\"{yv:.1}\" stroke=\"{colour}\"/>"
            );
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                yv + 4.0,
                tick(v)
            );
        }
        decade *= 10.0;
    }
    let _ = writeln!(
        out,
        "<rect x=\"{left:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#444\"/>",
        right - left,
        bottom - TOP
    );
    for (i, (size, share)) in labels.iter().enumerate() {
        let _ =
            writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{size}</text>", x(i), bottom + 16.0);
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">{share}</text>",
            x(i),
            bottom + 30.0
        );
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">MemorySize and CPU share (MemorySize / 1769 of a vCPU)</text>", (left + right) / 2.0, bottom + 48.0);
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let points: Vec<String> = s.points.iter().map(|&(i, v)| format!("{:.1},{:.1}", x(i), y(v))).collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>",
            points.join(" "),
            s.colour,
            s.dash
        );
        for &(i, v) in &s.points {
            let _ = writeln!(out, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>", x(i), y(v), s.colour);
        }
    }
}

fn legend(out: &mut String) {
    let y = HEIGHT - 24.0;
    let mut x = LEFT;
    for (name, colour) in FUNCTIONS.iter().zip(COLOURS) {
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"3\"/>",
            x + 26.0
        );
        let _ = writeln!(out, "<text x=\"{}\" y=\"{}\">{name}</text>", x + 32.0, y + 4.0);
        x += 40.0 + 8.0 * name.len() as f64;
    }
    for (records, dash) in BATCHES {
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#444\" stroke-width=\"2\"{dash}/>",
            x + 26.0
        );
        let label = if records == 100 { "batches of 100 records" } else { "batches of 1,000 records" };
        let _ = writeln!(out, "<text x=\"{}\" y=\"{}\">{label}</text>", x + 32.0, y + 4.0);
        x += 210.0;
    }
}

/// The 1-2-5 grid value nearest `value` from below (or from above).
fn nice(value: f64, above: bool) -> f64 {
    let decade = 10f64.powf(value.log10().floor());
    let steps = [1.0, 2.0, 5.0, 10.0].map(|m| m * decade);
    if above {
        steps.into_iter().find(|v| *v >= value * 0.9999).unwrap_or(10.0 * decade)
    } else {
        steps.into_iter().rev().find(|v| *v <= value * 1.0001).unwrap_or(decade)
    }
}

/// A tick label: integers without decimals, smaller values with what they need.
fn trim(value: f64, prefix: &str) -> String {
    if prefix == "$" {
        return dollars(value).trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if value >= 1.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}
