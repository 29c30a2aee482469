//! `eigenlens sweep FILE`: smoothness of a code along an ordered stimulus sweep (roughness,
//! Hölder H, random projections, the α > 1 + 2/d verdict).

use crate::args::{file_name, fit_request, open_matrix_file, print_json, split_key, Args, Failure};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use eigenlens::read::{self, source::FileSource};
use eigenlens::smoothness::{analyze_sweep, SweepSettings};

pub fn cmd_sweep(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json", "periodic"])?;
    let [spec] = args.positional.as_slice() else {
        return Err(Failure::Usage("sweep takes exactly one FILE (rows in sweep order)".into()));
    };
    let mut settings =
        SweepSettings { fit: fit_request(&args)?, periodic: args.has("periodic"), ..SweepSettings::default() };
    settings.k = args.value("k")?.unwrap_or(settings.k);
    settings.seed = args.value("seed")?.unwrap_or(settings.seed);
    settings.shuffle_seed = args.value("shuffle-seed")?.unwrap_or(settings.shuffle_seed);
    if let Some(d) = args.value::<String>("d")? {
        settings.d = d.parse().map_err(Failure::Usage)?;
    }
    let path = split_key(spec).0;
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let mut opened = open_matrix_file(spec, None)?;
    let x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(input)?;
    let t = match args.value::<String>("param")? {
        Some(p) => {
            let param = |e: eigenlens::Error| Failure::Input(format!("{p}: {e}"));
            Some(
                read::read_vector(FileSource::open(&p).map_err(param)?, &file_name(&p), DEFAULT_MEMORY_LIMIT)
                    .map_err(param)?,
            )
        }
        None => None,
    };
    let report = analyze_sweep(&x, t.as_deref(), &settings).map_err(input)?;
    if args.has("json") {
        return print_json(&report);
    }
    println!("N × D               {} × {}", report.n_rows, report.n_cols);
    println!(
        "roughness R         {:.6}   (rows shuffled, seed {}: {:.4})",
        report.roughness, report.shuffle_seed, report.roughness_shuffled
    );
    let h = |v: Option<f64>| v.map_or("none".to_string(), |v| format!("{v:.4}"));
    println!("Hölder H            {}   (predicted for d = 1: {})", h(report.holder_h), h(report.predicted_h));
    println!("verdict             {}", report.verdict.text);
    let curves: Vec<String> = report.curves.iter().map(|c| format!("{:.4}", c.roughness)).collect();
    println!("projections (seed {}) roughness: {}", report.seed, curves.join(" "));
    Ok(())
}
