//! `eigenlens sweep`: smoothness of a code along an ordered stimulus sweep (roughness,
//! Hölder H beside its Fourier reference, random projections, and the verdict on an interval of
//! α against 1 + 2/d, from the cross-validated α when `--repeat` gives a second recording).

use crate::args::{
    emit, file_name, guesses, note_lines, open_matrix_file, print_json_noted, split_key, Failure, FitArgs, ReadArgs,
};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use eigenlens::read::{self, source::FileSource};
use eigenlens::smoothness::{analyze_sweep_with, InputDim, SweepSettings};
use std::fmt::Write;

/// Smoothness of a code along an ordered sweep (rows in sweep order): roughness, Hölder H,
/// random projections, and the verdict on an interval of α against 1 + 2/d
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
    /// A second recording of the same sweep (same rows, same order): the verdict then uses the
    /// cross-validated α of the two (FILE or FILE:KEY)
    #[arg(long, value_name = "FILE2[:KEY]")]
    pub repeat: Option<String>,
    /// Bootstrap resamples for the interval of α (0: no interval, so no verdict)
    #[arg(long, value_name = "B", default_value_t = SweepSettings::default().bootstrap)]
    pub bootstrap: usize,
    /// Seed of the bootstrap (and of the repeat-swap shuffles)
    #[arg(long, value_name = "S", default_value_t = SweepSettings::default().bootstrap_seed)]
    pub bootstrap_seed: u64,
    /// Coverage of the interval of α
    #[arg(long, value_name = "P", default_value_t = SweepSettings::default().level)]
    pub level: f64,
    /// Rows per bootstrap block with --repeat [default: ⌈N^(1/3)⌉]
    #[arg(long, value_name = "L")]
    pub block: Option<usize>,
    /// Repeat-swap shuffles of cvPCA with --repeat (0: the unshuffled cv spectrum)
    #[arg(long, value_name = "K", default_value_t = SweepSettings::default().cv_shuffles)]
    pub cv_shuffles: usize,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub read: ReadArgs,
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
        bootstrap: args.bootstrap,
        bootstrap_seed: args.bootstrap_seed,
        level: args.level,
        block: args.block,
        cv_shuffles: args.cv_shuffles,
    };
    let path = split_key(&args.file).0;
    let fail = |e: eigenlens::Error| match e {
        eigenlens::Error::Setting(msg) => Failure::Usage(msg),
        e => Failure::Input(format!("{path}: {e}")),
    };
    let options = args.read.options();
    let mut opened = open_matrix_file(&args.file, None, &options)?;
    let mut notes = guesses(&args.file, &opened.info, args.repeat.is_some());
    let x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(fail)?;
    let repeat = match &args.repeat {
        Some(spec) => {
            let other = split_key(spec).0;
            let mut opened = open_matrix_file(spec, None, &options)?;
            notes.extend(guesses(spec, &opened.info, true));
            Some(
                Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT)
                    .map_err(|e| Failure::Input(format!("{other}: {e}")))?,
            )
        }
        None => None,
    };
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
    let report =
        analyze_sweep_with(&x, t.as_deref(), repeat.as_ref(), &settings).map_err(|e| match (e, &args.repeat) {
            (eigenlens::Error::Data(e), Some(other)) => {
                Failure::Input(format!("{path} and {}: {e}", split_key(other).0))
            }
            (e, _) => fail(e),
        })?;
    if args.json {
        return print_json_noted(&report, &notes);
    }
    let mut s = String::new();
    let curves: Vec<String> = report.curves.iter().map(|c| format!("{:.4}", c.roughness)).collect();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "N × D               {} × {}", report.n_rows, report.n_cols);
    let _ = writeln!(s, "roughness           {}", report.roughness_text);
    let _ = writeln!(s, "Hölder H            {}", report.holder_text);
    let _ = writeln!(s, "plain α             {}", report.alpha_fit.label);
    if let Some(cv) = &report.cross_validated {
        let _ = writeln!(
            s,
            "cross-validated α   {}   (shared variance {:.4})",
            cv.alpha_fit.label, cv.shared_variance_fraction
        );
    }
    match &report.alpha_interval {
        Some(i) => match (i.lo, i.hi) {
            (Some(lo), Some(hi)) => {
                let _ = writeln!(
                    s,
                    "interval of α       {lo:.4} … {hi:.4}   ({:.0} %, α̂ ± z·se over B = {} resamples of {} (block {}), \
                     seed {}; the resamples sit {:+.4} from α̂)",
                    100.0 * i.level,
                    i.b,
                    i.method,
                    i.block,
                    i.seed,
                    i.resample_shift.unwrap_or(f64::NAN)
                );
            }
            _ => {
                let _ =
                    writeln!(s, "interval of α       none ({})", i.reason.as_deref().unwrap_or("no valid resamples"));
            }
        },
        None => {
            let _ = writeln!(s, "interval of α       none (--bootstrap 0, or no valid α)");
        }
    }
    let _ = writeln!(s, "verdict             {}", report.verdict.text);
    let _ = writeln!(s, "projections (seed {}) roughness: {}", report.seed, curves.join(" "));
    s.push_str(&note_lines(&notes));
    emit(&s)
}
