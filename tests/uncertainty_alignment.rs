//! The bootstrap interval of α covers the truth on synthetic codes of known α, and axis
//! alignment tells a neuron-aligned code from a randomly rotated one.

use eigenlens::alignment::axis_alignment;
use eigenlens::bootstrap::{bootstrap_alpha, BootstrapSettings};
use eigenlens::read::SliceRows;
use eigenlens::stats::{Estimator, FitRequest};
use eigenlens::synth::gaussian_code;

/// METHODS: the Gaussian code (Σ's eigenvalues n^-α in a random basis), D = 50, N = 20·D, the
/// default fit (n = 11…25), B = 50, code seeds 0…19 (bootstrap seed 100 + seed): the reported
/// 95 % interval (α̂ ± 1.96·se) must cover the true α in at least 18 of 20 (90 %). Measured
/// (docs/coverage.md, `tests/bootstrap.rs` `coverage_table`): 19 of 20 for α = 1 and for α = 2;
/// over 100 seeds 93 and 94 of 100. The percentile interval covered only 85 and 86 of 100: the
/// resamples are shifted from α̂ by about as much as α̂ is from α, so their quantiles double the
/// finite-N bias.
#[test]
fn bootstrap_interval_covers_true_alpha_in_18_of_20_seeds_at_n_20d() {
    let (d, ratio) = (50, 20);
    for alpha in [1.0, 2.0] {
        let mut covered = 0;
        for seed in 0..20 {
            let x = gaussian_code(alpha, ratio * d, d, seed);
            let settings = BootstrapSettings { b: 50, seed: 100 + seed, ..Default::default() };
            let r = bootstrap_alpha(&x, &settings, &mut |_| true).unwrap();
            assert_eq!((r.alphas.len(), r.n_invalid), (50, 0));
            assert!(r.warnings.iter().all(|w| !w.starts_with("N/D")), "N/D = 20 is not warned about: {:?}", r.warnings);
            let i = r.alpha_interval.unwrap();
            assert!(i.hi - i.lo < 0.3, "[{}, {}]", i.lo, i.hi);
            covered += usize::from(i.lo <= alpha && alpha <= i.hi);
        }
        assert!(covered >= 18, "covered α = {alpha} in {covered} of 20 seeds");
    }
}

#[test]
fn bootstrap_is_seeded_and_refuses_bad_settings() {
    let x = gaussian_code(1.5, 600, 40, 3);
    let fit = FitRequest { estimator: Estimator::Ols, lo: 2, hi: 15 };
    let s = BootstrapSettings { b: 8, seed: 5, fit, level: 0.9, ..Default::default() };
    let a = bootstrap_alpha(&x, &s, &mut |_| true).unwrap();
    assert_eq!(a, bootstrap_alpha(&x, &s, &mut |_| true).unwrap());
    assert_ne!(
        a.alphas,
        bootstrap_alpha(&x, &BootstrapSettings { seed: 6, ..s.clone() }, &mut |_| true).unwrap().alphas
    );
    let e = bootstrap_alpha(&x, &BootstrapSettings { b: 0, ..s.clone() }, &mut |_| true).unwrap_err();
    assert_eq!(e.to_string(), "invalid setting: B = 0: choose between 1 and 10 000 resamples");
    let e = bootstrap_alpha(&x, &s, &mut |done| done < 3).unwrap_err();
    assert_eq!(e.to_string(), eigenlens::Error::Cancelled.to_string());
}

/// Independent units with distinct variances: every principal axis is one unit. Column j is
/// Walsh function j + 1 scaled by 1/(j + 1): mean zero and exactly orthogonal across columns,
/// so the covariance is exactly diagonal.
#[test]
fn a_neuron_aligned_code_has_one_unit_per_axis() {
    let (n, d) = (1024, 30);
    let mut data = vec![0.0; n * d];
    for i in 0..n {
        for j in 0..d {
            let sign = if (i & (j + 1)).count_ones() % 2 == 0 { 1.0 } else { -1.0 };
            data[i * d + j] = sign / (j as f64 + 1.0);
        }
    }
    let r = axis_alignment(&mut SliceRows::new(&data, d), 10, &mut |_, _| true).unwrap();
    for (k, u) in r.units_per_axis.iter().enumerate() {
        assert!((u - 1.0).abs() < 1e-9, "axis {k}: {u} units");
    }
    // Variances 1/(j + 1)² are far apart: every top axis is separated, so every one is reported.
    assert!(r.axes.iter().all(|a| a.reported), "{:?}", r.axes);
    assert!((r.random_units_per_axis - 32.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_randomly_rotated_code_is_spread_like_random_directions() {
    let d = 200;
    let x = gaussian_code(1.0, 4000, d, 7);
    let r = axis_alignment(&mut SliceRows::new(&x.data, d), 20, &mut |_, _| true).unwrap();
    let mean = r.units_per_axis.iter().sum::<f64>() / 20.0;
    let random = (d as f64 + 2.0) / 3.0;
    assert!((mean / random - 1.0).abs() < 0.15, "mean units per axis {mean} vs random {random}");
    // The eigenvalues 1/n are separated at the top (North's gap 1/((2n + 1)·√(2/N)) = 14.9 … 4.9
    // for n = 1 … 4), so the random spread of those axes over the units is a reported fact.
    assert!(r.axes[..4].iter().all(|a| a.reported), "{:?}", &r.axes[..4]);
    // Gaussian units are positive half the time.
    assert!(r.active_fraction.iter().all(|f| (f - 0.5).abs() < 0.05));
}

#[test]
fn active_fraction_counts_positive_values() {
    let data = [1.0, 0.0, -1.0, 2.0, 0.5, 0.0, 3.0, -2.0, 0.0, 4.0, 1.0, 0.0];
    let r = axis_alignment(&mut SliceRows::new(&data, 3), 3, &mut |_, _| true).unwrap();
    assert_eq!(r.active_fraction, vec![1.0, 0.5, 0.0]);
}
