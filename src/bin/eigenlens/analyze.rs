//! `eigenlens analyze`: the spectrum, α and dimensionality of one matrix.

use crate::args::{fit_request, open_matrix_file, parse_rows, print_json, split_key, Args, Failure};
use eigenlens::analysis::{self, Options, Report};
use std::ops::Range;

pub fn cmd_analyze(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json", "drop-nonfinite"])?;
    let [spec] = args.positional.as_slice() else {
        return Err(Failure::Usage("analyze takes exactly one FILE".into()));
    };
    let fit = fit_request(&args)?;
    let rows = args.value::<String>("rows")?.map(|r| parse_rows(&r)).transpose()?;
    let options = Options { fit, drop_nonfinite: args.has("drop-nonfinite") };

    let mut opened = open_matrix_file(spec, rows.clone())?;
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let shares = row_shares(spec, &opened.info, rows);
    let acc = if shares.len() > 1 {
        drop(opened.rows);
        accumulate_shares(spec, &shares, options.drop_nonfinite)?
    } else {
        analysis::accumulate(opened.rows.as_mut(), options.drop_nonfinite, &mut |_, _| true).map_err(input)?
    };
    let mut report = analysis::spectrum_report(acc, &options.fit).map_err(input)?;
    report.source = Some(opened.info);
    if args.has("json") {
        print_json(&report)?;
    } else {
        print_summary(&report);
    }
    Ok(())
}

/// Below this many values a thread's share costs more than it saves.
const MIN_VALUES_PER_THREAD: u64 = 1 << 21;
/// Wider than this, every thread's D² moments cost too much memory.
const MAX_SPLIT_UNITS: usize = 4096;

/// The row ranges to read at once, one thread each, for a file that can seek to a row (.npy,
/// .safetensors); a single range when splitting would not pay (as the page's worker pool does).
fn row_shares(spec: &str, info: &eigenlens::read::ArrayInfo, rows: Option<Range<u64>>) -> Vec<Range<u64>> {
    let range = rows.unwrap_or(0..info.rows);
    let (from, to) = (range.start.min(info.rows), range.end.min(info.rows));
    let seekable = [".npy", ".safetensors"].iter().any(|ext| split_key(spec).0.ends_with(ext));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let shares = threads.min((to - from) * info.cols as u64 / MIN_VALUES_PER_THREAD).max(1);
    if !seekable || info.cols > MAX_SPLIT_UNITS || shares < 2 {
        return vec![from..to];
    }
    (0..shares).map(|i| from + (to - from) * i / shares..from + (to - from) * (i + 1) / shares).collect()
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

pub fn print_summary(r: &Report) {
    if let Some(info) = &r.source {
        println!(
            "{}: {} {:?}{}",
            info.name,
            info.dtype,
            info.shape,
            if info.fortran_order { " (Fortran order)" } else { "" }
        );
        if let Some(how) = &info.flattened {
            println!("  {how}");
        }
    }
    println!("N × D                {} × {}", r.n_rows, r.n_cols);
    if r.n_dropped_rows > 0 {
        println!("rows dropped         {} (NaN/Inf)", r.n_dropped_rows);
    }
    println!("total variance       {:.6e}", r.total_variance);
    println!("numerical rank       {}", r.numerical_rank);
    println!("constant columns     {}", r.n_constant_columns);
    println!("participation ratio  {:.4}", r.participation_ratio);
    println!("effective rank       {:.4}", r.effective_rank);
    println!("k90                  {}", r.k90);
    let f = &r.alpha_fit;
    match (f.valid, f.alpha) {
        (true, Some(alpha)) => println!(
            "alpha                {alpha:.4}  ({} fit, n = {}…{}, {} points, R² = {:.4})",
            f.estimator,
            f.rank_lo,
            f.rank_hi,
            f.n_points,
            f.r2.unwrap_or(f64::NAN)
        ),
        _ => println!(
            "alpha                none  ({} fit, n = {}…{}: {})",
            f.estimator,
            f.rank_lo,
            f.rank_hi,
            f.reason.as_deref().unwrap_or("invalid")
        ),
    }
    let top: Vec<String> = r.eigenvalues.iter().take(5).map(|v| format!("{v:.4e}")).collect();
    println!("eigenvalues (top 5)  {}", top.join(" "));
    for w in &r.warnings {
        println!("note: {w}");
    }
}
