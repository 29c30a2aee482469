//! The top-k path (issue 16) against full solvers: NumPy's eigenvalues of the real reference
//! matrices (`tests/data/reference/eigenvalues`), and eigenlens's own dense path on synthetic
//! power-law codes (`synth::monosemantic_code`), which tests/reference.rs holds to NumPy at
//! 1e-8·λ₁. Also: residuals reported and small, bounds that hold the full path's PR, effective
//! rank and k90, and k out of range refused.

mod common;

use common::{npy_values, npy_vector, reference};
use eigenlens::analysis::{self, Options, Report};
use eigenlens::linalg::topk::{self, Settings, Solution};
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
/// (N/D = 4), eigenvalues 1e-7 apart. Measured with the thick restart (s_max = 840): 12 passes,
/// 33 s against 5.3 s for the dense path (before it: 11 passes, the basis reached D, 134 s
/// against 7.6 s). Ignored in the default run for its time.
#[test]
#[ignore]
fn synthetic_bulk_d2048_top_200() {
    synthetic_case(&code(8192, 2048), 8192, 2048, 200, 1e-8);
}

/// The case: D = 4096, the top 500 within 1e-6 relative, α over 11…500 within 1e-4.
/// Ignored in the default run: measured 307 s in all on a loaded shared 2-core machine (top-k
/// 263 s in 11 passes with the thick restart, basis ≤ 2040; the dense path 40 s), max relative
/// residual 5.6e-7, α 0.98962807168 both ways. Before the restart: 419 s (top-k 395 s in 9
/// passes, the basis at s = 4080, dense 22 s on a quieter machine).
#[test]
#[ignore]
fn synthetic_d4096_top_500() {
    synthetic_case(&fourier(8192, 4096), 8192, 4096, 500, 1e-6);
}

/// The solver itself on rows in memory (one reader), for the fields the report does not carry.
fn solve(x: &[f64], d: usize, k: usize, settings: Settings) -> Solution {
    topk::solve(d, k, settings, &mut |input, share| share.add_rows(input, x, x.len() / d)).unwrap()
}

/// Gaussian rows whose column j is scaled by (j + 1)^−0.75 (variances (j + 1)^−1.5), seeded.
fn scaled_gaussian(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = eigenlens::rng::Rng::new(seed);
    let mut x = vec![0.0; n * d];
    rng.fill_normal(&mut x);
    for (i, v) in x.iter_mut().enumerate() {
        *v *= (1.0 + (i % d) as f64).powf(-0.75);
    }
    x
}

/// Top k against the dense path's eigenvalues: within `tol` relative above the numerical-rank
/// threshold λ₁·max(N, D)·ε, and below it (the eigenvalues beyond rank C, 0 in exact
/// arithmetic) both at most that threshold in size.
fn check_against_dense(name: &str, got: &[f64], want: &[f64], n: usize, d: usize, tol: f64) {
    let floor = want[0] * (n.max(d) as f64) * f64::EPSILON;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if *w > floor {
            assert!((g - w).abs() <= tol * w, "{name}: λ_{} = {g} vs dense {w}", i + 1);
        } else {
            assert!(g.abs() <= floor && w.abs() <= floor, "{name}: λ_{} = {g} vs dense {w} (beyond rank)", i + 1);
        }
    }
}

/// D ≫ N (issue 16, defect (a)): 100 rows of 2000 units have rank C ≤ 99, so the Krylov space
/// is exhausted after a few passes. The top k (k = 10, 50, 99 = N − 1 and 150 > N − 1) within
/// 1e-8 relative of the dense solver; the values beyond rank are round-off (≤ λ₁·D·ε) on both
/// sides; the solver stops because the space became invariant (basis s = rank + b < D), and
/// says converged. Before the fix the wasm path (tridiagonal QL) failed on the projected matrix.
#[test]
fn wide_rows_fewer_than_units_match_the_dense_solver() {
    let (n, d) = (100, 2000);
    let x = scaled_gaussian(n, d, 1);
    let want = full(&x, d, &FitRequest::default()).eigenvalues;
    for k in [10, 50, 99, 150] {
        let sol = solve(&x, d, k, Settings::default());
        assert!(sol.converged && sol.invariant, "k = {k}: {sol:?}");
        assert!(sol.basis <= 99 + sol.block, "k = {k}: basis {} should stop at rank + b", sol.basis);
        check_against_dense(&format!("100 × 2000, k = {k}"), &sol.values, &want, n, d, 1e-8);
        eprintln!("100 × 2000, k = {k}: {} passes, basis {}, λ_k = {:e}", sol.passes, sol.basis, sol.values[k - 1]);
    }
}

/// A rank-deficient X: 250 Gaussian power-law columns, then copies of the first 100 and 50
/// constant columns (D = 400, rank C ≤ 250). Top 50 and top 260 (past the rank) against the
/// dense solver; the constant columns are counted.
#[test]
fn duplicate_and_constant_columns_match_the_dense_solver() {
    let (n, d0) = (300, 250);
    let base = scaled_gaussian(n, d0, 2);
    let d = d0 + 100 + 50;
    let mut x = Vec::with_capacity(n * d);
    for row in base.chunks_exact(d0) {
        x.extend_from_slice(row);
        x.extend_from_slice(&row[..100]);
        x.extend(std::iter::repeat_n(3.0, 50));
    }
    let want = full(&x, d, &FitRequest::default()).eigenvalues;
    for k in [50, 260] {
        let sol = solve(&x, d, k, Settings::default());
        assert!(sol.converged, "k = {k}: {sol:?}");
        assert_eq!(sol.n_constant_columns, 50);
        check_against_dense(&format!("duplicates, k = {k}"), &sol.values, &want, n, d, 1e-8);
        eprintln!("duplicates k = {k}: {} passes, basis {}, invariant {}", sol.passes, sol.basis, sol.invariant);
    }
}

/// Every column constant: C = 0, so the first product block deflates to nothing; the solver
/// stops after one product pass with k zeros, converged (the dense path's values are 0 too).
#[test]
fn constant_columns_only_give_zeros_at_once() {
    let (n, d, k) = (40, 30, 5);
    let x: Vec<f64> = (0..n * d).map(|i| (i % d) as f64).collect();
    let sol = solve(&x, d, k, Settings::default());
    assert!(sol.converged && sol.invariant, "{sol:?}");
    assert_eq!((sol.passes, sol.n_constant_columns, sol.trace), (2, d, 0.0));
    assert_eq!(sol.values, vec![0.0; k]);
}

/// The thick restart (defect (b)) keeps its answer: the Fourier code (α = 1) at D = 1024, top 60,
/// with the basis capped at s_max = 4b = 280 (so it restarts) against the dense solver at 1e-8,
/// and against the unrestarted run (s_max = D).
#[test]
fn restarted_basis_matches_the_dense_solver() {
    let (n, d, k) = (2048, 1024, 60);
    let x = fourier(n, d);
    let want = full(&x, d, &FitRequest::default()).eigenvalues;
    let restarted = solve(&x, d, k, Settings { max_basis: 280, max_passes: 60, ..Settings::default() });
    let grown = solve(&x, d, k, Settings { max_basis: d, ..Settings::default() });
    for (name, sol) in [("restarted", &restarted), ("grown", &grown)] {
        assert!(sol.converged, "{name}: {sol:?}");
        assert!(sol.basis <= if name == "restarted" { 280 } else { d });
        check_against_dense(name, &sol.values, &want, n, d, 1e-8);
        eprintln!("{name}: {} passes, {} restarts, basis {}", sol.passes, sol.restarts, sol.basis);
    }
    assert!(restarted.restarts > 0);
}

/// Time and passes at D = 4096, N = 8192 (the Fourier code, α = 1) for k = 100 and 500: the
/// thick-restarted basis (default s_max = max(4b, 512)) against the basis grown to D
/// (s_max = D, the solver before the restart), each held to the dense solver at 1e-6. Set
/// TOPK_TIMING_K (e.g. 100) to run one k. Ignored for its time: the numbers go in METHODS.md.
#[test]
#[ignore]
fn restart_timing_d4096() {
    let (n, d) = (8192, 4096);
    let x = fourier(n, d);
    let want = full(&x, d, &FitRequest::default()).eigenvalues;
    let ks: Vec<usize> = match std::env::var("TOPK_TIMING_K") {
        Ok(v) => v.split(',').filter_map(|k| k.trim().parse().ok()).collect(),
        Err(_) => vec![100, 500],
    };
    let modes: Vec<String> = match std::env::var("TOPK_TIMING_MODES") {
        Ok(v) => v.split(',').map(str::to_string).collect(),
        Err(_) => vec!["restarted".into(), "grown".into()],
    };
    for k in ks {
        for mode in &modes {
            let settings =
                if mode == "grown" { Settings { max_basis: d, ..Settings::default() } } else { Settings::default() };
            let t0 = std::time::Instant::now();
            let sol = solve(&x, d, k, settings);
            let t = t0.elapsed();
            assert!(sol.converged, "{mode} k = {k}: {:?}", sol.residuals.iter().fold(0.0f64, |a, b| a.max(*b)));
            check_against_dense(mode, &sol.values, &want, n, d, 1e-6);
            eprintln!(
                "D = {d}, N = {n}, k = {k}, {mode}: {t:?}, {} passes, {} restarts, basis {}",
                sol.passes, sol.restarts, sol.basis
            );
        }
    }
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
