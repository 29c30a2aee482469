//! `eigenlens align FILE[:KEY]`: how the principal axes sit on the units (units per axis, shown
//! only for axes whose eigenvalue is separated from its neighbours) and whether the unit basis
//! is privileged (the units' kurtosis against K seeded random rotations of the same data).

use crate::args::{
    emit, guesses, note_lines, open_matrix_file, parse_rows, print_json_noted, split_key, Failure, ReadArgs,
};
use eigenlens::alignment::{align_matrix, AlignSettings};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use std::fmt::Write;
use std::ops::Range;

/// Axes and units: units per axis where the axis is separated from its neighbours, and whether
/// the unit basis is privileged (the units' kurtosis against K random rotations)
#[derive(clap::Args, Debug)]
pub struct AlignArgs {
    /// The activations, rows = inputs, columns = units (FILE or FILE:KEY)
    #[arg(value_name = "FILE[:KEY]")]
    pub file: String,
    /// Random rotations of the basis-privilege test (0: no test; the test's level is 1/(K + 1))
    #[arg(long, value_name = "K", default_value_t = AlignSettings::default().k)]
    pub k: usize,
    /// Seed of the rotations
    #[arg(long, value_name = "S", default_value_t = AlignSettings::default().seed)]
    pub seed: u64,
    /// Top axes to report
    #[arg(long, value_name = "T", default_value_t = AlignSettings::default().top)]
    pub top: usize,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Use only rows A to B (0-based, B exclusive): the rows are held in memory
    #[arg(long, value_name = "A:B", value_parser = parse_rows)]
    pub rows: Option<Range<u64>>,
    /// Print one JSON object instead of a summary
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: AlignArgs) -> Result<(), Failure> {
    if args.top == 0 {
        return Err(Failure::Usage("--top 0: report at least one axis".into()));
    }
    let settings = AlignSettings { top: args.top, k: args.k, seed: args.seed };
    let path = split_key(&args.file).0;
    let fail = |e: eigenlens::Error| match e {
        eigenlens::Error::Setting(msg) => Failure::Usage(msg),
        e => Failure::Input(format!("{path}: {e}")),
    };
    let mut opened = open_matrix_file(&args.file, args.rows, &args.read.options())?;
    let notes = guesses(&args.file, &opened.info, false);
    let x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(fail)?;
    let report = align_matrix(&x, &settings).map_err(fail)?;
    if args.json {
        return print_json_noted(&report, &notes);
    }
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "N × D                 {} × {}", report.n_rows, report.n_cols);
    let _ = writeln!(s, "axes                  {}", report.axes_text);
    let _ = writeln!(s, "  rank  eigenvalue    gap/error  units per axis");
    for a in &report.axes {
        let gap = a.eigenvalue_gap.map_or("—".to_string(), |g| format!("{g:.2}"));
        let units = if a.reported { format!("{:.2}", a.units_per_axis) } else { "— (not separated)".to_string() };
        let _ = writeln!(s, "  {:<4}  {:<12.4e}  {:<9}  {units}", a.rank, a.eigenvalue, gap);
    }
    match &report.basis_privilege {
        Some(bp) => {
            let _ = writeln!(s, "basis privilege       {}", bp.text);
            let _ = writeln!(
                s,
                "active fraction       units {:.4}, rotations {:.4} … {:.4} (centred values > 0)",
                bp.active_fraction, bp.rotated_active_fraction[0], bp.rotated_active_fraction[1]
            );
        }
        None => {
            let _ = writeln!(s, "basis privilege       not tested (--k 0)");
        }
    }
    s.push_str(&note_lines(&notes));
    emit(&s)
}
