//! `eigenlens cvpca A B [--shuffles K] [--seed S] [--estimator E] [--preset P] [--lo N] [--hi N]
//! [--rows A:B] [--json]`: cross-validated PCA of two repeats of the same inputs.
//!
//! `--rows` takes the same rows of both repeats (so their order still matches): the way to fit
//! repeat-swap shuffles, which hold both repeats in memory, under the memory limit.

use crate::args::{fit_request, open_matrix_file, parse_rows, print_json, split_key, Args, Failure};
use eigenlens::crossval::{cvpca, CvpcaSettings};

pub fn cmd_cvpca(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json"])?;
    let [a, b] = args.positional.as_slice() else {
        return Err(Failure::Usage("cvpca takes two FILEs: the two repeats".into()));
    };
    let settings = CvpcaSettings {
        fit: fit_request(&args)?,
        shuffles: args.value("shuffles")?.unwrap_or(0),
        seed: args.value("seed")?.unwrap_or(1),
        ..Default::default()
    };
    let rows = args.value::<String>("rows")?.map(|r| parse_rows(&r)).transpose()?;
    let (mut ra, mut rb) = (open_matrix_file(a, rows.clone())?, open_matrix_file(b, rows)?);
    let report = cvpca(ra.rows.as_mut(), rb.rows.as_mut(), &settings, &mut |_, _| true)
        .map_err(|e| Failure::Input(format!("{} and {}: {e}", split_key(a).0, split_key(b).0)))?;
    if args.has("json") {
        return print_json(&report);
    }
    println!("N × D                      {} × {}", report.n_rows, report.n_cols);
    println!("shared-variance fraction   {:.6}", report.shared_variance_fraction);
    println!("axes with cv ≤ 0           {}", report.n_nonpositive);
    let alpha = |f: &eigenlens::stats::AlphaFit| match f.alpha {
        Some(a) if f.valid => format!("{a:.4} ({} fit, n = {}…{})", f.estimator, f.rank_lo, f.rank_hi),
        _ => format!("none ({})", f.reason.as_deref().unwrap_or("invalid")),
    };
    println!("α of the cvPCA spectrum    {}", alpha(&report.alpha_fit));
    println!("α of the plain spectrum    {}", alpha(&report.alpha_fit_plain));
    let top: Vec<String> = report.cv_spectrum.iter().take(5).map(|v| format!("{v:.4e}")).collect();
    println!("cv spectrum (top 5)        {}", top.join(" "));
    if let Some(shuffled) = &report.shuffled_cv_spectrum {
        let top: Vec<String> = shuffled.iter().take(5).map(|v| format!("{v:.4e}")).collect();
        println!(
            "shuffled mean (top 5)      {}  ({} repeat-swap shuffles, seed {})",
            top.join(" "),
            report.shuffles,
            report.seed
        );
    }
    Ok(())
}
