//! `eigenlens compare`: α of several layers over one common range (`stats::compare`).
//!
//! Each file is analysed as `analyze` would (same reading, preprocessing and fit flags), then
//! every spectrum is fitted over the same ranks: n_lo as requested, n_hi the smallest of the
//! requested n_hi and every file's caps (⌊D/2⌋, N − 1, numerical rank, last positive λ).

use crate::analyze::report_of;
use crate::args::{emit, guesses, parse_rows, print_json, Failure, FitArgs, PreArgs, ReadArgs};
use eigenlens::analysis::Report;
use eigenlens::stats::compare::{compare, Comparison};
use eigenlens::stats::spectrum::significant;
use std::fmt::Write;
use std::ops::Range;

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
    /// Use only rows A to B of every matrix as read (0-based, B exclusive; either end may be left out)
    #[arg(long, value_name = "A:B", value_parser = parse_rows)]
    pub rows: Option<Range<u64>>,
    /// Drop rows holding NaN or ±Inf (and count them) instead of stopping at the first
    #[arg(long)]
    pub drop_nonfinite: bool,
    /// Print one JSON object (the common range, each layer's fit on it, warnings)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let (fit, pre, options) = (args.fit.request(), args.pre.preprocess(), args.read.options());
    let reports: Vec<Report> = args
        .files
        .iter()
        .map(|spec| report_of(spec, args.rows.clone(), args.drop_nonfinite, &options, &fit, &pre))
        .collect::<Result<_, _>>()?;
    let layers: Vec<_> = reports.iter().zip(&args.files).map(|(r, name)| r.layer(name)).collect();
    let mut comparison = compare(&layers, &fit);
    let notes =
        reports.iter().zip(&args.files).flat_map(|(r, spec)| r.source.iter().flat_map(|i| guesses(spec, i, true)));
    comparison.warnings.splice(0..0, notes.collect::<Vec<_>>());
    if args.json {
        print_json(&comparison)
    } else {
        emit(&summary(&comparison))
    }
}

/// The readable table of a comparison.
pub fn summary(c: &Comparison) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut s, c);
    s
}

fn write_summary(s: &mut String, c: &Comparison) -> std::fmt::Result {
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
    for (l, shape) in c.layers.iter().zip(&shapes) {
        writeln!(
            s,
            "{:<width$}  {shape:<shape_width$}  {:>5}  {}",
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
