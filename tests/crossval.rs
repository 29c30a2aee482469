//! Cross-validated PCA against NumPy (`reference.json`, `cvpca_pairs`): every cv_n within
//! 1e-8 of the largest, the shared-variance fraction within 1e-9, α within 1e-6; and the
//! shuffle-averaged α against Stringer's procedure (`tests/data/stringer/`).

mod common;

use common::{data, npy_vector, reference};
use eigenlens::crossval::{cvpca, cvpca_in_memory, swap_masks, CvSpectrum, CvpcaReport, CvpcaSettings};
use eigenlens::matrix::Matrix;
use eigenlens::read::{self, source::FileSource, SliceRows};
use eigenlens::stats::{Estimator, FitRequest};

fn open(rel: &str) -> read::Opened<'static> {
    let path = data(&format!("{rel}.f32.npy"));
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    read::open_matrix(FileSource::open(&path).unwrap(), &name, None, None).unwrap()
}

fn run(rep1: &str, rep2: &str, settings: &CvpcaSettings) -> eigenlens::Result<CvpcaReport> {
    let (mut a, mut b) = (open(rep1), open(rep2));
    cvpca(a.rows.as_mut(), b.rows.as_mut(), settings, &mut |_, _| true)
}

#[test]
fn every_reference_pair_matches_numpy() {
    let r = reference();
    let pairs = r["cvpca_pairs"].as_object().unwrap();
    assert_eq!(pairs.len(), 3);
    for (name, p) in pairs {
        let settings = CvpcaSettings {
            fit: FitRequest { estimator: Estimator::Ols, ..FitRequest::default() },
            ..Default::default()
        };
        let got = run(p["rep1"].as_str().unwrap(), p["rep2"].as_str().unwrap(), &settings).unwrap();
        let want = npy_vector(p["cv_spectrum_npy"].as_str().unwrap());
        assert_eq!(got.cv_spectrum.len(), want.len(), "{name}");
        let largest = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (n, (g, w)) in got.cv_spectrum.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-8 * largest, "{name}: cv_{} = {g} vs NumPy {w}", n + 1);
        }
        let fraction = p["shared_variance_fraction"].as_f64().unwrap();
        assert!(
            (got.shared_variance_fraction - fraction).abs() <= 1e-9,
            "{name}: {} vs {fraction}",
            got.shared_variance_fraction
        );
        let fit = &p["alpha_fit_on_cv_spectrum"];
        assert_eq!(got.alpha_fit.valid, fit["valid"].as_bool().unwrap(), "{name}");
        assert_eq!(got.alpha_fit.rank_lo as u64, fit["rank_lo"].as_u64().unwrap());
        assert_eq!(got.alpha_fit.rank_hi as u64, fit["rank_hi"].as_u64().unwrap());
        assert_eq!(got.alpha_fit.n_points as u64, fit["n_points"].as_u64().unwrap());
        let alpha = fit["alpha"].as_f64().unwrap();
        assert!((got.alpha_fit.alpha.unwrap() - alpha).abs() <= 1e-6, "{name}: α {:?} vs {alpha}", got.alpha_fit.alpha);
    }
}

#[test]
fn identical_repeats_give_the_plain_spectrum_and_all_shared_variance() {
    let got = run("digits_mlp/plain_h1_test", "digits_mlp/plain_h1_test", &CvpcaSettings::default()).unwrap();
    let l1 = got.eigenvalues[0];
    for (cv, l) in got.cv_spectrum.iter().zip(&got.eigenvalues) {
        assert!((cv - l).abs() <= 1e-10 * l1, "{cv} vs {l}");
    }
    assert!((got.shared_variance_fraction - 1.0).abs() < 1e-12);
}

#[test]
fn repeats_of_different_shape_are_refused() {
    let e = run("digits_mlp/plain_h1_test", "digits_mlp/X_test_pixels", &CvpcaSettings::default()).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in shape: 540 × 256 against 540 × 64");
    // Same width, different row count: found at the end of the stream.
    let x = Matrix::read_all(open("digits_mlp/plain_h1_test").rows.as_mut(), 1 << 24).unwrap();
    let mut short = SliceRows::new(&x.data[..300 * 256], 256);
    let mut full = open("digits_mlp/plain_h1_test");
    let e = cvpca(full.rows.as_mut(), &mut short, &CvpcaSettings::default(), &mut |_, _| true).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in shape: 540 × 256 against 300 × 256");
}

#[test]
fn shuffles_are_seeded_and_average_near_the_plain_cv_spectrum() {
    let read = |rel: &str| Matrix::read_all(open(rel).rows.as_mut(), 1 << 24).unwrap();
    let (a, b) = (read("digits_mlp/plain_h1_test_noise_rep1"), read("digits_mlp/plain_h1_test_noise_rep2"));
    let settings = CvpcaSettings { shuffles: 5, seed: 3, ..Default::default() };
    let one = cvpca_in_memory(&a, &b, &settings).unwrap();
    let again = cvpca_in_memory(&a, &b, &settings).unwrap();
    assert_eq!(one.shuffled_cv_spectrum, again.shuffled_cv_spectrum, "same seed, same shuffles");
    let other = cvpca_in_memory(&a, &b, &CvpcaSettings { seed: 4, ..settings.clone() }).unwrap();
    assert_ne!(one.shuffled_cv_spectrum, other.shuffled_cv_spectrum);
    // Swapping repeats does not change the signal: the top of the shuffled spectrum stays
    // within a few per cent of the unshuffled one.
    let shuffled = one.shuffled_cv_spectrum.unwrap();
    for (n, (s, cv)) in shuffled.iter().zip(&one.cv_spectrum).take(5).enumerate() {
        assert!((s - cv).abs() / cv < 0.05, "cv_{} shuffled {s} vs {cv}", n + 1);
    }
    // A = B: every shuffle is the identity, so the average is the plain spectrum.
    let same = cvpca_in_memory(&a, &a, &settings).unwrap();
    for (s, l) in same.shuffled_cv_spectrum.unwrap().iter().zip(&same.eigenvalues) {
        assert!((s - l).abs() <= 1e-10 * same.eigenvalues[0]);
    }
}

#[test]
fn cli_cvpca_json_gives_the_reference_fraction() {
    let r = reference();
    let p = &r["cvpca_pairs"]["digits_mlp/dropout_h2_mcdrop"];
    let path = |k: &str| data(&format!("{}.f32.npy", p[k].as_str().unwrap()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eigenlens"))
        .args(["cvpca".as_ref(), path("rep1").as_os_str(), path("rep2").as_os_str(), "--json".as_ref()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = p["shared_variance_fraction"].as_f64().unwrap();
    assert!((json["shared_variance_fraction"].as_f64().unwrap() - want).abs() <= 1e-9);
    assert_eq!(json["cv_spectrum"].as_array().unwrap().len(), 256);
    for key in ["eigenvalues", "alpha_fit", "alpha_fit_plain", "n_nonpositive", "shuffles", "seed"] {
        assert!(json.get(key).is_some(), "key {key}");
    }
}

/// Stringer's procedure on the reference pairs (`tests/data/stringer/make_reference.py`, NumPy):
/// the same repeat swaps (eigenlens's generator, re-implemented there), each shuffled split
/// column-centred and cvPCA'd from the swapped matrices directly, the spectra averaged, and α
/// from Stringer's own `get_powerlaw` (copied verbatim: log|ss|, weights 1/n in float32) over
/// the same ranks 11…128. eigenlens must draw the same swaps, give the same averaged cv and
/// noise spectra (to 1e-8 of the largest) and the same α (to 1e-6), fitted on the shuffle mean.
#[test]
fn shuffle_mean_alpha_equals_stringers_procedure() {
    let text = std::fs::read_to_string(data("stringer/cvpca_shuffle_reference.json")).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (k, seed) = (r["shuffles"].as_u64().unwrap() as usize, r["seed"].as_u64().unwrap());
    let masks: Vec<String> =
        swap_masks(seed, k, 540).iter().map(|m| m.iter().map(|&s| if s { '1' } else { '0' }).collect()).collect();
    let want_masks: Vec<&str> = r["swap_masks"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(masks, want_masks, "the swaps NumPy re-drew from eigenlens's generator");
    let read = |rel: &str| Matrix::read_all(open(rel).rows.as_mut(), 1 << 24).unwrap();
    let pairs = r["pairs"].as_object().unwrap();
    assert_eq!(pairs.len(), 3);
    for (name, p) in pairs {
        let (a, b) = (read(p["rep1"].as_str().unwrap()), read(p["rep2"].as_str().unwrap()));
        let counts: Vec<u64> = p["swap_counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
        assert_eq!(
            counts,
            swap_masks(seed, k, a.rows).iter().map(|m| m.iter().filter(|s| **s).count() as u64).collect::<Vec<_>>()
        );
        for abs in [false, true] {
            let settings = CvpcaSettings { shuffles: k, seed, abs, ..Default::default() };
            let got = cvpca_in_memory(&a, &b, &settings).unwrap();
            let close = |got: &[f64], key: &str| {
                let want: Vec<f64> = p[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                let largest = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert_eq!(got.len(), want.len());
                for (n, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-8 * largest, "{name} {key}_{}: {g} vs NumPy {w}", n + 1);
                }
            };
            close(got.shuffled_cv_spectrum.as_deref().unwrap(), "shuffle_mean_cv_spectrum");
            close(&got.noise_spectrum, "shuffle_mean_noise_spectrum");
            let fit = &got.alpha_fit;
            assert_eq!((fit.spectrum, fit.abs, fit.valid), (CvSpectrum::ShuffleMean, abs, true), "{name}");
            assert_eq!(
                (fit.rank_lo as u64, fit.rank_hi as u64),
                (p["rank_lo"].as_u64().unwrap(), p["rank_hi"].as_u64().unwrap())
            );
            let key = if abs { "alpha_shuffle_mean_get_powerlaw" } else { "alpha_shuffle_mean_positive" };
            let want = p[key].as_f64().unwrap();
            assert!(
                (fit.alpha.unwrap() - want).abs() <= 1e-6,
                "{name} abs {abs}: α {:?} vs Stringer {want}",
                fit.alpha
            );
            let unshuffled = got.alpha_fit_unshuffled.as_ref().unwrap();
            assert_eq!(unshuffled.spectrum, CvSpectrum::Unshuffled);
            let want = p["alpha_unshuffled_get_powerlaw"].as_f64().unwrap();
            assert!(
                (unshuffled.alpha.unwrap() - want).abs() <= 1e-6,
                "{name}: unshuffled α {:?} vs {want}",
                unshuffled.alpha
            );
            let range: Vec<usize> = p["suggested_range_shuffle_mean"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(got.suggested_range.map(|r| r.to_vec()), Some(range), "{name}");
        }
    }
}
