//! Layers compared on equal footing (METHODS.md, "Power-law exponent α", comparing layers).
//!
//! α depends on the range it is fitted over, and each file caps the range differently
//! (n_hi ≤ ⌊D/2⌋, N − 1 and the numerical rank; λ_n > 0 throughout). Fitting each layer over
//! its own capped range compares α over different ranks. [`compare`] instead fits every layer
//! over one common range: n_lo as requested, n_hi = the smallest of the requested n_hi and every
//! file's caps, so that the same ranks are fitted in every file, and reports N/D per file,
//! because finite N biases α upward by an amount that grows with D/N (METHODS.md, "Pitfalls").
//!
//! What it does not do: make N/D equal (subsample rows for that), or carry a bootstrap interval
//! over to the common range (an interval belongs to the range it was resampled on).

use super::powerlaw::{fit_alpha, AlphaFit, FitRequest};
use super::spectrum::significant;
use serde::{Deserialize, Serialize};

/// What [`compare`] needs of one file's analysis (a [`crate::analysis::Report`] holds it all).
#[derive(Debug, Clone, Copy)]
pub struct LayerSpectrum<'a> {
    pub name: &'a str,
    pub n_rows: u64,
    pub n_cols: usize,
    pub numerical_rank: usize,
    /// Descending eigenvalues.
    pub eigenvalues: &'a [f64],
}

/// One layer's α over the common range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerAlpha {
    pub name: String,
    pub n_rows: u64,
    pub n_cols: usize,
    /// N/D of this file.
    pub n_over_d: f64,
    pub alpha_fit: AlphaFit,
}

/// Every layer's α over one common range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The common range (1-based ranks), as fitted in every layer.
    pub rank_lo: usize,
    pub rank_hi: usize,
    /// Which file and which cap set n_hi, e.g. "layer2.npy: ⌊D/2⌋ = 128" (none when the
    /// requested n_hi is within every file's caps).
    pub limited_by: Option<String>,
    /// Why no common range exists, when none does (then every α is none).
    pub reason: Option<String>,
    pub layers: Vec<LayerAlpha>,
    pub warnings: Vec<String>,
}

/// The largest n_hi a file allows, and the name of the cap that sets it.
fn caps(layer: &LayerSpectrum) -> (usize, String) {
    let positive = layer.eigenvalues.iter().take_while(|v| **v > 0.0).count();
    let n_minus_1 = layer.n_rows.saturating_sub(1).min(usize::MAX as u64) as usize;
    [
        (layer.eigenvalues.len() / 2, format!("⌊D/2⌋ = {}", layer.eigenvalues.len() / 2)),
        (n_minus_1, format!("N − 1 = {n_minus_1}")),
        (layer.numerical_rank, format!("numerical rank r = {}", layer.numerical_rank)),
        (positive, format!("λ_{} is the last positive eigenvalue", positive)),
    ]
    .into_iter()
    .min_by_key(|(cap, _)| *cap)
    .unwrap_or((0, "no eigenvalues".into()))
}

/// Fits every layer over one common range (see the module docs).
pub fn compare(layers: &[LayerSpectrum], request: &FitRequest) -> Comparison {
    let lo = request.lo;
    let mut hi = request.hi;
    let mut limited_by = None;
    for layer in layers {
        let (cap, why) = caps(layer);
        if cap < hi {
            hi = cap;
            limited_by = Some(format!("{}: {why}", layer.name));
        }
    }
    let reason = if layers.is_empty() {
        Some("no layers to compare".to_string())
    } else if lo < 1 {
        Some("n_lo = 0: ranks are 1-based, so n_lo must be ≥ 1".to_string())
    } else if hi < lo + 1 {
        Some(format!(
            "no common range: n_hi is capped at {hi} ({}), below n_lo + 1 = {}; choose n_lo ≤ {}",
            limited_by.as_deref().unwrap_or("requested"),
            lo + 1,
            hi.saturating_sub(1)
        ))
    } else {
        None
    };
    let common = FitRequest { estimator: request.estimator, lo, hi };
    let out: Vec<LayerAlpha> = layers
        .iter()
        .map(|layer| {
            let mut alpha_fit = fit_alpha(layer.eigenvalues, layer.n_rows, layer.numerical_rank, &common);
            if let Some(r) = &reason {
                alpha_fit.valid = false;
                alpha_fit.alpha = None;
                alpha_fit.intercept = None;
                alpha_fit.r2 = None;
                alpha_fit.reason = Some(r.clone());
                alpha_fit.label = format!("none ({r})");
            }
            LayerAlpha {
                name: layer.name.to_string(),
                n_rows: layer.n_rows,
                n_cols: layer.n_cols,
                n_over_d: layer.n_rows as f64 / layer.n_cols.max(1) as f64,
                alpha_fit,
            }
        })
        .collect();
    let mut warnings = Vec::new();
    let ratios: Vec<f64> = out.iter().map(|l| l.n_over_d).collect();
    let (min, max) = ratios.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| (a.min(*r), b.max(*r)));
    if !out.is_empty() && min < 4.0 {
        warnings.push(format!(
            "N/D is below 4 in at least one file (smallest {}): finite N steepens the sample spectrum's tail and \
             biases α upward there, more where N/D is smaller",
            significant(min, 2)
        ));
    }
    if out.len() > 1 && max > 2.0 * min {
        warnings.push(format!(
            "N/D differs between the files ({} to {}): their finite-N biases differ, so part of a difference in α \
             can come from the shapes rather than the codes; subsample rows to equal N/D to rule it out",
            significant(min, 2),
            significant(max, 2)
        ));
    }
    Comparison { rank_lo: lo, rank_hi: hi, limited_by, reason, layers: out, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power(d: usize, alpha: f64) -> Vec<f64> {
        (1..=d).map(|n| (n as f64).powf(-alpha)).collect()
    }

    #[test]
    fn the_common_range_is_the_tightest_cap_and_every_layer_is_fitted_on_it() {
        let (a, b) = (power(1000, 1.0), power(256, 2.0));
        let layers = [
            LayerSpectrum { name: "wide", n_rows: 8000, n_cols: 1000, numerical_rank: 1000, eigenvalues: &a },
            LayerSpectrum { name: "narrow", n_rows: 540, n_cols: 256, numerical_rank: 251, eigenvalues: &b },
        ];
        let c = compare(&layers, &FitRequest::default());
        assert_eq!((c.rank_lo, c.rank_hi), (11, 128));
        assert_eq!(c.limited_by.as_deref(), Some("narrow: ⌊D/2⌋ = 128"));
        assert_eq!(c.layers[0].alpha_fit.label, "1.000 (stringer, n = 11…128)");
        assert_eq!(c.layers[1].alpha_fit.label, "2.000 (stringer, n = 11…128)");
        assert_eq!(c.layers[1].n_over_d, 540.0 / 256.0);
        assert!(c.warnings.iter().any(|w| w.contains("smallest 2.1")));
        assert!(c.warnings.iter().any(|w| w.contains("2.1 to 8.0")));
    }

    #[test]
    fn no_common_range_says_which_file_prevents_it() {
        let (a, b) = (power(1000, 1.0), power(16, 2.0));
        let layers = [
            LayerSpectrum { name: "a", n_rows: 4000, n_cols: 1000, numerical_rank: 1000, eigenvalues: &a },
            LayerSpectrum { name: "tiny", n_rows: 100, n_cols: 16, numerical_rank: 16, eigenvalues: &b },
        ];
        let c = compare(&layers, &FitRequest::default());
        let reason = c.reason.unwrap();
        assert!(reason.contains("tiny: ⌊D/2⌋ = 8") && reason.contains("choose n_lo ≤ 7"), "{reason}");
        assert!(c.layers.iter().all(|l| l.alpha_fit.alpha.is_none() && l.alpha_fit.label.starts_with("none (")));
    }
}
