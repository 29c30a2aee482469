//! The bootstrap of α in pieces (coverage on the Gaussian code is in
//! `tests/uncertainty_alignment.rs`): a resample held as multinomial counts has the spectrum of
//! its rows written out, the basic interval is the reflection of the percentile one, and fits
//! that the data cannot support are counted, not reported as numbers.

use eigenlens::bootstrap::{bootstrap_alpha, weighted_spectrum, BootstrapSettings};
use eigenlens::linalg::eigen::eigenvalues_desc;
use eigenlens::matrix::Matrix;
use eigenlens::rng::Rng;
use eigenlens::stats::{Estimator, FitRequest, Moments};
use eigenlens::synth::gaussian_code;

#[test]
fn counts_give_the_spectrum_of_the_resampled_rows() {
    let x = gaussian_code(1.2, 700, 30, 2);
    let mut rng = Rng::new(8);
    let mut counts = vec![0u32; x.rows];
    let mut rows = Vec::new();
    for _ in 0..x.rows {
        let i = rng.below(x.rows);
        counts[i] += 1;
        rows.extend_from_slice(x.row(i));
    }
    let mut m = Moments::new(x.cols);
    m.add_block(&mut rows, x.rows);
    let want = eigenvalues_desc(&m.covariance().unwrap(), x.cols).unwrap();
    let got = weighted_spectrum(&x, &counts, &mut Vec::new()).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-12 * want[0], "{g} vs {w}");
    }
    // Counts of one each: the plain spectrum. Fewer than 2 rows drawn: an error.
    let mut m = Moments::new(x.cols);
    m.add_block(&mut x.data.clone(), x.rows);
    let plain = eigenvalues_desc(&m.covariance().unwrap(), x.cols).unwrap();
    let ones = weighted_spectrum(&x, &vec![1; x.rows], &mut Vec::new()).unwrap();
    assert!(ones.iter().zip(&plain).all(|(g, w)| (g - w).abs() <= 1e-12 * plain[0]));
    let mut one = vec![0; x.rows];
    one[3] = 1;
    assert!(weighted_spectrum(&x, &one, &mut Vec::new()).unwrap_err().to_string().contains("N = 1 row"));
}

#[test]
fn basic_interval_reflects_the_percentile_one_about_alpha_hat() {
    let x = gaussian_code(1.5, 2000, 60, 4);
    let fit = FitRequest { estimator: Estimator::Stringer, lo: 3, hi: 15 };
    let r = bootstrap_alpha(&x, &BootstrapSettings { b: 40, seed: 2, fit, level: 0.9 }, &mut |_| true).unwrap();
    let (a, lo, hi) = (r.alpha.unwrap(), r.lo.unwrap(), r.hi.unwrap());
    assert_eq!(r.alphas.len() + r.n_invalid, 40);
    assert!((r.basic_lo.unwrap() - (2.0 * a - hi)).abs() < 1e-15);
    assert!((r.basic_hi.unwrap() - (2.0 * a - lo)).abs() < 1e-15);
    assert!(lo < a && a < hi, "α̂ {a} in [{lo}, {hi}]");
    assert!((a - 1.5).abs() < 0.1, "α̂ = {a}");
    let json = serde_json::to_value(&r).unwrap();
    for key in ["alphas", "n_invalid", "lo", "median", "hi", "basic_lo", "basic_hi", "seed", "alpha"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn invalid_fits_are_counted_and_too_few_rows_refused() {
    // Rank 3 in 20 units: a fit up to n = 8 reaches into round-off, in every resample.
    let (n, d) = (200, 20);
    let mut data = vec![0.0; n * d];
    let mut rng = Rng::new(1);
    for row in data.chunks_exact_mut(d) {
        rng.fill_normal(&mut row[..3]);
    }
    let x = Matrix { rows: n, cols: d, data };
    let fit = FitRequest { estimator: Estimator::Ols, lo: 2, hi: 8 };
    let r = bootstrap_alpha(&x, &BootstrapSettings { b: 5, seed: 1, fit, level: 0.95 }, &mut |_| true).unwrap();
    assert_eq!((r.alphas.len(), r.n_invalid), (0, 5));
    assert_eq!((r.alpha, r.lo, r.median, r.hi, r.basic_lo), (None, None, None, None, None));
    let one = Matrix { rows: 1, cols: 4, data: vec![1.0; 4] };
    let e = bootstrap_alpha(&one, &BootstrapSettings::default(), &mut |_| true).unwrap_err();
    assert!(e.to_string().starts_with("too few rows"), "{e}");
    let e = bootstrap_alpha(&x, &BootstrapSettings { level: 1.0, ..Default::default() }, &mut |_| true).unwrap_err();
    assert!(e.to_string().contains("level = 1"), "{e}");
}
