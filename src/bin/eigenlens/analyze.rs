//! `eigenlens analyze`: the spectrum, α and dimensionality of one matrix.

use crate::args::{emit, open_matrix_file, parse_rows, print_json, split_key, Failure, FitArgs};
use eigenlens::analysis::{self, Options, Report};
use eigenlens::bootstrap::{bootstrap_alpha, default_block, BootstrapReport, BootstrapSettings};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use std::fmt::Write;
use std::ops::Range;

/// The eigenspectrum, power-law exponent α and dimensionality of one matrix (rows = inputs,
/// columns = units)
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The matrix: a file, or FILE:KEY for one array of a .npz or .safetensors file
    #[arg(value_name = "FILE[:KEY]")]
    pub file: String,
    #[command(flatten)]
    pub fit: FitArgs,
    /// Analyse only rows A to B (0-based, B exclusive; either end may be left out)
    #[arg(long, value_name = "A:B", value_parser = parse_rows)]
    pub rows: Option<Range<u64>>,
    /// Drop rows holding NaN or ±Inf (and count them) instead of stopping at the first
    #[arg(long)]
    pub drop_nonfinite: bool,
    /// Print one JSON object (every figure, all D eigenvalues) instead of a summary
    #[arg(long)]
    pub json: bool,
    /// Bootstrap α with B resamples (holds the rows in memory): adds `alpha_interval` and
    /// `bootstrap` to the JSON
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Rows per resampled block (default: T for an [S, T, H] tensor, whole sequences; else 1)
    #[arg(long, value_name = "L", requires = "bootstrap")]
    pub block: Option<usize>,
    /// Seed of the bootstrap's resamples
    #[arg(long, value_name = "S", default_value_t = BootstrapSettings::default().seed, requires = "bootstrap")]
    pub seed: u64,
}

pub fn run(args: AnalyzeArgs) -> Result<(), Failure> {
    let spec = args.file.as_str();
    let options = Options { fit: args.fit.request(), drop_nonfinite: args.drop_nonfinite };
    let mut opened = open_matrix_file(spec, args.rows.clone())?;
    let (path, _) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shares = eigenlens::plan::row_shares(path, &opened.info, args.rows.clone(), readers);
    let acc = if shares.len() > 1 {
        drop(opened.rows);
        accumulate_shares(spec, &shares, options.drop_nonfinite)?
    } else {
        analysis::accumulate(opened.rows.as_mut(), options.drop_nonfinite, &mut |_, _| true).map_err(input)?
    };
    let mut report = analysis::spectrum_report(acc, &options.fit).map_err(input)?;
    let boot = match args.bootstrap {
        Some(b) => Some(bootstrap(spec, &args, &opened.info, b, &options)?),
        None => None,
    };
    report.source = Some(opened.info);
    match (args.json, boot) {
        (true, None) => print_json(&report),
        (true, Some(boot)) => {
            // The report's own keys, then `alpha_interval` and the whole bootstrap beside them.
            let mut json = serde_json::to_value(&report).map_err(|e| Failure::Input(e.to_string()))?;
            if let Some(object) = json.as_object_mut() {
                object.insert("alpha_interval".into(), serde_json::to_value(&boot.alpha_interval).unwrap_or_default());
                object.insert("bootstrap".into(), serde_json::to_value(&boot).unwrap_or_default());
            }
            print_json(&json)
        }
        (false, boot) => {
            let mut text = summary(&report);
            if let Some(boot) = boot {
                text.push_str(&bootstrap_summary(&boot));
            }
            emit(&text)
        }
    }
}

/// The bootstrap of α over the same rows, in blocks of `--block` rows (whole sequences of a
/// 3-D tensor by default).
fn bootstrap(
    spec: &str,
    args: &AnalyzeArgs,
    info: &eigenlens::read::ArrayInfo,
    b: usize,
    options: &Options,
) -> Result<BootstrapReport, Failure> {
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let mut opened = open_matrix_file(spec, args.rows.clone())?;
    let mut x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(input)?;
    if options.drop_nonfinite {
        let d = x.cols;
        let kept: Vec<f64> =
            x.data.chunks_exact(d).filter(|r| r.iter().all(|v| v.is_finite())).flatten().copied().collect();
        x = Matrix { rows: kept.len() / d.max(1), cols: d, data: kept };
    }
    let settings = BootstrapSettings {
        b,
        seed: args.seed,
        fit: options.fit,
        block: args.block.or_else(|| default_block(&info.shape)),
        ..Default::default()
    };
    let mut boot = bootstrap_alpha(&x, &settings, &mut |_| true).map_err(|e| match e {
        eigenlens::Error::Setting(msg) => Failure::Usage(msg),
        e => input(e),
    })?;
    // Whole sequences only when the row range starts at a sequence boundary.
    if let (None, Some(t), Some(rows)) = (args.block, default_block(&info.shape), &args.rows) {
        if rows.start % t as u64 != 0 {
            boot.warnings.push(format!(
                "--rows starts at row {}, inside a sequence of T = {t}: the blocks of {t} rows do not follow \
                 sequence boundaries",
                rows.start
            ));
        }
    }
    Ok(boot)
}

/// The bootstrap lines of the readable summary.
fn bootstrap_summary(r: &BootstrapReport) -> String {
    let mut s = String::new();
    let rows = if r.block == 1 { "single rows".to_string() } else { format!("blocks of {} rows", r.block) };
    let _ = match &r.alpha_interval {
        Some(i) => writeln!(
            s,
            "alpha interval       [{:.4}, {:.4}]  ({:.0} %, α̂ ± z·se, se = {:.4}; B = {}, {rows}, seed {})",
            i.lo,
            i.hi,
            i.level * 100.0,
            r.se.unwrap_or(f64::NAN),
            r.b,
            r.seed
        ),
        None => writeln!(s, "alpha interval       none  ({} of {} resamples without a valid α)", r.n_invalid, r.b),
    };
    for w in &r.warnings {
        let _ = writeln!(s, "note: {w}");
    }
    s
}

/// Each share read by its own thread and reader; the moments merged in row order (Chan).
fn accumulate_shares(
    spec: &str,
    shares: &[Range<u64>],
    drop_nonfinite: bool,
) -> Result<analysis::Accumulated, Failure> {
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let parts: Vec<Result<analysis::Accumulated, Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| {
                scope.spawn(move || {
                    let mut opened = open_matrix_file(spec, Some(share.clone()))?;
                    analysis::accumulate(opened.rows.as_mut(), drop_nonfinite, &mut |_, _| true).map_err(input)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Failure::Input("a reader thread failed".into()))))
            .collect()
    });
    let mut total: Option<analysis::Accumulated> = None;
    for part in parts {
        let part = part?;
        match &mut total {
            None => total = Some(part),
            Some(acc) => acc.merge(&part).map_err(input)?,
        }
    }
    total.ok_or_else(|| Failure::Input("no rows to read".into()))
}

/// The readable summary of a report.
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut s, r);
    s
}

fn write_summary(s: &mut String, r: &Report) -> std::fmt::Result {
    if let Some(info) = &r.source {
        writeln!(
            s,
            "{}: {} {:?}{}",
            info.name,
            info.dtype,
            info.shape,
            if info.fortran_order { " (Fortran order)" } else { "" }
        )?;
        if let Some(how) = &info.flattened {
            writeln!(s, "  {how}")?;
        }
    }
    writeln!(s, "N × D                {} × {}", r.n_rows, r.n_cols)?;
    if r.n_dropped_rows > 0 {
        writeln!(s, "rows dropped         {} (NaN/Inf)", r.n_dropped_rows)?;
    }
    writeln!(s, "total variance       {:.6e}", r.total_variance)?;
    writeln!(s, "numerical rank       {}", r.numerical_rank)?;
    writeln!(s, "constant columns     {}", r.n_constant_columns)?;
    writeln!(s, "participation ratio  {:.4}", r.participation_ratio)?;
    writeln!(s, "effective rank       {:.4}", r.effective_rank)?;
    writeln!(s, "k90                  {}", r.k90)?;
    let f = &r.alpha_fit;
    match (f.valid, f.alpha) {
        (true, Some(alpha)) => writeln!(
            s,
            "alpha                {alpha:.4}  ({} fit, n = {}…{}, {} points, R² = {:.4})",
            f.estimator,
            f.rank_lo,
            f.rank_hi,
            f.n_points,
            f.r2.unwrap_or(f64::NAN)
        )?,
        _ => writeln!(
            s,
            "alpha                none  ({} fit, n = {}…{}: {})",
            f.estimator,
            f.rank_lo,
            f.rank_hi,
            f.reason.as_deref().unwrap_or("invalid")
        )?,
    }
    let top: Vec<String> = r.eigenvalues.iter().take(5).map(|v| format!("{v:.4e}")).collect();
    writeln!(s, "eigenvalues (top 5)  {}", top.join(" "))?;
    for w in &r.warnings {
        writeln!(s, "note: {w}")?;
    }
    Ok(())
}
