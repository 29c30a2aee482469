//! `eigenlens`: the core on the command line, so that results can be scripted and checked
//! against NumPy.
//!
//! ```text
//! eigenlens analyze FILE[:KEY] [--estimator stringer|ols] [--preset stringer|alpha-req]
//!                   [--lo N] [--hi N] [--rows A:B] [--drop-nonfinite] [--json]
//! eigenlens synth fourier|gaussian --alpha A --rows N --cols D [--seed S] --out FILE.npy
//! ```
//! Bad input exits with status 1 and one line on stderr; bad usage with status 2.

mod analyze;
mod args;
mod cvpca;
mod list;
mod sweep;
mod synth;
mod toy;

use args::Failure;
use std::process::ExitCode;

const USAGE: &str = "usage:
  eigenlens analyze FILE[:KEY] [--estimator stringer|ols] [--preset stringer|alpha-req]
                    [--lo N] [--hi N] [--rows A:B] [--drop-nonfinite] [--json]
  eigenlens list FILE [--json]        (the arrays in a .npz, .safetensors or .npy file)
  eigenlens cvpca A B [--shuffles K] [--seed S] [--estimator E] [--lo N] [--hi N] [--rows A:B] [--json]
                                      (cross-validated PCA of two repeats of the same inputs)
  eigenlens sweep FILE [--param T.npy] [--periodic] [--k 5] [--seed 1] [--shuffle-seed 0]
                 [--d 1|2|high] [--json]  (smoothness along a sweep: rows in sweep order)
  eigenlens toy [--n 20] [--m 5] [--decay 0.7] [--sparsities 20 | --sparsity 0.9,0.99]
                [--steps 10000] [--batch 1024] [--seed 1] [--entropy-bits 8] [--json]
  eigenlens synth fourier|gaussian --alpha A --rows N --cols D [--seed S] --out FILE.npy";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("analyze") => analyze::cmd_analyze(&args[1..]),
        Some("synth") => synth::cmd_synth(&args[1..]),
        Some("list") => list::cmd_list(&args[1..]),
        Some("cvpca") => cvpca::cmd_cvpca(&args[1..]),
        Some("sweep") => sweep::cmd_sweep(&args[1..]),
        Some("toy") => toy::cmd_toy(&args[1..]),
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
