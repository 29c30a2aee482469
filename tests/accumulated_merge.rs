//! Merging the shares of parallel readers (`Accumulated::merge_all`) and the flat form a Web
//! Worker hands its share on in (`[rows dropped, ...Moments::to_flat]`): a file split by the
//! core's plan, each share passed through the flat form and merged, gives NumPy's eigenvalues
//! (tests/data/reference.json, written by /work/shared/tools/numpy_reference.py:
//! `np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1]`), as the whole file read at once does.

mod common;

use common::{data, npy_vector, reference};
use eigenlens::analysis::{self, Accumulated};
use eigenlens::read::{self, source::FileSource, ArrayInfo};
use eigenlens::stats::{FitRequest, Moments};
use std::ops::Range;

fn share(rel: &str, rows: Option<Range<u64>>, drop_nonfinite: bool) -> (ArrayInfo, Accumulated) {
    let path = data(rel);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), &name, None, rows).unwrap();
    let acc = analysis::accumulate(opened.rows.as_mut(), drop_nonfinite, &mut |_, _| true).unwrap();
    (opened.info, acc)
}

#[test]
fn shares_through_the_flat_form_merge_to_numpys_eigenvalues() {
    let reference = reference();
    let m = &reference["matrices"]["digits_mlp/plain_h1_test"];
    let rel = m["path"].as_str().unwrap();
    let want = npy_vector(m["eigenvalues_npy"].as_str().unwrap());
    let (info, whole) = share(rel, None, false);
    assert_eq!((info.rows, info.cols), (540, 256));

    // Uneven cuts (the plan's ⌊N·i/k⌋ would be even here), so the Chan update is exercised
    // with shares of different sizes, one of them tiny.
    let cuts = [0u64, 7, 200, 540];
    let parts: Vec<Accumulated> = cuts
        .windows(2)
        .map(|w| {
            let (_, acc) = share(rel, Some(w[0]..w[1]), false);
            let flat = acc.to_flat();
            assert_eq!(flat.len(), 1 + 2 + 3 * 256 + 256 * 257 / 2);
            Accumulated::from_flat(&flat).unwrap()
        })
        .collect();
    let merged = Accumulated::merge_all(parts).unwrap();
    assert_eq!(merged.moments.count(), 540);
    assert_eq!(merged.rows_dropped, 0);

    let fit = FitRequest::default();
    let split = analysis::spectrum_report(merged, &fit).unwrap();
    let one = analysis::spectrum_report(whole, &fit).unwrap();
    let tol = 1e-10 * want[0];
    for (i, w) in want.iter().enumerate() {
        assert!((split.eigenvalues[i] - w).abs() <= tol, "λ{i}: {} vs NumPy {w}", split.eigenvalues[i]);
        assert!((split.eigenvalues[i] - one.eigenvalues[i]).abs() <= tol, "λ{i}: split vs whole");
    }
    assert_eq!(split.numerical_rank, m["numerical_rank"].as_u64().unwrap() as usize);
}

#[test]
fn the_flat_form_round_trips_exactly_and_counts_dropped_rows() {
    let mut moments = Moments::new(3);
    let mut block = vec![1.0, 2.0, 3.0, -1.0, 0.5, 4.0, 2.0, 2.0, 2.0];
    moments.add_block(&mut block, 3);
    let acc = Accumulated { moments, rows_dropped: 5 };
    let flat = acc.to_flat();
    assert_eq!(flat[0], 5.0);
    assert_eq!(&flat[1..], acc.moments.to_flat().as_slice());
    let back = Accumulated::from_flat(&flat).unwrap();
    assert_eq!(back.rows_dropped, 5);
    assert_eq!(back.to_flat(), flat, "bit-identical round trip");

    // Dropped rows add up across shares.
    let merged = Accumulated::merge_all([back.clone(), back]).unwrap();
    assert_eq!(merged.rows_dropped, 10);
    assert_eq!(merged.moments.count(), 6);
}

#[test]
fn malformed_flat_shares_and_unequal_widths_are_errors() {
    // Empty, a negative or fractional dropped count, a moments array of the wrong length.
    for bad in [vec![], vec![-1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], vec![0.5], vec![0.0, 2.0, 3.0, 1.0]] {
        let e = Accumulated::from_flat(&bad).unwrap_err();
        // The dropped count is checked here, the moments by `Moments::from_flat` (ShareError).
        let text = e.to_string();
        assert!(text.contains("malformed") && text.contains("partial moments"), "{bad:?}: {e}");
    }
    assert!(Accumulated::merge_all(Vec::new()).is_err(), "no shares is no rows");
    let a = Accumulated { moments: Moments::new(2), rows_dropped: 0 };
    let b = Accumulated { moments: Moments::new(3), rows_dropped: 0 };
    assert!(Accumulated::merge_all([a, b]).is_err(), "shares of unequal width cannot merge");
}

/// The page's workers hand on `Share::to_flat` (moments, then the rounding noise of a type that
/// rounds): a bf16 file split in three shares through the flat form gives the one-reader report,
/// precision floor included; a share without its rounding noise is refused, not merged.
#[test]
fn bf16_shares_carry_their_rounding_noise_through_the_flat_form() {
    use analysis::{Options, Preprocess, Share};
    use eigenlens::read::MemSource;
    let (n, d) = (300usize, 24usize);
    let x = eigenlens::synth::gaussian_code(2.0, n, d, 3);
    let mut bytes = read::npy::header_bytes("<V2", &[n as u64, d as u64]);
    for v in &x.data {
        bytes.extend_from_slice(&half::bf16::from_f64(*v + 0.5).to_le_bytes());
    }
    let open = |rows| read::open_matrix(MemSource(bytes.clone()), "x.bf16.npy", None, rows).unwrap();
    let fit = FitRequest { lo: 2, hi: 20, ..Default::default() };
    let one = analysis::analyze_opened(
        &mut open(None),
        &Options { fit, ..Default::default() },
        &Preprocess::default(),
        &mut |_, _| true,
    )
    .unwrap();
    let shares: Vec<Share> = [0u64, 7, 150, 300]
        .windows(2)
        .map(|w| {
            let mut opened = open(Some(w[0]..w[1]));
            assert_eq!(opened.info.dtype, "bf16");
            let (acc, rounding) =
                analysis::accumulate_stored(opened.rows.as_mut(), "bf16", false, &mut |_, _| true).unwrap();
            let flat = Share { acc, rounding, positions: None }.to_flat();
            // Moments, then [n, Σ ulp² per unit].
            assert_eq!(flat.len(), 1 + 2 + 3 * d + d * (d + 1) / 2 + 1 + d);
            Share::from_flat(&flat, "bf16").unwrap()
        })
        .collect();
    let merged = Share::merge_all(shares).unwrap();
    let split = analysis::report_from(merged.acc, merged.rounding.as_ref(), &fit, &Preprocess::default()).unwrap();
    let (a, b) = (split.precision_floor.unwrap(), one.precision_floor.unwrap());
    assert!((a.value - b.value).abs() <= 1e-12 * b.value, "{} vs {}", a.value, b.value);
    for (s, o) in split.eigenvalues.iter().zip(&one.eigenvalues) {
        assert!((s - o).abs() <= 1e-12 * one.eigenvalues[0]);
    }
    // The moments alone, read as bf16: the rounding noise is missing, and that is an error.
    let (acc, _) = analysis::accumulate_stored(open(None).rows.as_mut(), "bf16", false, &mut |_, _| true).unwrap();
    let err = Share::from_flat(&acc.to_flat(), "bf16").unwrap_err().to_string();
    assert!(
        err.contains("malformed share of partial moments: 0 values after the moments of D = 24 for stored type bf16"),
        "{err}"
    );
}
