//! `eigenlens cvpca`: cross-validated PCA of two repeats of the same inputs.
//!
//! `--rows` takes the same rows of both repeats (so their order still matches): the way to fit
//! repeat-swap shuffles, which hold both repeats in memory, under the memory limit.

use crate::args::{
    cli_words, emit, guesses, note_lines, open_matrix_file, parse_rows, print_json_noted, split_key, Failure, FitArgs,
    ReadArgs,
};
use eigenlens::crossval::{cvpca, CvSpectrum, CvpcaSettings};
use std::fmt::Write;
use std::ops::Range;

/// Cross-validated PCA of two repeats of the same inputs (the same rows in the same order): the
/// spectrum of the variance the repeats share
#[derive(clap::Args, Debug)]
pub struct CvpcaArgs {
    /// The first repeat (FILE or FILE:KEY)
    #[arg(value_name = "A")]
    pub a: String,
    /// The second repeat (FILE or FILE:KEY)
    #[arg(value_name = "B")]
    pub b: String,
    /// Repeat-swap shuffles to average; α is then fitted on their mean, as Stringer et al. do
    /// (0: fit the one split as given)
    #[arg(long, value_name = "K", default_value_t = CvpcaSettings::default().shuffles)]
    pub shuffles: usize,
    /// Seed of the shuffles
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Fit log |cv_n| as Stringer's get_powerlaw does (log(abs(ss))), instead of refusing a
    /// range where cv_n ≤ 0
    #[arg(long)]
    pub abs: bool,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Use only rows A to B of both repeats (0-based, B exclusive)
    #[arg(long, value_name = "A:B", value_parser = parse_rows)]
    pub rows: Option<Range<u64>>,
    /// Print one JSON object instead of a summary
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: CvpcaArgs) -> Result<(), Failure> {
    let settings = CvpcaSettings { fit: args.fit.request(), shuffles: args.shuffles, seed: args.seed, abs: args.abs };
    let options = args.read.options();
    let (mut ra, mut rb) =
        (open_matrix_file(&args.a, args.rows.clone(), &options)?, open_matrix_file(&args.b, args.rows, &options)?);
    let guessed = [guesses(&args.a, &ra.info, true), guesses(&args.b, &rb.info, true)].concat();
    let report = cvpca(ra.rows.as_mut(), rb.rows.as_mut(), &settings, &mut |_, _| true)
        .map_err(|e| Failure::Input(format!("{} and {}: {e}", split_key(&args.a).0, split_key(&args.b).0)))?;
    if args.json {
        return print_json_noted(&report, &guessed);
    }
    let mut s = String::new();
    let top = |v: &[f64]| v.iter().take(5).map(|v| format!("{v:.4e}")).collect::<Vec<_>>().join(" ");
    // Writing to a String cannot fail.
    let _ = writeln!(s, "N × D                      {} × {}", report.n_rows, report.n_cols);
    let _ = writeln!(s, "shared-variance fraction   {:.6}", report.shared_variance_fraction);
    let _ = writeln!(s, "axes with cv ≤ 0           {}", report.n_nonpositive);
    let of = |abs: bool| if abs { "|cv_n| of " } else { "" };
    let fitted = match report.alpha_fit.spectrum {
        CvSpectrum::ShuffleMean => format!("{}the mean of {} shuffles", of(report.alpha_fit.abs), report.shuffles),
        CvSpectrum::Unshuffled => format!("{}the split as given", of(report.alpha_fit.abs)),
    };
    let _ = writeln!(s, "α of the cvPCA spectrum    {}; {fitted}", report.alpha_fit.label);
    if let Some(split) = &report.alpha_fit_unshuffled {
        let _ = writeln!(s, "α of the unshuffled split  {}", split.label);
    }
    let _ = writeln!(s, "α of the plain spectrum    {}", report.alpha_fit_plain.label);
    let range = report.suggested_range.map_or("none".to_string(), |[a, b]| format!("n = {a}…{b}"));
    let _ = writeln!(s, "cv > 0 over                {range}");
    let _ = writeln!(s, "cv spectrum (top 5)        {}", top(&report.cv_spectrum));
    if let Some(shuffled) = &report.shuffled_cv_spectrum {
        let _ = writeln!(
            s,
            "shuffled mean (top 5)      {}  ({} repeat-swap shuffles, seed {})",
            top(shuffled),
            report.shuffles,
            report.seed
        );
    }
    let warnings: Vec<String> = report.warnings.iter().map(|w| cli_words(w)).collect();
    s.push_str(&note_lines(&[guessed, warnings].concat()));
    emit(&s)
}
