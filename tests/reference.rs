//! The core against NumPy on every reference matrix (`tests/data/reference.json`), at the
//! tolerances of METHODS.md: eigenvalues within 1e-8·λ₁, α within 1e-6, PR and effective
//! rank within 1e-9 relative, rank and constant columns exact.

mod common;

use common::{analyze_file, npy_vector, reference};
use eigenlens::analysis::Options;
use eigenlens::stats::{Estimator, FitRequest};

fn close_rel(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(f64::MIN_POSITIVE)
}

/// Effective rank is not in reference.json: recompute it from the reference eigenvalues,
/// by METHODS.md's definition, so that only our eigenvalues are under test.
fn effective_rank(values: &[f64]) -> f64 {
    let roots: Vec<f64> = values.iter().filter(|v| **v > 0.0).map(|v| v.sqrt()).collect();
    let s: f64 = roots.iter().sum();
    (-roots.iter().map(|r| r / s).map(|p| p * p.ln()).sum::<f64>()).exp()
}

#[test]
fn every_reference_matrix_matches_numpy() {
    let r = reference();
    let matrices = r["matrices"].as_object().unwrap();
    let mut checked = 0;
    for (name, m) in matrices {
        let path = m["path"].as_str().unwrap();
        for estimator in [Estimator::Stringer, Estimator::Ols] {
            let options = Options { fit: FitRequest { estimator, ..FitRequest::default() }, ..Options::default() };
            let got = analyze_file(path, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
            let want_values = npy_vector(m["eigenvalues_npy"].as_str().unwrap());
            assert_eq!(got.eigenvalues.len(), want_values.len(), "{name}");
            let lambda1 = want_values[0];
            for (n, (g, w)) in got.eigenvalues.iter().zip(&want_values).enumerate() {
                assert!((g - w).abs() <= 1e-8 * lambda1, "{name}: λ_{} = {g} vs NumPy {w}", n + 1);
            }
            assert_eq!(got.n_rows, m["n_rows"].as_u64().unwrap(), "{name}");
            assert_eq!(got.n_cols as u64, m["n_cols"].as_u64().unwrap(), "{name}");
            assert_eq!(got.numerical_rank as u64, m["numerical_rank"].as_u64().unwrap(), "{name}");
            assert_eq!(got.n_constant_columns as u64, m["n_constant_columns"].as_u64().unwrap(), "{name}");
            assert!(close_rel(got.participation_ratio, m["participation_ratio"].as_f64().unwrap(), 1e-9), "{name} PR");
            assert!(close_rel(got.total_variance, m["total_variance"].as_f64().unwrap(), 1e-9), "{name} trace");
            // Effective rank takes √λ of every λ > 0, so a round-off eigenvalue below the rank
            // threshold (|λ| ~ 1e-15·λ₁, its sign decided by round-off) moves it by ~1e-9
            // relative. Where either solver has such a positive crumb, 1e-7 is what the
            // eigenvalue tolerance supports; everywhere else, 1e-9.
            let rank = got.numerical_rank;
            let crumbs = got.eigenvalues[rank..].iter().chain(&want_values[rank..]).any(|v| *v > 0.0);
            let tol = if crumbs { 1e-7 } else { 1e-9 };
            let want_er = effective_rank(&want_values);
            assert!(
                close_rel(got.effective_rank, want_er, tol),
                "{name} eff. rank {} vs {want_er}",
                got.effective_rank
            );

            let key = if estimator == Estimator::Stringer { "alpha_fit_stringer" } else { "alpha_fit_ols" };
            let want = &m[key];
            let fit = &got.alpha_fit;
            assert_eq!(fit.valid, want["valid"].as_bool().unwrap(), "{name} {key}");
            assert_eq!(fit.rank_lo as u64, want["rank_lo"].as_u64().unwrap());
            assert_eq!(fit.rank_hi as u64, want["rank_hi"].as_u64().unwrap());
            if fit.valid {
                let alpha = fit.alpha.unwrap();
                let want_alpha = want["alpha"].as_f64().unwrap();
                assert!((alpha - want_alpha).abs() <= 1e-6, "{name} {key}: α {alpha} vs {want_alpha}");
                assert!((fit.intercept.unwrap() - want["intercept"].as_f64().unwrap()).abs() <= 1e-6);
                assert_eq!(fit.n_points as u64, want["n_points"].as_u64().unwrap());
                if let Some(r2) = want["r2"].as_f64() {
                    assert!((fit.r2.unwrap() - r2).abs() <= 1e-6, "{name} R²");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * 17, "every reference matrix (16 .npy, 1 CSV), both estimators");
}

#[test]
fn fortran_ordered_file_reads_like_its_c_twin() {
    let got = analyze_file("formats/digits_plain_h1_all1797.fortran.npy", &Options::default()).unwrap();
    let r = reference();
    let want =
        r["matrices"]["formats/digits_plain_h1_all1797.fortran"]["alpha_fit_stringer"]["alpha"].as_f64().unwrap();
    assert!((got.alpha_fit.alpha.unwrap() - want).abs() < 1e-6);
}

/// On the shared matrices the default range capped at ⌊D/2⌋ is always valid (reference.json
/// says so), so an invalid fit is shown on a real case the user can make: the first 100 rows
/// of a layer with D = 256 cannot support n_hi = 128 > N − 1.
#[test]
fn too_few_rows_for_the_range_is_flagged_invalid_with_its_reason() {
    use eigenlens::read::{self, source::FileSource};
    let path = common::data("sweep/digit_rotation_plain_h1.f32.npy");
    let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), "h1.npy", None, Some(0..100)).unwrap();
    let got = eigenlens::analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true).unwrap();
    assert_eq!(got.n_rows, 100);
    assert!(!got.alpha_fit.valid);
    assert_eq!(got.alpha_fit.alpha, None);
    assert_eq!(got.alpha_fit.reason.as_deref(), Some("n_hi = 128 exceeds N − 1 = 99: too few rows for this range"));
}

#[test]
fn fourier_code_alpha_is_recovered() {
    for alpha in [2.0, 3.0, 4.0] {
        let m = eigenlens::synth::fourier_code(alpha, 4096, 1000, None);
        let mut rows = eigenlens::read::SliceRows::new(&m.data, m.cols);
        let got = eigenlens::analysis::analyze(&mut rows, &Options::default(), &mut |_, _| true).unwrap();
        let fit = &got.alpha_fit;
        assert_eq!((fit.rank_lo, fit.rank_hi), (11, 500));
        let a = fit.alpha.unwrap();
        assert!((a - alpha).abs() <= 0.05, "Fourier code α = {alpha}: fitted {a}");
    }
}

/// The `alpha-req` preset is reptrix's `get_alpha` (arnab39/reptrix, reptrix/alpha.py): ranks
/// 11…100 (0-based `np.arange(10, 100)`), weights 1/n. Expected values from reptrix's own
/// arithmetic on the reference eigenvalues (NumPy; its weights are float32, which moves α by
/// under 1e-8):
/// ```python
/// logss = np.log(np.abs(ss)); y = logss[trange][:, None]; trange = trange + 1
/// x = np.concatenate((-np.log(trange)[:, None], np.ones((trange.size, 1))), axis=1)
/// w = 1.0 / trange.astype(np.float32)[:, None]
/// alpha = np.linalg.solve(x.T @ (x * w), (w * x).T @ y).flatten()[0]   # trange = np.arange(10, 100)
/// ```
#[test]
fn alpha_req_preset_is_reptrix_get_alpha() {
    use eigenlens::stats::RangePreset;
    let (lo, hi) = RangePreset::AlphaReq.bounds();
    let fit = FitRequest { estimator: Estimator::Stringer, lo, hi };
    let r = reference();
    for (name, want) in [
        ("digits_mlp/plain_h1_test", 2.3473298418163626),
        ("digits_mlp/plain_h2_test", 2.1211437421637322),
        ("digits_mlp/dropout_h1_test", 1.8298783431134151),
        ("digits_mlp/dropout_h2_test_mcdrop_rep1", 1.7157450485184298),
        ("formats/digits_plain_h1_all1797.fortran", 2.3106520788150875),
        ("sweep/digit_rotation_plain_h1", 4.931297153538369),
        ("sweep/digit_rotation_plain_h2", 4.549681487498748),
        ("minilm/blk5_out_tokens.f32", 0.6550228040076617),
    ] {
        let m = &r["matrices"][name];
        let got = analyze_file(m["path"].as_str().unwrap(), &Options { fit, ..Options::default() }).unwrap();
        assert_eq!((got.alpha_fit.rank_lo, got.alpha_fit.rank_hi, got.alpha_fit.n_points), (11, 100, 90), "{name}");
        let alpha = got.alpha_fit.alpha.unwrap();
        assert!((alpha - want).abs() <= 1e-6, "{name}: α {alpha} vs reptrix {want}");
        // Stored as f32: no precision floor.
        assert_eq!(got.precision_floor, None, "{name}");
    }
}
