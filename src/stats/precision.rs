//! Storage precision: the eigenvalue floor that rounding to a narrow number type puts under a
//! spectrum (METHODS.md, "Power-law exponent α", storage precision).
//!
//! A value stored as f16, bf16 or an integer is the true value rounded to the nearest value the
//! type can hold. Where a unit's values spread over many representable steps, the rounding error
//! e_ij of value x_ij is uniform on ±ulp(x_ij)/2, of variance ulp(x_ij)²/12, and independent
//! between values. ulp(x) is the spacing of the stored type at the stored value:
//!
//! - bf16 (8 significant bits): ulp(x) = 2^(max(e, −126) − 7), e = ⌊log₂|x|⌋;
//! - f16 (11 significant bits): ulp(x) = 2^(max(e, −14) − 10);
//! - integers: ulp = 1;
//! - an exact 0 is taken as exact (a ReLU's zeros are not rounded): it adds nothing.
//!
//! Unit j's rounding-noise variance is σ_j² = min(mean_i ulp(x_ij)²/12, C_jj), measured from
//! the stored data in the same streaming pass as the moments; the cap at the unit's own variance
//! C_jj keeps a unit that hardly varies (a constant integer column) from claiming noise that its
//! values do not show.
//!
//! **The floor.** Independent noise E adds, in expectation, diag(σ²) to the covariance:
//! cov(X + E) = C + diag(σ²) + (XᵀE + EᵀX)/(N − 1) + (EᵀE/(N − 1) − diag(σ²)), the last two of
//! mean 0. Along a unit direction u it adds uᵀdiag(σ²)u = Σ_j u_j²σ_j², which for a principal
//! axis spread over the units (u_j² ≈ 1/D) is the mean σ̄² = Σ_j σ_j² / D. Wherever the code's
//! own λ_n falls below σ̄², the sample spectrum is the noise's own: a Marchenko–Pastur bulk
//! around σ̄² (its mean is exactly σ̄² when all σ_j² are equal), spread over
//! σ̄²(1 − √(D/N))² … σ̄²(1 + √(D/N))² by the finite N. The floor reported is σ̄², with that
//! band. On a correlation matrix (standardised units) each unit's noise is divided by its
//! variance: σ̄² = mean_j σ_j²/C_jj over the non-constant units.
//!
//! Checked by simulation (NumPy, ml_dtypes; Gaussian code λ_n = n^−4, D = 400, mean 0.5, stored
//! as bf16): the floor computed from the stored values is 8.08e−7, the variance of the actual
//! rounding errors 7.95e−7, and the median of λ_51 … λ_400 of the stored data 7.6e−7 at
//! N = 4000 (7.2e−7 at N = 2000, where the band is wider); the fit over n = 11 … 200 gives
//! α = 1.33 instead of 4.01. `tests/spectrum_science.rs` repeats this in Rust.
//!
//! What it does not say: whether the integers or halves were the data's own resolution (spike
//! counts, 8-bit pixels) rather than a rounding of something finer: then the "noise" is the
//! data's quantisation, and the floor still marks where the spectrum cannot resolve more.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How a stored type rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rounding {
    /// Floating point with `bits` explicit significand bits and smallest normal exponent `emin`.
    Float { bits: i32, emin: i32 },
    /// Integers: a step of 1 everywhere.
    Integer,
}

/// The rounding-noise variance of each unit, accumulated over blocks of rows of the stored
/// values (one worker's share, merged like the moments).
#[derive(Debug, Clone, PartialEq)]
pub struct RoundingNoise {
    dtype: String,
    rounding: Rounding,
    /// Rows seen.
    n: u64,
    /// Σ_i ulp(x_ij)² per unit (not used for integers, whose ulp is 1).
    sum_ulp2: Vec<f64>,
}

/// The eigenvalue floor of the rounding noise (key `precision_floor` of the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionFloor {
    /// The stored type that rounds: "f16", "bf16", "i8", "u8", ….
    pub dtype: String,
    /// σ̄², the mean over units of the rounding-noise variance: the level under which the
    /// spectrum is rounding noise.
    pub value: f64,
    /// Where the eigenvalues of rounding noise alone lie at this N and D (Marchenko–Pastur):
    /// [σ̄²(1 − √(D/N))², σ̄²(1 + √(D/N))²], for a band on the spectrum plot.
    pub band: [f64; 2],
    /// The largest unit's σ_j² (the floor is uneven when units differ in magnitude).
    pub unit_max: f64,
}

impl RoundingNoise {
    /// An accumulator for `d` units stored as `dtype` (an [`crate::read::ArrayInfo`] dtype
    /// name), or `None` for types whose rounding is negligible or not a rounding: f32, f64,
    /// bool and text.
    pub fn for_dtype(dtype: &str, d: usize) -> Option<RoundingNoise> {
        let rounding = match dtype {
            "bf16" => Rounding::Float { bits: 7, emin: -126 },
            "f16" => Rounding::Float { bits: 10, emin: -14 },
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => Rounding::Integer,
            _ => return None,
        };
        let sum_ulp2 = match rounding {
            Rounding::Float { .. } => vec![0.0; d],
            Rounding::Integer => Vec::new(),
        };
        Some(RoundingNoise { dtype: dtype.to_string(), rounding, n: 0, sum_ulp2 })
    }

    pub fn dtype(&self) -> &str {
        &self.dtype
    }

    /// Adds `n` rows (row-major, as decoded from the stored type, before centring).
    pub fn add_block(&mut self, block: &[f64], n: usize) {
        self.n += n as u64;
        let Rounding::Float { bits, emin } = self.rounding else {
            return;
        };
        let d = self.sum_ulp2.len();
        if d == 0 {
            return;
        }
        for row in block[..n * d].chunks_exact(d) {
            for (s, &x) in self.sum_ulp2.iter_mut().zip(row) {
                *s += ulp_squared(x, bits, emin);
            }
        }
    }

    /// Adds another share of rows of the same matrix.
    pub fn merge(&mut self, other: &RoundingNoise) -> Result<()> {
        if other.dtype != self.dtype || other.sum_ulp2.len() != self.sum_ulp2.len() {
            return Err(Error::Setting(format!(
                "cannot merge rounding noise of {} ({} units) into {} ({} units)",
                other.dtype,
                other.sum_ulp2.len(),
                self.dtype,
                self.sum_ulp2.len()
            )));
        }
        self.n += other.n;
        for (a, b) in self.sum_ulp2.iter_mut().zip(&other.sum_ulp2) {
            *a += b;
        }
        Ok(())
    }

    /// `[n, Σ ulp² per unit …]`, for a worker to hand its share to another.
    pub fn to_flat(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(1 + self.sum_ulp2.len());
        out.push(self.n as f64);
        out.extend_from_slice(&self.sum_ulp2);
        out
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote for `d` units stored as `dtype`.
    pub fn from_flat(dtype: &str, d: usize, flat: &[f64]) -> Result<RoundingNoise> {
        let bad = || Error::Setting(format!("malformed rounding-noise share ({} values for D = {d})", flat.len()));
        let mut r = RoundingNoise::for_dtype(dtype, d).ok_or_else(bad)?;
        let (&n, sums) = flat.split_first().ok_or_else(bad)?;
        if n < 0.0 || n.fract() != 0.0 || sums.len() != r.sum_ulp2.len() {
            return Err(bad());
        }
        r.n = n as u64;
        r.sum_ulp2.copy_from_slice(sums);
        Ok(r)
    }

    /// σ_j² before the cap: mean ulp²/12 per unit (1/12 for integers). Empty before any row.
    pub fn unit_variances(&self, d: usize) -> Vec<f64> {
        if self.n == 0 {
            return Vec::new();
        }
        match self.rounding {
            Rounding::Integer => vec![1.0 / 12.0; d],
            Rounding::Float { .. } => self.sum_ulp2.iter().map(|s| s / self.n as f64 / 12.0).collect(),
        }
    }

    /// The floor under the spectrum of a covariance with diagonal `unit_var` (C_jj) from
    /// `n_rows` rows; `standardized` when the spectrum is of the correlation matrix.
    pub fn floor(&self, unit_var: &[f64], n_rows: u64, standardized: bool) -> Option<PrecisionFloor> {
        let d = unit_var.len();
        let raw = self.unit_variances(d);
        if raw.len() != d || d == 0 {
            return None;
        }
        let capped: Vec<f64> = raw
            .iter()
            .zip(unit_var)
            .filter(|(_, c)| !standardized || **c > 0.0)
            .map(|(s, c)| {
                let s = s.min(c.max(0.0));
                if standardized {
                    s / c
                } else {
                    s
                }
            })
            .collect();
        if capped.is_empty() {
            return None;
        }
        let value = capped.iter().sum::<f64>() / capped.len() as f64;
        let unit_max = capped.iter().copied().fold(0.0, f64::max);
        let root = (d as f64 / n_rows.max(1) as f64).sqrt();
        Some(PrecisionFloor {
            dtype: self.dtype.clone(),
            value,
            band: [value * (1.0 - root).powi(2), value * (1.0 + root).powi(2)],
            unit_max,
        })
    }
}

/// ulp(x)² of a float type with `bits` explicit significand bits and smallest normal exponent
/// `emin`; 0 for x = 0. Every f16/bf16 value is a normal f64, so its exponent is in its bits.
fn ulp_squared(x: f64, bits: i32, emin: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let e = ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let k = 2 * (e.max(emin) - bits);
    // 2^k as an f64 (k ≥ −266 here, well inside the normal range).
    f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_is_the_spacing_of_the_stored_type() {
        // bf16 at 0.5…1: 2^-8; at 0.25…0.5: 2^-9; f16 at 1…2: 2^-10; f16 subnormals: 2^-24.
        assert_eq!(ulp_squared(0.75, 7, -126), 2f64.powi(-16));
        assert_eq!(ulp_squared(-0.3, 7, -126), 2f64.powi(-18));
        assert_eq!(ulp_squared(1.5, 10, -14), 2f64.powi(-20));
        assert_eq!(ulp_squared(1e-6, 10, -14), 2f64.powi(-48));
        assert_eq!(ulp_squared(0.0, 7, -126), 0.0);
        // The spacing really is the step between neighbouring values of the type.
        let x = half::bf16::from_f64(0.75);
        let next = half::bf16::from_bits(x.to_bits() + 1);
        assert_eq!((next.to_f64() - x.to_f64()).powi(2), ulp_squared(x.to_f64(), 7, -126));
    }

    #[test]
    fn floor_is_the_mean_unit_noise_and_merges_like_the_moments() {
        let mut a = RoundingNoise::for_dtype("bf16", 2).unwrap();
        let mut b = a.clone();
        a.add_block(&[0.75, 0.3, 0.6, 0.0], 2);
        b.add_block(&[0.9, 0.4], 1);
        a.merge(&b).unwrap();
        let back = RoundingNoise::from_flat("bf16", 2, &a.to_flat()).unwrap();
        assert_eq!(back, a);
        // Unit 0: three values in [0.5, 1): 2^-16 each. Unit 1: 2^-18, 0 and 2^-18.
        let want = [2f64.powi(-16) / 12.0, 2.0 * 2f64.powi(-18) / 3.0 / 12.0];
        assert_eq!(a.unit_variances(2), want);
        let floor = a.floor(&[1.0, 1.0], 3, false).unwrap();
        assert_eq!(floor.value, (want[0] + want[1]) / 2.0);
        assert_eq!(floor.unit_max, want[0]);
        // A unit that varies less than its rounding noise is capped at its own variance.
        let capped = a.floor(&[1e-9, 1.0], 3, false).unwrap();
        assert_eq!(capped.value, (1e-9 + want[1]) / 2.0);
        assert!(RoundingNoise::for_dtype("f32", 2).is_none());
        assert!(RoundingNoise::for_dtype("text", 2).is_none());
        let int = RoundingNoise::for_dtype("u8", 3).unwrap();
        assert_eq!(int.unit_variances(3), Vec::<f64>::new(), "no rows yet");
        assert!(RoundingNoise::from_flat("bf16", 2, &[1.0]).is_err());
    }
}
