//! .npz archives made by NumPy (stored and deflated): the arrays give their reference
//! answers; sizes that lie and zip bombs are refused by name.

mod common;

use eigenlens::read::{self, MemSource};

fn analyze(bytes: Vec<u8>, key: Option<&str>) -> eigenlens::Result<eigenlens::analysis::Report> {
    let mut opened = read::open_matrix(MemSource(bytes), "x.npz", key, None)?;
    eigenlens::analysis::analyze(opened.rows.as_mut(), &Default::default(), &mut |_, _| true)
}

fn file(rel: &str) -> Vec<u8> {
    std::fs::read(common::data(rel)).unwrap()
}

#[test]
fn stored_and_deflated_arrays_match_the_reference() {
    let r = common::reference();
    for archive in ["formats/digits_plain_h1_h2.npz", "formats/digits_plain_h1_h2_compressed.npz"] {
        for (key, reference) in [("h1", "digits_mlp/plain_h1_test"), ("h2", "digits_mlp/plain_h2_test")] {
            let got = analyze(file(archive), Some(key)).unwrap();
            let m = &r["matrices"][reference];
            let want = common::npy_vector(m["eigenvalues_npy"].as_str().unwrap());
            for (g, w) in got.eigenvalues.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-8 * want[0], "{archive}:{key}");
            }
            let alpha = m["alpha_fit_stringer"]["alpha"].as_f64().unwrap();
            assert!((got.alpha_fit.alpha.unwrap() - alpha).abs() < 1e-6, "{archive}:{key}");
        }
        let listed = read::list_arrays(MemSource(file(archive)), "x.npz").unwrap();
        assert_eq!(
            listed.iter().map(|a| (a.name.as_str(), a.rows, a.cols)).collect::<Vec<_>>(),
            [("h1", 540, 256), ("h2", 540, 256)]
        );
        assert_eq!(
            analyze(file(archive), None).unwrap_err().to_string(),
            "the file holds 2 arrays that can be analysed; choose one: h1, h2"
        );
        assert_eq!(
            analyze(file(archive), Some("h3")).unwrap_err().to_string(),
            "no array named 'h3' in the file; it holds: h1, h2"
        );
    }
}

/// Offsets of the central-directory entries (signature PK\x01\x02).
fn directory_entries(bytes: &[u8]) -> Vec<usize> {
    bytes.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x01\x02").map(|(i, _)| i).collect()
}

#[test]
fn a_declared_size_that_lies_is_refused() {
    let mut bytes = file("formats/digits_plain_h1_h2_compressed.npz");
    let first = directory_entries(&bytes)[0];
    // Declare the h1 entry 1000 bytes larger than what it inflates to.
    let size = u32::from_le_bytes(bytes[first + 24..first + 28].try_into().unwrap());
    bytes[first + 24..first + 28].copy_from_slice(&(size + 1000).to_le_bytes());
    let e = analyze(bytes, Some("h1")).unwrap_err().to_string();
    assert_eq!(e, format!("bad zip header: entry 'h1.npy' ends after {size} bytes but declares {}", size + 1000));

    let mut stored = file("formats/digits_plain_h1_h2.npz");
    let first = directory_entries(&stored)[0];
    stored[first + 20..first + 24].copy_from_slice(&u32::MAX.to_le_bytes()[..4]);
    stored[first + 20] = 0xfe;
    let e = analyze(stored, Some("h1")).unwrap_err().to_string();
    assert!(e.starts_with("bad zip header: entry 'h1.npy': its declared size"), "{e}");
}

#[test]
fn a_zip_bomb_is_refused_by_the_ratio_limit() {
    let mut bytes = file("formats/digits_plain_h1_h2_compressed.npz");
    let first = directory_entries(&bytes)[0];
    // Claim 4 GB from the few hundred kB compressed: more than deflate can ever reach.
    bytes[first + 24..first + 28].copy_from_slice(&0xfff0_0000u32.to_le_bytes());
    let e = analyze(bytes, Some("h1")).unwrap_err().to_string();
    assert!(e.starts_with("refused: entry 'h1.npy' declares 4293918720 bytes from "), "{e}");
    assert!(e.ends_with("(ratio over 1100:1, more than deflate can reach): a zip bomb"), "{e}");
}
