//! The top-k path (issue 16) against full solvers: NumPy's eigenvalues of the real reference
//! matrices (`tests/data/reference/eigenvalues`), and eigenlens's own dense path on synthetic
//! power-law codes (`synth::monosemantic_code`), which tests/reference.rs holds to NumPy at
//! 1e-8·λ₁. Also: residuals reported and small, bounds that hold the full path's PR, effective
//! rank and k90, and k out of range refused.

mod common;

use common::{npy_values, npy_vector, reference};
use eigenlens::analysis::{self, Options, Report};
use eigenlens::linalg::topk::Settings;
use eigenlens::read::memory::SliceRows;
use eigenlens::read::RowBlocks;
use eigenlens::stats::FitRequest;

fn top_k(x: &[f64], d: usize, k: usize, fit: &FitRequest) -> eigenlens::Result<Report> {
    let mut open = || -> eigenlens::Result<Box<dyn RowBlocks + '_>> { Ok(Box::new(SliceRows::new(x, d))) };
    analysis::analyze_top_k(&mut open, k, Settings::default(), fit, &mut |_| true)
}

fn full(x: &[f64], d: usize, fit: &FitRequest) -> Report {
    let options = Options { fit: *fit, ..Options::default() };
    analysis::analyze(&mut SliceRows::new(x, d), &options, &mut |_, _| true).unwrap()
}

/// Bounds hold the full spectrum's numbers, with 1e-9 relative slack for round-off.
fn check_bounds(name: &str, got: &Report, want: &Report) {
    let b = &got.top_k.as_ref().unwrap().bounds;
    let slack = |x: f64| 1e-9 * x.abs();
    let pr = want.participation_ratio;
    assert!(
        b.participation_ratio.low - slack(pr) <= pr && pr <= b.participation_ratio.high + slack(pr),
        "{name} PR {pr} ∉ {:?}",
        b.participation_ratio
    );
    let er = want.effective_rank;
    assert!(
        b.effective_rank.low - slack(er) <= er && er <= b.effective_rank.high + slack(er),
        "{name} eff. rank {er} ∉ {:?}",
        b.effective_rank
    );
    assert!(b.k90.contains(want.k90), "{name} k90 {} ∉ {:?}", want.k90, b.k90);
}

/// NumPy's eigenvalues (reference.json) of the widest real matrices: the top 100 within 1e-8
/// relative of each λ_i, residuals below 1e-10·λ_i, the trace exact.
#[test]
fn real_matrices_top_100_match_numpy() {
    let r = reference();
    for name in ["minilm/blk5_out_tokens.f32", "digits_mlp/plain_h1_test", "digits_mlp/dropout_h2_test"] {
        let m = &r["matrices"][name];
        let (shape, x) = npy_values(m["path"].as_str().unwrap());
        let d = shape[1] as usize;
        let want = npy_vector(m["eigenvalues_npy"].as_str().unwrap());
        let got = top_k(&x, d, 100, &FitRequest::default()).unwrap();
        let t = got.top_k.as_ref().unwrap();
        assert!(t.converged, "{name}: {t:?}");
        for (i, (g, w)) in got.eigenvalues.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-8 * w, "{name}: λ_{} = {g} vs NumPy {w}", i + 1);
            // The stopping rule: error estimate ≤ 1e-10·λ and residual ≤ 1e-5·λ.
            assert!(
                t.error_estimates[i] <= 1e-10 * g && t.residuals[i] <= 1e-5 * g,
                "{name}: residual {} at λ_{}",
                t.residuals[i],
                i + 1
            );
        }
        assert_eq!(got.eigenvalues.len(), 100);
        let trace = m["total_variance"].as_f64().unwrap();
        assert!((got.total_variance - trace).abs() <= 1e-10 * trace, "{name} trace");
        check_bounds(name, &got, &full(&x, d, &FitRequest::default()));
        eprintln!(
            "{name}: D = {d}, {} passes, max residual {:.2e} ({:.2e} relative)",
            t.passes, t.max_residual, t.max_relative_residual
        );
    }
}

/// A sparse power-law code (variances j^−1) of N rows.
fn code(n: usize, d: usize) -> Vec<f64> {
    eigenlens::synth::monosemantic_code(n, d, 0.3, 1.0, 7).data
}

/// Stringer's Fourier code with α = 1 (spectrum n^−1 in cos/sin pairs, exact for N ≥ D).
fn fourier(n: usize, d: usize) -> Vec<f64> {
    eigenlens::synth::fourier_code(1.0, n, d, None).data
}

fn synthetic_case(x: &[f64], n: usize, d: usize, k: usize, tol: f64) {
    let fit = FitRequest { lo: 11, hi: k, ..FitRequest::default() };
    let t0 = std::time::Instant::now();
    let want = full(x, d, &fit);
    let t_full = t0.elapsed();
    let t0 = std::time::Instant::now();
    let got = top_k(x, d, k, &fit).unwrap();
    let t_top = t0.elapsed();
    let t = got.top_k.as_ref().unwrap();
    assert!(t.converged, "{t:?}");
    for (i, (g, w)) in got.eigenvalues.iter().zip(&want.eigenvalues).enumerate() {
        assert!((g - w).abs() <= tol * w, "D = {d}: λ_{} = {g} vs full {w}", i + 1);
    }
    let (a, b) = (got.alpha_fit.alpha.unwrap(), want.alpha_fit.alpha.unwrap());
    assert_eq!((got.alpha_fit.rank_lo, got.alpha_fit.rank_hi), (11, k));
    assert!((a - b).abs() <= 1e-4, "α over 11…{k}: {a} vs full {b}");
    check_bounds("synthetic", &got, &want);
    eprintln!(
        "D = {d}, N = {n}, k = {k}: full {t_full:?}, top-k {t_top:?}, {} passes, max relative residual {:.1e}, α {a} vs {b}",
        t.passes, t.max_relative_residual
    );
}

/// D = 2048: the top 200 within 1e-8 relative of the full solver, α over 11…200 within 1e-4.
#[test]
fn synthetic_d2048_top_200() {
    synthetic_case(&fourier(4096, 2048), 4096, 2048, 200, 1e-8);
}

/// A hard case: a sparse code whose sample spectrum is the Marchenko–Pastur bulk from n ≈ 100
/// (N/D = 4), eigenvalues 1e-7 apart. Measured: 11 passes, the basis reaches D (exact), 134 s
/// against 7.6 s for the dense path. Ignored in the default run for its time.
#[test]
#[ignore]
fn synthetic_bulk_d2048_top_200() {
    synthetic_case(&code(8192, 2048), 8192, 2048, 200, 1e-8);
}

/// The case: D = 4096, the top 500 within 1e-6 relative, α over 11…500 within 1e-4.
/// Ignored in the default run: measured 419 s (top-k 395 s in 9 passes, the basis at s = 4080 of
/// D = 4096 so the dense Rayleigh–Ritz dominates; the dense path 22 s), max relative residual
/// 9.6e-8, α 0.98962807168 both ways, on the shared 2-core machine.
#[test]
#[ignore]
fn synthetic_d4096_top_500() {
    synthetic_case(&fourier(8192, 4096), 8192, 4096, 500, 1e-6);
}

#[test]
fn k_out_of_range_is_refused_with_a_clear_error() {
    let x = code(50, 20);
    for k in [0, 21] {
        let e = top_k(&x, 20, k, &FitRequest::default()).unwrap_err().to_string();
        assert!(e.contains("k must be at least 1 and at most min(D, 2048) = 20"), "{e}");
    }
}

/// The report keeps its shape: new keys snake_case under `top_k`, bounds as {low, high}.
#[test]
fn report_json_has_the_top_k_keys() {
    let x = code(400, 64);
    let got = top_k(&x, 64, 10, &FitRequest::default()).unwrap();
    let json = serde_json::to_value(&got).unwrap();
    let t = &json["top_k"];
    for key in ["top_k", "passes", "residuals", "trace", "max_residual", "converged", "tail_variance"] {
        assert!(!t[key].is_null(), "top_k.{key} missing");
    }
    assert!(
        t["bounds"]["participation_ratio"]["low"].as_f64().unwrap()
            <= t["bounds"]["participation_ratio"]["high"].as_f64().unwrap()
    );
    assert_eq!(json["eigenvalues"].as_array().unwrap().len(), 10);
    assert!(got.warnings.iter().any(|w| w.contains("Top-k spectrum")));
}
