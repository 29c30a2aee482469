//! Figures read off an eigenspectrum: total variance, numerical rank, participation ratio,
//! effective rank and k₉₀ (METHODS.md, "Eigenspectrum" and "Dimensionality").

use serde::Serialize;

/// Summary numbers of a descending eigenspectrum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpectrumSummary {
    /// Σλ = trace C.
    pub total_variance: f64,
    /// #{n : λ_n > λ₁ · max(N, D) · ε₆₄}.
    pub numerical_rank: usize,
    /// (Σλ)² / Σλ².
    pub participation_ratio: f64,
    /// Roy & Vetterli: exp(−Σ p log p), p_n = √λ_n / Σ√λ over λ_n > 0.
    pub effective_rank: f64,
    /// Fewest components whose cumulative variance fraction reaches 90 %.
    pub k90: usize,
}

impl SpectrumSummary {
    /// `values` must be descending; `n_rows` is N.
    pub fn new(values: &[f64], n_rows: u64) -> Self {
        let d = values.len();
        let total: f64 = values.iter().sum();
        let lambda1 = values.first().copied().unwrap_or(0.0);
        let tol = lambda1 * (n_rows.max(d as u64) as f64) * f64::EPSILON;
        let numerical_rank = values.iter().filter(|&&v| v > tol).count();
        let sum_sq: f64 = values.iter().map(|v| v * v).sum();
        let participation_ratio = total * total / sum_sq;
        let roots: Vec<f64> = values.iter().filter(|&&v| v > 0.0).map(|v| v.sqrt()).collect();
        let root_sum: f64 = roots.iter().sum();
        let entropy: f64 = roots.iter().map(|r| r / root_sum).map(|p| -p * p.ln()).sum();
        SpectrumSummary {
            total_variance: total,
            numerical_rank,
            participation_ratio,
            effective_rank: entropy.exp(),
            k90: k_for_fraction(values, 0.9),
        }
    }
}

/// Fewest leading components whose cumulative fraction of Σλ reaches `fraction`
/// (NumPy: `searchsorted(cumsum(λ)/Σλ, fraction) + 1`).
pub fn k_for_fraction(values: &[f64], fraction: f64) -> usize {
    let total: f64 = values.iter().sum();
    let mut cum = 0.0;
    for (i, v) in values.iter().enumerate() {
        cum += v;
        if cum / total >= fraction {
            return i + 1;
        }
    }
    values.len()
}

/// `x` with `digits` significant digits, for messages: 0.03125 → "0.031", 2.109 → "2.1",
/// 540 → "540" (never "0.0" for a small positive ratio).
pub fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Cumulative variance fractions, for the cumulative plot.
pub fn cumulative_fractions(values: &[f64]) -> Vec<f64> {
    let total: f64 = values.iter().sum();
    let mut cum = 0.0;
    values
        .iter()
        .map(|v| {
            cum += v;
            cum / total
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_spectrum_has_full_dimensionality() {
        let s = SpectrumSummary::new(&[1.0; 10], 100);
        assert!((s.participation_ratio - 10.0).abs() < 1e-12);
        assert!((s.effective_rank - 10.0).abs() < 1e-12);
        assert_eq!((s.numerical_rank, s.k90), (10, 9));
    }

    #[test]
    fn significant_digits_never_round_a_ratio_to_zero() {
        assert_eq!(significant(2.0 / 64.0, 2), "0.031");
        assert_eq!(significant(540.0 / 256.0, 2), "2.1");
        assert_eq!(significant(4000.0 / 3.0, 2), "1333");
        assert_eq!(significant(0.0, 2), "0");
    }
}
