//! The symmetric eigensolver (`linalg::eigen`) against nalgebra and against the definitions:
//! eigenvalues within 1e-10·|λ|max of nalgebra's, ‖C v − λ v‖ ≤ 1e-9·|λ|max, VᵀV = I within
//! 1e-10, on random symmetric and PSD matrices (small, medium, and large enough for several
//! blocked panels), and on the awkward cases: identity, ties, zero, rank 1, 1 × 1; NaN, short
//! input and an overflowing covariance are typed errors. (Measured when the solver moved to
//! `linalg`, equal before and after: at D = 611, max |Δλ| vs nalgebra 1.8e-14·|λ|max,
//! ‖Cv − λv‖ 8.0e-15·|λ|max, |VᵀV − I| 6.7e-15; against NumPy on every reference matrix,
//! max |Δλ| 1.9e-15·λ₁.)

mod common;

use eigenlens::error::{DataError, Error, NumericalError};
use eigenlens::linalg::eigen::{eigen_desc, eigenvalues_desc};
use eigenlens::linalg::Mat;
use eigenlens::rng::Rng;
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

/// The same matrix in nalgebra's type (both column-major), to check against its products.
fn to_nalgebra(m: &Mat) -> DMatrix<f64> {
    DMatrix::from_column_slice(m.rows(), m.cols(), m.as_slice())
}

fn scale_of(values: &[f64]) -> f64 {
    values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE)
}

/// Values descending, agreeing with nalgebra; eigen_desc's values agreeing too; vectors
/// satisfying C v = λ v and orthonormal.
fn check(c: &[f64], d: usize, what: &str) {
    let got = eigenvalues_desc(c, d).unwrap();
    let want = nalgebra_values(c, d);
    assert_eq!(got.len(), d, "{what}");
    let scale = scale_of(&want);
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-10 * scale, "{what}: λ_{k} = {g} vs nalgebra {w}");
    }
    assert!(got.windows(2).all(|p| p[0] >= p[1]), "{what}: not descending");

    let (values, vectors) = eigen_desc(c, d).unwrap();
    assert_eq!((vectors.rows(), vectors.cols()), (d, d), "{what}");
    let vectors = to_nalgebra(&vectors);
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
    assert!(eigenvalues_desc(&identity, d).unwrap().iter().all(|v| *v == 1.0));

    let mut ties = vec![0.0; d * d];
    for i in 0..d {
        ties[i * d + i] = [3.0, 1.0, 1.0, 2.0, 3.0][i % 5];
    }
    check(&ties, d, "diagonal with ties");

    let zero = vec![0.0; d * d];
    check(&zero, d, "zero");
    assert!(eigenvalues_desc(&zero, d).unwrap().iter().all(|v| *v == 0.0));
    let v = to_nalgebra(&eigen_desc(&zero, d).unwrap().1);
    assert!((v.transpose() * &v - DMatrix::<f64>::identity(d, d)).abs().max() < 1e-14);

    let mut rng = Rng::new(5);
    let u: Vec<f64> = (0..d).map(|_| rng.uniform() - 0.5).collect();
    let rank1: Vec<f64> = (0..d * d).map(|k| u[k / d] * u[k % d]).collect();
    check(&rank1, d, "rank 1");
    let values = eigenvalues_desc(&rank1, d).unwrap();
    let norm2: f64 = u.iter().map(|x| x * x).sum();
    assert!((values[0] - norm2).abs() <= 1e-13 * norm2);
    assert!(values[1..].iter().all(|v| v.abs() <= 1e-14 * norm2));

    check(&[4.5], 1, "1 × 1");
    assert_eq!(eigenvalues_desc(&[4.5], 1).unwrap(), vec![4.5]);
    let (w, v) = eigen_desc(&[-2.0], 1).unwrap();
    assert_eq!((w, v[(0, 0)]), (vec![-2.0], 1.0));
    assert!(eigenvalues_desc(&[], 0).unwrap().is_empty());
    assert_eq!(eigen_desc(&[], 0).unwrap().1.as_slice().len(), 0);
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
fn nan_or_short_input_is_a_typed_error_without_hanging() {
    for d in [1, 5, 100] {
        let mut c = random_symmetric(d, 1);
        let k = d * d / 2;
        c[k] = f64::NAN;
        let want = NumericalError::NonFiniteMatrix { row: k / d, col: k % d, value: f64::NAN };
        // NaN ≠ NaN, so the errors are compared by their messages.
        assert_eq!(eigenvalues_desc(&c, d).unwrap_err().to_string(), Error::from(want.clone()).to_string());
        assert_eq!(eigen_desc(&c, d).unwrap_err().to_string(), Error::from(want).to_string());
        c[0] = f64::INFINITY;
        let want = NumericalError::NonFiniteMatrix { row: 0, col: 0, value: f64::INFINITY };
        assert_eq!(eigenvalues_desc(&c, d).unwrap_err(), want.into());
    }
    assert_eq!(
        eigenvalues_desc(&[1.0, 2.0, 3.0], 2).unwrap_err(),
        NumericalError::NotSquare { values: 3, d: 2 }.into()
    );
}

/// A little-endian f64 .npy of `rows × cols`, C order, written here byte by byte (NumPy's
/// format 1.0: magic, version, header length, the dict padded with spaces to a multiple of 64).
fn npy_f64(rows: usize, cols: usize, values: &[f64]) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn an_overflowing_covariance_is_a_typed_error_naming_the_column() {
    // Column 2 holds values near 1e200, finite in f64 but squaring past its largest value: the
    // scatter was ±Inf and the eigenvalues came out null (exit 0) before this was checked.
    let x = [0.5, 1.0, 1e200, -0.5, 2.0, -2e200, 1.5, 0.0, 3e200, 2.5, 1.0, -1e200];
    let e = common::analyze_bytes("huge.npy", npy_f64(4, 3, &x)).unwrap_err();
    assert!(
        matches!(e, Error::Data(DataError::CovarianceOverflow { col: 2, max_abs, .. }) if max_abs == 3e200),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.starts_with("the covariance overflows double precision: column 2 (0-based) has variance inf"),
        "{text}"
    );
    assert!(text.contains("divide the data by 1e200"), "{text}");
    // Divided by 1e200, as the message advises, the same file is analysed.
    let scaled: Vec<f64> = x.iter().map(|v| v / 1e200).collect();
    let report = common::analyze_bytes("scaled.npy", npy_f64(4, 3, &scaled)).unwrap();
    assert!(report.eigenvalues.iter().all(|v| v.is_finite()) && report.eigenvalues[0] > 0.0);
}
