//! Axis alignment in pieces (the whole path is in `tests/uncertainty_alignment.rs`): units per
//! axis from eigenvectors, eigenvalue gaps, activity counted per block and merged, the activity
//! histogram, the report from streamed moments equal to the one-call streaming analysis; and the
//! known answers of issue 11: a monosemantic code with equal variances has a privileged basis but
//! no reportable axes, the same code randomly rotated is not privileged, and a monosemantic code
//! with variances ∝ 1/n has one unit per (reported) axis.

use eigenlens::alignment::{
    align_matrix, alignment_report, axis_alignment, basis_privilege, eigenvalue_gaps, fraction_histogram,
    units_per_axis, ActivityCounter, AlignSettings, ACTIVITY_BINS,
};
use eigenlens::analysis::accumulate_with;
use eigenlens::linalg::Mat;
use eigenlens::matrix::Matrix;
use eigenlens::read::SliceRows;
use eigenlens::synth::{gaussian_code, monosemantic_code, randomly_rotated};

/// Walsh function `k` (k ≥ 1) at row i: ±1, mean zero over 2^m rows, orthogonal across k.
fn walsh(i: usize, k: usize) -> f64 {
    if (i & k).count_ones() % 2 == 0 {
        1.0
    } else {
        -1.0
    }
}

#[test]
fn units_per_axis_of_known_vectors() {
    assert_eq!(units_per_axis(&Mat::identity(5), 3), vec![1.0; 3]);
    // Columns of a 4 × 4 Hadamard matrix / 2: every entry ±1/2, so 1/IPR = 4 units.
    let h = Mat::from_fn(4, 4, |r, c| walsh(r, c) / 2.0);
    for u in units_per_axis(&h, 10) {
        assert!((u - 4.0).abs() < 1e-12, "{u}");
    }
}

/// Two units mixed at 45° share their two axes: each of those axes has exactly 2 units; the
/// other units stay 1 unit per axis.
#[test]
fn an_axis_shared_by_two_units_has_two_units_per_axis() {
    let (n, d) = (1024, 8);
    let mut x = vec![0.0; n * d];
    for i in 0..n {
        for j in 0..d {
            x[i * d + j] = walsh(i, j + 1) / (j as f64 + 1.0);
        }
        let (a, b) = (x[i * d], x[i * d + 1]);
        x[i * d] = (a + b) / 2f64.sqrt();
        x[i * d + 1] = (a - b) / 2f64.sqrt();
    }
    let r = axis_alignment(&mut SliceRows::new(&x, d), d, &mut |_, _| true).unwrap();
    let want = [2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    for (k, (u, w)) in r.units_per_axis.iter().zip(want).enumerate() {
        assert!((u - w).abs() < 1e-9, "axis {k}: {u} units, want {w}");
    }
}

#[test]
fn activity_counts_per_block_merge_and_refuse_other_widths() {
    // 4 rows × 3 units: x > 0 is active; 0 and negatives are not.
    let x = [1.0, 0.0, -1.0, 2.0, 0.5, 0.0, 3.0, -2.0, 1e-300, 4.0, 1.0, -0.0];
    let mut whole = ActivityCounter::new(3);
    whole.add_block(&x, 4);
    assert_eq!(whole.fractions(), vec![1.0, 0.5, 0.25]);
    let (mut first, mut second) = (ActivityCounter::new(3), ActivityCounter::new(3));
    first.add_block(&x[..3], 1);
    second.add_block(&x[3..], 3);
    first.merge(&second).unwrap();
    assert_eq!(first, whole);
    assert_eq!(first.rows(), 4);
    let e = first.merge(&ActivityCounter::new(2)).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in shape: 4 × 3 against 0 × 2");
    assert_eq!(ActivityCounter::new(2).fractions(), vec![0.0, 0.0]);
}

#[test]
fn fraction_histogram_bins_and_edges() {
    let h = fraction_histogram(&[0.0, 0.049, 0.05, 0.5, 0.999, 1.0, -0.1, 1.5, f64::NAN], 20);
    let mut want = vec![0u64; 20];
    (want[0], want[1], want[10], want[19]) = (2, 1, 1, 2);
    assert_eq!(h, want);
    assert!(fraction_histogram(&[0.5], 0).is_empty());
}

/// What analysis would do: feed the activity counter from the same pass that accumulates the
/// moments, then build the report. It equals the one-call streaming version.
#[test]
fn report_from_streamed_moments_equals_axis_alignment() {
    let d = 40;
    let mut x = gaussian_code(1.0, 3000, d, 5);
    x.data.iter_mut().for_each(|v| *v = v.max(0.0)); // a ReLU code
    let mut activity = ActivityCounter::new(d);
    let acc =
        accumulate_with(&mut SliceRows::new(&x.data, d), false, &mut |b, n| activity.add_block(b, n), &mut |_, _| true)
            .unwrap();
    let pieces = alignment_report(&acc.moments, &activity, 50).unwrap();
    let whole = axis_alignment(&mut SliceRows::new(&x.data, d), 50, &mut |_, _| true).unwrap();
    assert_eq!(pieces, whole);
    assert_eq!(whole.units_per_axis.len(), d, "top is capped at D");
    assert_eq!(whole.active_fraction_histogram.len(), ACTIVITY_BINS);
    assert_eq!(whole.active_fraction_histogram.iter().sum::<u64>(), d as u64);
    // ReLU of a zero-mean Gaussian: each unit active about half the time.
    assert!(whole.active_fraction.iter().all(|f| (f - 0.5).abs() < 0.05));
    let json = serde_json::to_value(&whole).unwrap();
    for key in ["units_per_axis", "random_units_per_axis", "active_fraction", "active_fraction_histogram"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn eigenvalue_gaps_follow_north_s_rule() {
    // N = 200: √(2/N) = 0.1. gap_n = min over neighbours |λ_n − λ_m| / ((λ_n + λ_m)·0.1):
    // 4 vs 2: 2/0.6 = 3.333…; 2 vs 1.9: 0.1/0.39 = 0.2564…; 1.9 vs 1: 0.9/0.29 = 3.1034…
    let g = eigenvalue_gaps(&[4.0, 2.0, 1.9, 1.0], 200);
    let want = [2.0 / 0.6, 0.1 / 0.39, 0.1 / 0.39, 0.9 / 0.29];
    for (k, (g, w)) in g.iter().zip(want).enumerate() {
        assert!((g.unwrap() - w).abs() < 1e-12, "axis {}: {g:?} vs {w}", k + 1);
    }
    assert_eq!(eigenvalue_gaps(&[3.0], 10), vec![None], "one axis has no neighbour");
    // Round-off negatives count as 0; two zero eigenvalues are not separated.
    assert_eq!(eigenvalue_gaps(&[1.0, 0.0, -1e-17], 200)[1..], [Some(0.0), Some(0.0)]);
}

/// The monosemantic sparse code of `synth::monosemantic_code`: unit j active with probability
/// p = 0.05, then j^(−a/2)·U[0, 1). Its moments are known: E x^k = p/(k + 1) for a = 0, so
/// (NumPy, float64):
///   E = [1] + [p/(k+1) for k in 1..4]; mu = E[1]; var = E[2] − mu²
///   m4 = E[4] − 4 mu E[3] + 6 mu² E[2] − 3 mu⁴; beta = m4/var²          → 34.2407 (excess 31.2407)
/// A Haar-random unit direction q of D independent such units has excess kurtosis
/// (β − 3)·Σ q_j⁴ (fourth cumulants add), and E Σ q_j⁴ = 3/(D + 2), so for D = 200 the rotations'
/// mean kurtosis is 3 + 31.2407·3/202 = 3.46397, and the ratio 34.2407/3.46397 = 9.8848.
/// The centred active fraction of a unit is P(x > μ) = p·(1 − μ) = 0.04875.
/// Checked by simulation (NumPy, N = 20000, D = 200, five scipy `ortho_group` rotations):
/// unit β̄ 34.248, rotations 3.452 … 3.469, ratio 9.89.
const P: f64 = 0.05;
const UNIT_BETA: f64 = 34.240_681_396_525_56;
const ROTATED_BETA: f64 = 3.463_970_515_789_983;

fn code(a: f64) -> Matrix {
    monosemantic_code(20_000, 200, P, a, 11)
}

#[test]
fn an_equal_variance_monosemantic_code_is_privileged_but_its_axes_are_not_reported() {
    let x = code(0.0);
    let r = align_matrix(&x, &AlignSettings { top: 20, k: 20, seed: 3 }).unwrap();
    // Every unit has the same variance: the population spectrum is degenerate, the sample
    // eigenvalues sit within their sampling error of each other, and no axis is reported.
    assert_eq!(r.n_reported, 0, "{:?}", r.axes.iter().map(|a| a.eigenvalue_gap).collect::<Vec<_>>());
    assert!(r.axes.iter().all(|a| !a.reported && a.eigenvalue_gap.unwrap() < 1.0));
    assert!(r.axes_text.starts_with("none of the top 20 axes is separated"), "{}", r.axes_text);
    assert!((r.eigenvalue_error - 0.01).abs() < 1e-15, "√(2/20000)");
    let bp = r.basis_privilege.unwrap();
    eprintln!(
        "equal variances: unit β {:.4}, rotated {:?}, ratio {:.4} in {:?}, active {:.4} vs {:?}",
        bp.unit_kurtosis, bp.rotated_kurtosis, bp.ratio, bp.rotated, bp.active_fraction, bp.rotated_active_fraction
    );
    assert!(bp.privileged && !bp.lighter_than_rotations);
    assert!((bp.unit_kurtosis / UNIT_BETA - 1.0).abs() < 0.03, "unit β {} vs {UNIT_BETA}", bp.unit_kurtosis);
    assert!((bp.unit_excess_kurtosis - (bp.unit_kurtosis - 3.0)).abs() < 1e-12);
    for b in &bp.rotated_kurtosis {
        assert!((b / ROTATED_BETA - 1.0).abs() < 0.02, "rotated β {b} vs {ROTATED_BETA}");
    }
    assert!((bp.ratio / (UNIT_BETA / ROTATED_BETA) - 1.0).abs() < 0.04, "ratio {}", bp.ratio);
    assert!(bp.rotated[0] < 1.0 && bp.rotated[1] > 1.0 && bp.rotated[1] < 1.02, "{:?}", bp.rotated);
    assert!((bp.active_fraction - P * (1.0 - P / 2.0)).abs() < 0.002, "active {}", bp.active_fraction);
    assert!(bp.rotated_active_fraction[0] > 0.3, "rotated units are active far more often");
    assert_eq!((bp.k, bp.seed, bp.units_used, bp.constant_units, bp.rotated_kurtosis.len()), (20, 3, 200, 0, 20));
    assert!((bp.level - 1.0 / 21.0).abs() < 1e-15);
    assert!(bp.text.starts_with("the unit basis is privileged"), "{}", bp.text);
    assert!(bp.text.contains("does not show them"), "names what it does not show: {}", bp.text);
}

#[test]
fn the_same_code_randomly_rotated_is_not_privileged() {
    let x = randomly_rotated(&code(0.0), 7);
    let bp = basis_privilege(&x, 20, 3).unwrap();
    eprintln!("rotated: unit β {:.4}, ratio {:.4} in {:?}", bp.unit_kurtosis, bp.ratio, bp.rotated);
    // Its units are one more random rotation: the same kurtosis as the K drawn here.
    assert!((bp.unit_kurtosis / ROTATED_BETA - 1.0).abs() < 0.02, "unit β {}", bp.unit_kurtosis);
    assert!((bp.ratio - 1.0).abs() < 0.02, "ratio {}", bp.ratio);
    assert!(!bp.privileged && !bp.lighter_than_rotations, "{:?} vs {:?}", bp.ratio, bp.rotated);
    assert!(bp.text.starts_with("the unit basis is not privileged: the units' kurtosis lies within"), "{}", bp.text);
    assert!(bp.text.contains("does not show that units are polysemantic"));
    // Same seed, same rotations, same numbers; another seed, other rotations.
    assert_eq!(bp, basis_privilege(&x, 20, 3).unwrap());
    assert_ne!(bp.rotated_kurtosis, basis_privilege(&x, 20, 4).unwrap().rotated_kurtosis);
}

/// Variances ∝ 1/j: population eigenvalues 1/n, separated by North's rule by
/// 1/((2n + 1)·√(2/N)) = 33.3, 20, 14.3, 11.1, 9.1 … for N = 20000 (NumPy: min over neighbours of
/// |λ_n − λ_m| / ((λ_n + λ_m)·√(2/N)), λ = 1/arange(1, 201)). First-order perturbation theory
/// (Anderson 1963) gives 1/IPR ≈ 1 + 2 Σ_m λ_n λ_m / (N (λ_n − λ_m)²) = 1.0008, 1.0020, 1.0039,
/// 1.0064, 1.0095 for the top five axes (NumPy, same λ and N).
#[test]
fn a_monosemantic_code_with_falling_variances_has_one_unit_per_reported_axis() {
    let x = code(1.0);
    let r = align_matrix(&x, &AlignSettings { top: 20, k: 20, seed: 3 }).unwrap();
    eprintln!(
        "1/n variances: {:?}",
        r.axes.iter().map(|a| (a.units_per_axis, a.eigenvalue_gap.unwrap(), a.reported)).collect::<Vec<_>>()
    );
    let want = [1.0008, 1.0020, 1.0039, 1.0064, 1.0095];
    for (a, w) in r.axes.iter().zip(want) {
        assert!(a.reported, "axis {} gap {:?}", a.rank, a.eigenvalue_gap);
        assert!((a.units_per_axis - w).abs() < 0.03, "axis {}: {} units, want ≈ {w}", a.rank, a.units_per_axis);
    }
    assert!(r.n_reported >= 10, "{} reported", r.n_reported);
    for a in r.axes.iter().filter(|a| a.reported) {
        assert!(a.units_per_axis < 1.5, "reported axis {} spreads over {} units", a.rank, a.units_per_axis);
    }
    assert!(r.axes_text.contains("of the top 20 axes are separated"), "{}", r.axes_text);
    assert!(r.axes_text.contains("it does not measure polysemanticity"));
    assert!(r.basis_privilege.unwrap().privileged);
}

#[test]
fn basis_privilege_leaves_out_constant_units_and_refuses_bad_input() {
    let mut x = monosemantic_code(2000, 12, 0.1, 0.0, 5);
    for i in 0..x.rows {
        x.data[i * 12 + 3] = 7.0; // a constant unit
    }
    let bp = basis_privilege(&x, 5, 1).unwrap();
    assert_eq!((bp.units_used, bp.constant_units), (11, 1));
    let e = |x: &Matrix, k| basis_privilege(x, k, 1).unwrap_err().to_string();
    assert_eq!(e(&x, 0), "invalid setting: k = 0: draw between 1 and 1000 random rotations");
    x.data[5 * 12 + 2] = f64::NAN;
    assert!(e(&x, 5).starts_with("non-finite value NaN at row 5, column 2"), "{}", e(&x, 5));
    let flat = Matrix { rows: 4, cols: 2, data: vec![1.0; 8] };
    assert_eq!(e(&flat, 5), "every row is the same (total variance 0): nothing varies along the sweep");
}

#[test]
fn the_alignment_json_has_the_axes_and_the_privilege_test() {
    let x = code(1.0);
    let x = Matrix {
        rows: 3000,
        cols: 40,
        data: x.data[..3000 * 200].chunks(200).flat_map(|r| r[..40].to_vec()).collect(),
    };
    let json = serde_json::to_value(align_matrix(&x, &AlignSettings { top: 5, k: 3, seed: 9 }).unwrap()).unwrap();
    for key in ["ratio", "rotated", "k", "seed", "privileged", "text", "unit_kurtosis", "active_fraction"] {
        assert!(json["basis_privilege"].get(key).is_some(), "basis_privilege.{key}");
    }
    assert_eq!(json["basis_privilege"]["rotated"].as_array().unwrap().len(), 2);
    let axes = json["axes"].as_array().unwrap();
    assert_eq!(axes.len(), 5);
    for key in ["rank", "eigenvalue", "units_per_axis", "eigenvalue_gap", "reported"] {
        assert!(axes[0].get(key).is_some(), "axes[].{key}");
    }
    // The streamed report has no privilege test (it needs the rows again).
    let streamed = axis_alignment(&mut SliceRows::new(&x.data, 40), 5, &mut |_, _| true).unwrap();
    assert!(streamed.basis_privilege.is_none());
}
