//! What a trained toy model is read by (METHODS.md, "Toy model of superposition"): how many
//! hidden dimensions each feature gets, the geometry WᵀW, the spectrum of the hidden code,
//! and the coding-theory prediction it is drawn against.
//!
//! All functions take W feature-major (`wf[i·m + k]` = W[k, i]: column Wᵢ contiguous).

/// ‖Wᵢ‖ for each feature i.
pub fn feature_norms(wf: &[f64], n: usize, m: usize) -> Vec<f64> {
    (0..n).map(|i| dot(&wf[i * m..i * m + m], &wf[i * m..i * m + m]).sqrt()).collect()
}

/// The Gram matrix WᵀW (n × n row-major): entry (i, j) = Wᵢ · Wⱼ.
pub fn gram(wf: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mut g = vec![0.0; n * n];
    super::model::fill_gram(wf, n, m, &mut g);
    g
}

/// Each feature's dimensionality Dᵢ = ‖Wᵢ‖⁴ / Σⱼ (Wᵢ · Wⱼ)², read off the Gram matrix.
/// This is Elhage et al.'s ‖Wᵢ‖² / Σⱼ (Ŵᵢ · Wⱼ)² with the unit vector expanded; a feature
/// that is not represented (‖Wᵢ‖ = 0) gets 0.
pub fn feature_dimensionality(gram: &[f64], n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let row = &gram[i * n..i * n + n];
            let norm2 = row[i];
            let denom: f64 = row.iter().map(|v| v * v).sum();
            if norm2 > 0.0 && denom > 0.0 {
                norm2 * norm2 / denom
            } else {
                0.0
            }
        })
        .collect()
}

/// Dimensions per feature m / ‖W‖_F². A W that is exactly 0 would give +∞, which JSON cannot
/// hold; it is reported as m / f64::MIN_POSITIVE (≈ m · 4.5e307) instead.
pub fn dims_per_feature(wf: &[f64], m: usize) -> f64 {
    let frob2 = dot(wf, wf);
    m as f64 / frob2.max(f64::MIN_POSITIVE)
}

/// Binary entropy h_b(p) = −p log₂ p − (1 − p) log₂(1 − p) in bits, with 0 log 0 = 0.
pub fn binary_entropy_bits(p: f64) -> f64 {
    let term = |q: f64| if q > 0.0 { -q * q.log2() } else { 0.0 };
    term(p) + term(1.0 - p)
}

/// The coding-theory prediction of dimensions per feature (Marshall & Kirchner, supplementary
/// Lemma 2): a feature that is zero with probability `s` and carries `h_e` bits when it is not
/// needs (1 − S) + h_b(S)/H_e dimensions.
///
/// It is a lower bound, for lossless coding, and H_e is free: the entropy of a nonzero value
/// is not defined for U[0, 1) values stored in floating point, so `h_e` (8 bits by default) is
/// a choice, and the curve moves with it. A trained model is not a lossless code and may sit
/// above the curve; and the toy model cannot go below m/n dimensions per feature (all n
/// features stored), so where the curve falls below m/n it cannot be reached at all. Reading
/// the model's points against it says how far the model is from that bound, nothing more.
pub fn predicted_dims_per_feature(s: f64, h_e: f64) -> f64 {
    (1.0 - s) + binary_entropy_bits(s) / h_e
}

/// Participation ratio (Σλ)² / Σλ²; 0 for an all-zero spectrum.
pub fn participation_ratio(values: &[f64]) -> f64 {
    let total: f64 = values.iter().sum();
    let sum_sq: f64 = values.iter().map(|v| v * v).sum();
    if sum_sq > 0.0 {
        total * total / sum_sq
    } else {
        0.0
    }
}

/// α of a short descending spectrum: minus the ordinary-least-squares slope of log λₙ on log n
/// over every numerically positive value, n = 1 … r (λₙ > λ₁ · max(N, D) · ε₆₄, the numerical
/// rank of `SpectrumSummary`). The library's fit (`stats::fit_alpha`, n = 11 … 500 by default,
/// capped at ⌊D/2⌋) would leave the toy's few hidden units almost no points, so all r values
/// are used; and no α is given for r < [`super::MIN_ALPHA_EIGENVALUES`] (20): the toy's default
/// m = 5 has 5 eigenvalues, and a slope through 5 points does not tell a power law from any
/// other decay. The error is the reason, in words.
pub fn alpha_ols(values: &[f64], n_rows: u64) -> Result<f64, String> {
    let min = super::MIN_ALPHA_EIGENVALUES;
    let Some(&lambda1) = values.first() else {
        return Err("no eigenvalues".into());
    };
    let tol = lambda1 * (n_rows.max(values.len() as u64) as f64) * f64::EPSILON;
    let points: Vec<(f64, f64)> = values
        .iter()
        .take_while(|&&v| v > tol && v > 0.0)
        .enumerate()
        .map(|(i, v)| (((i + 1) as f64).ln(), v.ln()))
        .collect();
    if values.len() < min {
        return Err(format!(
            "m = {} hidden units give {} eigenvalues; α is not fitted over fewer than {min}",
            values.len(),
            values.len()
        ));
    }
    if points.len() < min {
        return Err(format!(
            "only {} of the {} eigenvalues are above numerical zero; α is not fitted over fewer than {min}",
            points.len(),
            values.len()
        ));
    }
    let k = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / k;
    let my = points.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Ok(-sxy / sxx)
}

/// For each of [`super::STICKY_FRACTIONS`] in order, the stored features (‖Wᵢ‖ ≥
/// [`super::STORED_NORM`]) whose dimensionality Dᵢ is within [`super::FRACTION_TOLERANCE`] of it.
/// A count says where features sit; it does not say which geometry (a tetrahedron, …) they
/// form, which needs the Gram matrix.
pub fn features_at_fractions(norms: &[f64], dims: &[f64]) -> Vec<super::FractionCount> {
    super::STICKY_FRACTIONS
        .iter()
        .map(|&(num, den, shape)| {
            let value = f64::from(num) / f64::from(den);
            let count = norms
                .iter()
                .zip(dims)
                .filter(|&(&norm, &d)| norm >= super::STORED_NORM && (d - value).abs() <= super::FRACTION_TOLERANCE)
                .count();
            let label = if den == 1 { num.to_string() } else { format!("{num}/{den}") };
            super::FractionCount { label, value, shape: shape.to_string(), count }
        })
        .collect()
}

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
