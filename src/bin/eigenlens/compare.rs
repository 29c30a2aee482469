//! `eigenlens compare`: α of several layers over one common range (`stats::compare`).
//!
//! Each file is analysed as `analyze` would (same reading, preprocessing and fit flags), then
//! every spectrum is fitted over the same ranks: n_lo as requested, n_hi the smallest of the
//! requested n_hi and every file's caps (⌊D/2⌋, N − 1, numerical rank, last positive λ).
//!
//! `--bootstrap B` resamples each file on its own (as `analyze --bootstrap`: blocks of `--block`
//! rows, whole sequences of a 3-D tensor by default) with the fit over the common range, and
//! puts each interval beside that layer's α (`layers[i].alpha_interval` in the JSON).

use crate::analyze::{bootstrap_file, report_of};
use crate::args::{emit, guesses, print_json, BootArgs, Failure, FitArgs, PreArgs, ReadArgs, Resampling, RowArgs};
use eigenlens::analysis::Report;
use eigenlens::bootstrap::AlphaInterval;
use eigenlens::stats::compare::{compare, Comparison};
use eigenlens::stats::spectrum::significant;
use eigenlens::stats::FitRequest;
use std::fmt::Write;

/// α of several layers fitted over one common range of ranks, with N/D per file (finite N
/// biases α upward more where N/D is smaller)
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Two or more matrices, each a file or FILE:KEY
    #[arg(value_name = "FILE[:KEY]", required = true, num_args = 2..)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub pre: PreArgs,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub rows: RowArgs,
    /// Print one JSON object (the common range, each layer's fit on it, warnings)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub boot: BootArgs,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let (fit, pre, options) = (args.fit.request(), args.pre.preprocess(), args.read.options());
    let reports: Vec<Report> = args
        .files
        .iter()
        .map(|spec| report_of(spec, args.rows.rows.clone(), args.rows.drop_nonfinite, &options, &fit, &pre))
        .collect::<Result<_, _>>()?;
    let layers: Vec<_> = reports.iter().zip(&args.files).map(|(r, name)| r.layer(name)).collect();
    let mut comparison = compare(&layers, &fit);
    let notes =
        reports.iter().zip(&args.files).flat_map(|(r, spec)| r.source.iter().flat_map(|i| guesses(spec, i, true)));
    comparison.warnings.splice(0..0, notes.collect::<Vec<_>>());
    let intervals = match args.boot.resampling() {
        Some(how) if comparison.reason.is_none() => intervals(&args, &reports, &comparison, &how)?,
        _ => Vec::new(),
    };
    if args.json {
        let mut json = serde_json::to_value(&comparison).map_err(|e| Failure::Input(e.to_string()))?;
        if let Some(layers) = json.get_mut("layers").and_then(|l| l.as_array_mut()) {
            for (layer, interval) in layers.iter_mut().zip(&intervals) {
                if let Some(object) = layer.as_object_mut() {
                    object.insert("alpha_interval".into(), serde_json::to_value(interval).unwrap_or_default());
                }
            }
        }
        print_json(&json)
    } else {
        emit(&summary(&comparison, &intervals))
    }
}

/// Each file's bootstrap interval of α over the common range (None where no resample fitted).
fn intervals(
    args: &CompareArgs,
    reports: &[Report],
    c: &Comparison,
    how: &Resampling,
) -> Result<Vec<Option<AlphaInterval>>, Failure> {
    crate::analyze::bootstrap_with(&args.pre.preprocess())?;
    let fit = FitRequest { lo: c.rank_lo, hi: c.rank_hi, ..args.fit.request() };
    let options = args.read.options();
    reports
        .iter()
        .zip(&args.files)
        .map(|(r, spec)| {
            let info = r.source.clone().unwrap_or_default();
            let boot =
                bootstrap_file(spec, args.rows.rows.clone(), args.rows.drop_nonfinite, &info, &options, &fit, how)?;
            Ok(boot.alpha_interval)
        })
        .collect()
}

/// The readable table of a comparison, with each layer's bootstrap interval when one ran.
pub fn summary(c: &Comparison, intervals: &[Option<AlphaInterval>]) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut s, c, intervals);
    s
}

fn write_summary(s: &mut String, c: &Comparison, intervals: &[Option<AlphaInterval>]) -> std::fmt::Result {
    match &c.reason {
        Some(reason) => writeln!(s, "common range  none: {reason}")?,
        None => writeln!(
            s,
            "common range  n = {}…{}{}",
            c.rank_lo,
            c.rank_hi,
            c.limited_by.as_ref().map_or(String::new(), |l| format!(" (n_hi limited by {l})"))
        )?,
    }
    let width = c.layers.iter().map(|l| l.name.chars().count()).max().unwrap_or(0).max(4);
    let shapes: Vec<String> = c.layers.iter().map(|l| format!("{} × {}", l.n_rows, l.n_cols)).collect();
    let shape_width = shapes.iter().map(|x| x.chars().count()).max().unwrap_or(0).max(5);
    writeln!(s, "{:<width$}  {:<shape_width$}  {:>5}  alpha", "file", "N × D", "N/D")?;
    for (i, (l, shape)) in c.layers.iter().zip(&shapes).enumerate() {
        let interval = match intervals.get(i) {
            Some(Some(iv)) => {
                format!("  [{:.4}, {:.4}] ({:.0} %, blocks of {})", iv.lo, iv.hi, iv.level * 100.0, iv.block)
            }
            Some(None) => "  no interval (no resample gave a valid α)".to_string(),
            None => String::new(),
        };
        writeln!(
            s,
            "{:<width$}  {shape:<shape_width$}  {:>5}  {}{interval}",
            l.name,
            significant(l.n_over_d, 2),
            l.alpha_fit.label
        )?;
    }
    for w in &c.warnings {
        writeln!(s, "note: {w}")?;
    }
    writeln!(
        s,
        "note: the same ranks are fitted in every file; that removes the range's effect on α, not that of N/D, \
         preprocessing or noise."
    )
}
