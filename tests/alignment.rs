//! Axis alignment in pieces (the whole path is in `tests/uncertainty_alignment.rs`): units per
//! axis from eigenvectors, activity counted per block and merged, the activity histogram, and
//! the report from streamed moments equal to the one-call streaming analysis.

use eigenlens::alignment::{
    alignment_report, axis_alignment, fraction_histogram, units_per_axis, ActivityCounter, ACTIVITY_BINS,
};
use eigenlens::analysis::accumulate_with;
use eigenlens::linalg::Mat;
use eigenlens::read::SliceRows;
use eigenlens::synth::gaussian_code;

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
