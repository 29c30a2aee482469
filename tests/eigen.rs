//! The symmetric eigensolver (`stats::eigen`) against nalgebra and against the definitions:
//! eigenvalues within 1e-10·|λ|max of nalgebra's, ‖C v − λ v‖ ≤ 1e-9·|λ|max, VᵀV = I within
//! 1e-10, on random symmetric and PSD matrices (small, medium, and large enough for several
//! blocked panels), and on the awkward cases: identity, ties, zero, rank 1, 1 × 1, NaN.

use eigenlens::rng::Rng;
use eigenlens::stats::eigen::{eigen_desc, eigenvalues_desc};
use nalgebra::DMatrix;

fn random_symmetric(d: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut c = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let v = rng.uniform() * 2.0 - 1.0;
            c[i * d + j] = v;
            c[j * d + i] = v;
        }
    }
    c
}

/// XᵀX/(n−1) of an n × d uniform matrix with a few columns scaled, so the spectrum is graded.
fn random_covariance(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let x: Vec<f64> = (0..n * d).map(|k| (rng.uniform() - 0.5) * (1.0 + (k % d) as f64).powf(-0.7)).collect();
    let mut c = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..n).map(|r| x[r * d + i] * x[r * d + j]).sum::<f64>() / (n - 1) as f64;
            c[i * d + j] = s;
            c[j * d + i] = s;
        }
    }
    c
}

fn nalgebra_values(c: &[f64], d: usize) -> Vec<f64> {
    let mut v: Vec<f64> = DMatrix::from_row_slice(d, d, c).symmetric_eigenvalues().iter().copied().collect();
    v.sort_by(|a, b| b.total_cmp(a));
    v
}

fn scale_of(values: &[f64]) -> f64 {
    values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE)
}

/// Values descending, agreeing with nalgebra; eigen_desc's values agreeing too; vectors
/// satisfying C v = λ v and orthonormal.
fn check(c: &[f64], d: usize, what: &str) {
    let got = eigenvalues_desc(c, d);
    let want = nalgebra_values(c, d);
    assert_eq!(got.len(), d, "{what}");
    let scale = scale_of(&want);
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-10 * scale, "{what}: λ_{k} = {g} vs nalgebra {w}");
    }
    assert!(got.windows(2).all(|p| p[0] >= p[1]), "{what}: not descending");

    let (values, vectors) = eigen_desc(c, d);
    assert_eq!((vectors.nrows(), vectors.ncols()), (d, d), "{what}");
    assert!(values.windows(2).all(|p| p[0] >= p[1]), "{what}: vectors' values not descending");
    for (k, (g, w)) in values.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-10 * scale, "{what}: (vectors) λ_{k} = {g} vs nalgebra {w}");
    }
    let m = DMatrix::from_row_slice(d, d, c);
    let residual = &m * &vectors - &vectors * DMatrix::from_diagonal(&nalgebra::DVector::from_vec(values.clone()));
    let worst = residual.column_iter().map(|col| col.norm()).fold(0.0f64, f64::max);
    assert!(worst <= 1e-9 * scale, "{what}: ‖Cv − λv‖ = {worst:e}, λmax {scale:e}");
    let gram = vectors.transpose() * &vectors;
    let off = (gram - DMatrix::<f64>::identity(d, d)).abs().max();
    assert!(off <= 1e-10, "{what}: VᵀV − I = {off:e}");
}

#[test]
fn random_symmetric_matrices_match_nalgebra() {
    for (d, seed) in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (33, 6), (50, 7), (65, 8), (300, 9)] {
        check(&random_symmetric(d, seed), d, &format!("random symmetric D = {d}"));
    }
}

#[test]
fn large_random_symmetric_runs_the_blocked_path() {
    check(&random_symmetric(611, 11), 611, "random symmetric D = 611");
}

#[test]
fn covariances_match_nalgebra() {
    for (n, d, seed) in [(40, 3, 1), (200, 50, 2), (100, 300, 3), (900, 640, 4)] {
        check(&random_covariance(n, d, seed), d, &format!("covariance N = {n}, D = {d}"));
    }
}

#[test]
fn identity_ties_zero_rank_one_and_one_by_one() {
    let d = 70;
    let mut identity = vec![0.0; d * d];
    for i in 0..d {
        identity[i * d + i] = 1.0;
    }
    check(&identity, d, "identity");
    assert!(eigenvalues_desc(&identity, d).iter().all(|v| *v == 1.0));

    let mut ties = vec![0.0; d * d];
    for i in 0..d {
        ties[i * d + i] = [3.0, 1.0, 1.0, 2.0, 3.0][i % 5];
    }
    check(&ties, d, "diagonal with ties");

    let zero = vec![0.0; d * d];
    check(&zero, d, "zero");
    assert!(eigenvalues_desc(&zero, d).iter().all(|v| *v == 0.0));
    let (_, v) = eigen_desc(&zero, d);
    assert!((v.transpose() * &v - DMatrix::<f64>::identity(d, d)).abs().max() < 1e-14);

    let mut rng = Rng::new(5);
    let u: Vec<f64> = (0..d).map(|_| rng.uniform() - 0.5).collect();
    let rank1: Vec<f64> = (0..d * d).map(|k| u[k / d] * u[k % d]).collect();
    check(&rank1, d, "rank 1");
    let values = eigenvalues_desc(&rank1, d);
    let norm2: f64 = u.iter().map(|x| x * x).sum();
    assert!((values[0] - norm2).abs() <= 1e-13 * norm2);
    assert!(values[1..].iter().all(|v| v.abs() <= 1e-14 * norm2));

    check(&[4.5], 1, "1 × 1");
    assert_eq!(eigenvalues_desc(&[4.5], 1), vec![4.5]);
    let (w, v) = eigen_desc(&[-2.0], 1);
    assert_eq!((w, v[(0, 0)]), (vec![-2.0], 1.0));
    assert!(eigenvalues_desc(&[], 0).is_empty());
    assert_eq!(eigen_desc(&[], 0).1.len(), 0);
}

#[test]
fn scaled_far_from_one_still_matches() {
    let d = 40;
    for factor in [1e-150, 1e150] {
        let c: Vec<f64> = random_symmetric(d, 3).iter().map(|v| v * factor).collect();
        check(&c, d, &format!("scaled by {factor:e}"));
    }
}

#[test]
fn nan_or_short_input_gives_nan_without_hanging() {
    for d in [1, 5, 100] {
        let mut c = random_symmetric(d, 1);
        c[d * d / 2] = f64::NAN;
        assert!(eigenvalues_desc(&c, d).iter().all(|v| v.is_nan()));
        let (w, v) = eigen_desc(&c, d);
        assert!(w.iter().all(|x| x.is_nan()) && v.iter().all(|x| x.is_nan()));
        c[0] = f64::INFINITY;
        assert!(eigenvalues_desc(&c, d).iter().all(|v| v.is_nan()));
    }
    assert!(eigenvalues_desc(&[1.0, 2.0, 3.0], 2).iter().all(|v| v.is_nan()));
}
