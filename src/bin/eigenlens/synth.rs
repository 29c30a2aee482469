//! `eigenlens synth`: writes a synthetic code of known α as an f32 `.npy`.

use crate::args::{Args, Failure};
use eigenlens::synth;

pub fn cmd_synth(args: &[String]) -> Result<(), Failure> {
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
