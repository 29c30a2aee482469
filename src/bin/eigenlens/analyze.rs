//! `eigenlens analyze`: the spectrum, α and dimensionality of one matrix.

use crate::args::{open_matrix_file, parse_rows, print_json, split_key, Args, Failure};
use eigenlens::analysis::{self, Options, Report};

pub fn cmd_analyze(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json", "drop-nonfinite"])?;
    let [spec] = args.positional.as_slice() else {
        return Err(Failure::Usage("analyze takes exactly one FILE".into()));
    };
    let fit = crate::cvpca::fit_request(&args)?;
    let rows = args.value::<String>("rows")?.map(|r| parse_rows(&r)).transpose()?;
    let options = Options { fit, drop_nonfinite: args.has("drop-nonfinite") };

    let mut opened = open_matrix_file(spec, rows)?;
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let mut report = analysis::analyze(opened.rows.as_mut(), &options, &mut |_, _| true).map_err(input)?;
    report.source = Some(opened.info);
    if args.has("json") {
        print_json(&report)?;
    } else {
        print_summary(&report);
    }
    Ok(())
}

pub fn print_summary(r: &Report) {
    if let Some(info) = &r.source {
        println!("{}: {} {:?}{}", info.name, info.dtype, info.shape, if info.fortran_order { " (Fortran order)" } else { "" });
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

