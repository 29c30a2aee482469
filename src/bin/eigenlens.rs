//! `eigenlens`: the core on the command line, so that results can be scripted and checked
//! against NumPy.
//!
//! ```text
//! eigenlens analyze FILE[:KEY] [--estimator stringer|ols] [--preset stringer|alpha-req]
//!                   [--lo N] [--hi N] [--rows A:B] [--drop-nonfinite] [--json]
//! eigenlens synth fourier|gaussian --alpha A --rows N --cols D [--seed S] --out FILE.npy
//! ```
//! Bad input exits with status 1 and one line on stderr; bad usage with status 2.

use eigenlens::analysis::{self, Options, Report};
use eigenlens::read::{self, source::FileSource};
use eigenlens::stats::{Estimator, FitRequest, RangePreset};
use eigenlens::synth;
use std::process::ExitCode;

const USAGE: &str = "usage:
  eigenlens analyze FILE[:KEY] [--estimator stringer|ols] [--preset stringer|alpha-req]
                    [--lo N] [--hi N] [--rows A:B] [--drop-nonfinite] [--json]
  eigenlens list FILE                 (the arrays in a .safetensors or .npy file)
  eigenlens synth fourier|gaussian --alpha A --rows N --cols D [--seed S] --out FILE.npy";

/// A failure and the exit status it maps to.
enum Failure {
    Usage(String),
    Input(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("analyze") => cmd_analyze(&args[1..]),
        Some("synth") => cmd_synth(&args[1..]),
        Some("list") => cmd_list(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!("unknown command '{other}'"))),
        None => Err(Failure::Usage("no command given".into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("eigenlens: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Input(msg)) => {
            eprintln!("eigenlens: error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Flags and positional arguments of one command.
struct Args {
    positional: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// `switches` take no value; every other `--flag` takes the next argument.
    fn parse(args: &[String], switches: &[&str]) -> Result<Args, Failure> {
        let (mut positional, mut flags) = (Vec::new(), Vec::new());
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                if switches.contains(&name) {
                    flags.push((name.to_string(), None));
                } else {
                    let v = it.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                    flags.push((name.to_string(), Some(v.clone())));
                }
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args { positional, flags })
    }

    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    fn value<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Failure> {
        match self.flags.iter().rev().find(|(n, _)| n == name) {
            Some((_, Some(v))) => {
                v.parse().map(Some).map_err(|_| Failure::Usage(format!("--{name}: cannot read '{v}'")))
            }
            _ => Ok(None),
        }
    }
}

/// Splits `FILE:KEY` (the key selects an array in multi-array files) unless FILE exists as given.
fn split_key(spec: &str) -> (&str, Option<&str>) {
    if std::path::Path::new(spec).exists() {
        return (spec, None);
    }
    match spec.rsplit_once(':') {
        Some((file, key)) if !file.is_empty() => (file, Some(key)),
        _ => (spec, None),
    }
}

fn parse_rows(spec: &str) -> Result<std::ops::Range<u64>, Failure> {
    let bad = || Failure::Usage(format!("--rows takes A:B (0-based, B exclusive), got '{spec}'"));
    let (a, b) = spec.split_once(':').ok_or_else(bad)?;
    let a = if a.is_empty() { 0 } else { a.parse().map_err(|_| bad())? };
    let b = if b.is_empty() { u64::MAX } else { b.parse().map_err(|_| bad())? };
    Ok(a..b)
}

fn cmd_analyze(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json", "drop-nonfinite"])?;
    let [spec] = args.positional.as_slice() else {
        return Err(Failure::Usage("analyze takes exactly one FILE".into()));
    };
    let mut fit = FitRequest::default();
    if let Some(preset) = args.value::<String>("preset")? {
        let preset: RangePreset = preset.parse().map_err(Failure::Usage)?;
        (fit.lo, fit.hi) = preset.bounds();
    }
    if let Some(e) = args.value::<String>("estimator")? {
        fit.estimator = e.parse::<Estimator>().map_err(Failure::Usage)?;
    }
    fit.lo = args.value("lo")?.unwrap_or(fit.lo);
    fit.hi = args.value("hi")?.unwrap_or(fit.hi);
    let rows = args.value::<String>("rows")?.map(|r| parse_rows(&r)).transpose()?;
    let options = Options { fit, drop_nonfinite: args.has("drop-nonfinite") };

    let (path, key) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let source = FileSource::open(path).map_err(input)?;
    let name = std::path::Path::new(path).file_name().map_or(path.to_string(), |n| n.to_string_lossy().into_owned());
    let mut opened = read::open_matrix(source, &name, key, rows).map_err(input)?;
    let mut report = analysis::analyze(opened.rows.as_mut(), &options, &mut |_, _| true).map_err(input)?;
    report.source = Some(opened.info);
    if args.has("json") {
        let json = serde_json::to_string(&report).map_err(|e| Failure::Input(e.to_string()))?;
        println!("{json}");
    } else {
        print_summary(&report);
    }
    Ok(())
}

fn print_summary(r: &Report) {
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

fn cmd_list(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json"])?;
    let [path] = args.positional.as_slice() else {
        return Err(Failure::Usage("list takes exactly one FILE".into()));
    };
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let name = std::path::Path::new(path).file_name().map_or(path.to_string(), |n| n.to_string_lossy().into_owned());
    let arrays = read::list_arrays(FileSource::open(path).map_err(input)?, &name).map_err(input)?;
    if args.has("json") {
        println!("{}", serde_json::to_string(&arrays).map_err(|e| Failure::Input(e.to_string()))?);
    } else {
        for a in arrays {
            println!("{}\t{}\t{:?}\t{} × {}", a.name, a.dtype, a.shape, a.rows, a.cols);
        }
    }
    Ok(())
}

fn cmd_synth(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &[])?;
    let kind = args.positional.first().map(String::as_str);
    let need = |name: &str| Failure::Usage(format!("synth needs --{name}"));
    let alpha: f64 = args.value("alpha")?.ok_or_else(|| need("alpha"))?;
    let rows: usize = args.value("rows")?.ok_or_else(|| need("rows"))?;
    let cols: usize = args.value("cols")?.ok_or_else(|| need("cols"))?;
    let seed: u64 = args.value("seed")?.unwrap_or(1);
    let out: String = args.value("out")?.ok_or_else(|| need("out"))?;
    let m = match kind {
        Some("fourier") => synth::fourier_code(alpha, rows, cols, Some(seed)),
        Some("gaussian") => synth::gaussian_code(alpha, rows, cols, seed),
        _ => return Err(Failure::Usage("synth takes fourier or gaussian".into())),
    };
    std::fs::write(&out, m.to_npy_f32()).map_err(|e| Failure::Input(format!("{out}: {e}")))?;
    Ok(())
}
