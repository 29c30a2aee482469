//! `eigenlens sweep`: smoothness of a code along an ordered stimulus sweep (roughness,
//! Hölder H, random projections, the α > 1 + 2/d verdict).

use crate::args::{emit, file_name, open_matrix_file, print_json, split_key, Failure, FitArgs};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use eigenlens::read::{self, source::FileSource};
use eigenlens::smoothness::{analyze_sweep, InputDim, SweepSettings};
use std::fmt::Write;

/// Smoothness of a code along an ordered sweep (rows in sweep order): roughness, Hölder H,
/// random projections and the α > 1 + 2/d verdict
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The responses, one row per stimulus in sweep order (FILE or FILE:KEY)
    #[arg(value_name = "FILE[:KEY]")]
    pub file: String,
    /// The swept parameter, one value per row (a 1-D file), for the projections' x axis
    #[arg(long, value_name = "T.npy")]
    pub param: Option<String>,
    /// The sweep wraps around (an angle over a full turn): lags wrap too
    #[arg(long)]
    pub periodic: bool,
    /// Random projections to draw
    #[arg(long, value_name = "K", default_value_t = SweepSettings::default().k)]
    pub k: usize,
    /// Seed of the projection directions
    #[arg(long, value_name = "S", default_value_t = SweepSettings::default().seed)]
    pub seed: u64,
    /// Seed of the row shuffle that gives the rough baseline
    #[arg(long, value_name = "S", default_value_t = SweepSettings::default().shuffle_seed)]
    pub shuffle_seed: u64,
    /// Input dimension d of the verdict's threshold 1 + 2/d: a positive number, or high (natural
    /// images, text) [default: 1]
    #[arg(long, value_name = "D")]
    pub d: Option<InputDim>,
    #[command(flatten)]
    pub fit: FitArgs,
    /// Print one JSON object instead of a summary
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SweepArgs) -> Result<(), Failure> {
    let settings = SweepSettings {
        k: args.k,
        seed: args.seed,
        periodic: args.periodic,
        shuffle_seed: args.shuffle_seed,
        fit: args.fit.request(),
        d: args.d.unwrap_or_default(),
    };
    let path = split_key(&args.file).0;
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let mut opened = open_matrix_file(&args.file, None)?;
    let x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(input)?;
    let t = match &args.param {
        Some(p) => {
            let param = |e: eigenlens::Error| Failure::Input(format!("{p}: {e}"));
            Some(
                read::read_vector(FileSource::open(p).map_err(param)?, &file_name(p), DEFAULT_MEMORY_LIMIT)
                    .map_err(param)?,
            )
        }
        None => None,
    };
    let report = analyze_sweep(&x, t.as_deref(), &settings).map_err(input)?;
    if args.json {
        return print_json(&report);
    }
    let mut s = String::new();
    let h = |v: Option<f64>| v.map_or("none".to_string(), |v| format!("{v:.4}"));
    let curves: Vec<String> = report.curves.iter().map(|c| format!("{:.4}", c.roughness)).collect();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "N × D               {} × {}", report.n_rows, report.n_cols);
    let _ = writeln!(
        s,
        "roughness R         {:.6}   (rows shuffled, seed {}: {:.4})",
        report.roughness, report.shuffle_seed, report.roughness_shuffled
    );
    let _ =
        writeln!(s, "Hölder H            {}   (predicted for d = 1: {})", h(report.holder_h), h(report.predicted_h));
    let _ = writeln!(s, "verdict             {}", report.verdict.text);
    let _ = writeln!(s, "projections (seed {}) roughness: {}", report.seed, curves.join(" "));
    emit(&s)
}
