//! `eigenlens synth`: writes a synthetic code of known α as an f32 `.npy`.

use crate::args::Failure;
use eigenlens::analysis::MAX_UNITS;
use eigenlens::matrix::DEFAULT_MEMORY_LIMIT;
use eigenlens::synth;

/// Writes a synthetic code whose eigenspectrum falls as n^(−α), as an f32 .npy
#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// The kind of code
    pub kind: Kind,
    /// The power-law exponent α of the spectrum
    #[arg(long, value_name = "A")]
    pub alpha: f64,
    /// Number of rows (inputs) N
    #[arg(long, value_name = "N")]
    pub rows: usize,
    /// Number of columns (units) D
    #[arg(long, value_name = "D")]
    pub cols: usize,
    /// Seed of the random draws
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The .npy file to write
    #[arg(long, value_name = "FILE.npy")]
    pub out: String,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Kind {
    /// Stringer's code of one angle: cos(k t), sin(k t) scaled by k^(−α/2), mixed by a random rotation
    Fourier,
    /// Rows drawn from N(0, Σ), Σ with eigenvalues n^(−α) in a random basis
    Gaussian,
}

pub fn run(args: SynthArgs) -> Result<(), Failure> {
    // The code is built in memory (with a D × D rotation): refuse what would abort on allocation.
    let values = (args.rows as u64).saturating_mul(args.cols as u64);
    if values > DEFAULT_MEMORY_LIMIT || args.cols > MAX_UNITS {
        return Err(Failure::Usage(format!(
            "--rows {} --cols {} is more than synth builds in memory (at most {DEFAULT_MEMORY_LIMIT} values, \
             D ≤ {MAX_UNITS}); write several smaller files",
            args.rows, args.cols
        )));
    }
    if !args.alpha.is_finite() {
        return Err(Failure::Usage(format!("--alpha must be a finite number, got {}", args.alpha)));
    }
    let m = match args.kind {
        Kind::Fourier => synth::fourier_code(args.alpha, args.rows, args.cols, Some(args.seed)),
        Kind::Gaussian => synth::gaussian_code(args.alpha, args.rows, args.cols, args.seed),
    };
    std::fs::write(&args.out, m.to_npy_f32()).map_err(|e| Failure::Input(format!("{}: {e}", args.out)))
}
