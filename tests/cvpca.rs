//! Cross-validated PCA beyond the NumPy reference (that is `tests/crossval.rs`): the lockstep
//! stream with blocks of different sizes on the two sides, row counts found only at the end,
//! a known answer (signal plus independent noise), the memory refusal of shuffles, and the
//! command line with shuffles and a row range.

mod common;

use common::{data, reference};
use eigenlens::crossval::{cvpca, CvpcaReport, CvpcaSettings};
use eigenlens::matrix::Matrix;
use eigenlens::read::{self, source::FileSource, Progress, RowBlocks, SliceRows};
use eigenlens::rng::Rng;
use eigenlens::synth::gaussian_code;

/// Rows of a slice in blocks whose sizes cycle through `sizes`, with no row count known in
/// advance (as for a text file), so that shapes can only be compared at the end.
struct Chunked<'a> {
    data: &'a [f64],
    cols: usize,
    next: usize,
    sizes: Vec<usize>,
    k: usize,
}

impl<'a> Chunked<'a> {
    fn new(data: &'a [f64], cols: usize, sizes: &[usize]) -> Self {
        Chunked { data, cols, next: 0, sizes: sizes.to_vec(), k: 0 }
    }
}

impl RowBlocks for Chunked<'_> {
    fn cols(&self) -> usize {
        self.cols
    }
    fn rows_hint(&self) -> Option<u64> {
        None
    }
    fn position(&self) -> u64 {
        self.next as u64
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> eigenlens::Result<usize> {
        let n = self.sizes[self.k % self.sizes.len()].min(self.data.len() / self.cols - self.next);
        self.k += 1;
        out.clear();
        out.extend_from_slice(&self.data[self.next * self.cols..(self.next + n) * self.cols]);
        self.next += n;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.next as u64, bytes_total: (self.data.len() / self.cols) as u64 }
    }
}

fn read(rel: &str) -> Matrix {
    let path = data(&format!("{rel}.f32.npy"));
    let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), "x.npy", None, None).unwrap();
    Matrix::read_all(opened.rows.as_mut(), 1 << 24).unwrap()
}

fn noise_pair() -> (Matrix, Matrix) {
    (read("digits_mlp/plain_h1_test_noise_rep1"), read("digits_mlp/plain_h1_test_noise_rep2"))
}

fn run(a: &mut dyn RowBlocks, b: &mut dyn RowBlocks) -> eigenlens::Result<CvpcaReport> {
    cvpca(a, b, &CvpcaSettings::default(), &mut |_, _| true)
}

#[test]
fn blocks_of_different_sizes_on_each_side_give_the_same_spectrum() {
    let (a, b) = noise_pair();
    let d = a.cols;
    let whole = run(&mut SliceRows::new(&a.data, d), &mut SliceRows::new(&b.data, d)).unwrap();
    let scale = whole.eigenvalues[0];
    for (sa, sb) in [(&[7usize, 1, 50][..], &[64usize, 3][..]), (&[1], &[539]), (&[540], &[1, 2, 3, 4, 5])] {
        let got = run(&mut Chunked::new(&a.data, d, sa), &mut Chunked::new(&b.data, d, sb)).unwrap();
        assert_eq!(got.n_rows, 540);
        for (g, w) in got.cv_spectrum.iter().zip(&whole.cv_spectrum) {
            assert!((g - w).abs() <= 1e-12 * scale, "blocks {sa:?}/{sb:?}: {g} vs {w}");
        }
        for (g, w) in got.eigenvalues.iter().zip(&whole.eigenvalues) {
            assert!((g - w).abs() <= 1e-12 * scale);
        }
        assert!((got.shared_variance_fraction - whole.shared_variance_fraction).abs() < 1e-12);
    }
}

#[test]
fn a_different_row_count_is_found_at_the_end_of_the_stream() {
    let (a, b) = noise_pair();
    let d = a.cols;
    let short = &b.data[..539 * d];
    let e = run(&mut Chunked::new(&a.data, d, &[7]), &mut Chunked::new(short, d, &[50])).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in shape: 540 × 256 against 539 × 256");
    let e = run(&mut Chunked::new(short, d, &[100]), &mut Chunked::new(&b.data, d, &[3])).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in shape: 539 × 256 against 540 × 256");
    // Different widths are refused before any row is read.
    let e = run(&mut Chunked::new(&a.data, d, &[7]), &mut Chunked::new(&b.data[..540 * 128], 128, &[7])).unwrap_err();
    assert_eq!(e.to_string(), "the repeats differ in width: 256 units against 128");
}

#[test]
fn a_nonfinite_value_in_either_repeat_is_named_and_cancel_stops() {
    let (a, mut b) = noise_pair();
    let d = a.cols;
    b.data[123 * d + 45] = f64::NAN;
    let e = run(&mut Chunked::new(&a.data, d, &[10]), &mut Chunked::new(&b.data, d, &[33])).unwrap_err();
    assert!(e.to_string().contains("at row 123, column 45"), "{e}");
    let mut blocks = 0;
    let e = cvpca(
        &mut Chunked::new(&a.data, d, &[10]),
        &mut Chunked::new(&a.data, d, &[10]),
        &CvpcaSettings::default(),
        &mut |_, _| {
            blocks += 1;
            blocks < 3
        },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "cancelled");
}

/// A = S + E₁, B = S + E₂ with independent noise: cvPCA recovers the signal spectrum along the
/// top axes and the shared-variance fraction tr Σ_S / (tr Σ_S + D σ²), while the plain spectrum
/// carries the noise floor σ².
#[test]
fn signal_plus_independent_noise_gives_the_signal_variance() {
    let (n, d, sigma2) = (20_000, 50, 0.01f64);
    let s = gaussian_code(1.5, n, d, 11);
    let mut rng = Rng::new(12);
    let mut noisy = || {
        let mut e = vec![0.0; n * d];
        rng.fill_normal(&mut e);
        s.data.iter().zip(&e).map(|(x, z)| x + sigma2.sqrt() * z).collect::<Vec<f64>>()
    };
    let (a, b) = (noisy(), noisy());
    let r = run(&mut SliceRows::new(&a, d), &mut SliceRows::new(&b, d)).unwrap();
    let signal: f64 = (1..=d).map(|k| (k as f64).powf(-1.5)).sum();
    let want = signal / (signal + d as f64 * sigma2);
    assert!((r.shared_variance_fraction - want).abs() < 0.01, "fraction {} vs {want}", r.shared_variance_fraction);
    for k in 0..5 {
        let truth = ((k + 1) as f64).powf(-1.5);
        assert!((r.cv_spectrum[k] / truth - 1.0).abs() < 0.06, "cv_{} = {} vs {truth}", k + 1, r.cv_spectrum[k]);
        // The plain spectrum sits about σ² above it.
        assert!((r.eigenvalues[k] - r.cv_spectrum[k] - sigma2).abs() < 0.5 * sigma2);
    }
}

/// A source that claims more rows than shuffles may hold: refused before any allocation.
struct Huge;

impl RowBlocks for Huge {
    fn cols(&self) -> usize {
        64
    }
    fn rows_hint(&self) -> Option<u64> {
        Some(1 << 30)
    }
    fn position(&self) -> u64 {
        0
    }
    fn next_block(&mut self, _out: &mut Vec<f64>) -> eigenlens::Result<usize> {
        Ok(0)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: 0, bytes_total: 0 }
    }
}

#[test]
fn shuffles_past_the_memory_limit_are_refused() {
    let settings = CvpcaSettings { shuffles: 3, ..Default::default() };
    let e = cvpca(&mut Huge, &mut Huge, &settings, &mut |_, _| true).unwrap_err();
    assert!(
        e.to_string().starts_with("this analysis holds every row in memory and the matrix has 68719476736 values"),
        "{e}"
    );
}

fn cli(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_eigenlens")).arg("cvpca").args(args).output().unwrap()
}

#[test]
fn cli_shuffles_are_seeded_and_a_row_range_applies_to_both_repeats() {
    let r = reference();
    let p = &r["cvpca_pairs"]["digits_mlp/plain_h1_noise"];
    let path = |k: &str| data(&format!("{}.f32.npy", p[k].as_str().unwrap()));
    let (a, b) = (path("rep1"), path("rep2"));
    let json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![a.as_os_str(), b.as_os_str(), "--json".as_ref()];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        let out = cli(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let one = json(&["--shuffles", "3", "--seed", "9"]);
    assert_eq!((one["shuffles"].as_u64(), one["seed"].as_u64()), (Some(3), Some(9)));
    assert_eq!(one["shuffled_cv_spectrum"].as_array().unwrap().len(), 256);
    assert_eq!(one["shuffled_cv_spectrum"], json(&["--shuffles", "3", "--seed", "9"])["shuffled_cv_spectrum"]);
    assert!(json(&[])["shuffled_cv_spectrum"].is_null());
    let part = json(&["--rows", "100:400"]);
    assert_eq!(part["n_rows"].as_u64(), Some(300));
    // The human-readable form, and a shape mismatch as an input error (status 1).
    let out = cli(&[a.as_os_str(), b.as_os_str(), "--shuffles".as_ref(), "2".as_ref()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("shared-variance fraction   0.948630") && text.contains("2 repeat-swap shuffles, seed 1"),
        "{text}"
    );
    let pixels = data("digits_mlp/X_test_pixels.f32.npy");
    let out = cli(&[a.as_os_str(), pixels.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the repeats differ in shape: 540 × 256 against 540 × 64"));
}
