//! Synthetic codes of known α, for the demo, for comparison beside real data, and for tests
//! (METHODS.md, "Synthetic codes").

use crate::linalg::Mat;
use crate::rng::Rng;
use nalgebra::DMatrix;

pub use crate::matrix::Matrix;

/// A random orthogonal `d × d` matrix (QR of a Gaussian matrix, signs fixed so the draw is
/// uniform over the orthogonal group). nalgebra does the QR; the result crosses into
/// [`Mat`] here.
pub fn random_orthogonal(d: usize, rng: &mut Rng) -> Mat {
    let mut values = vec![0.0; d * d];
    rng.fill_normal(&mut values);
    let g = DMatrix::from_vec(d, d, values);
    let qr = g.qr();
    let (mut q, r) = (qr.q(), qr.r());
    for j in 0..d {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    Mat::from_col_major(d, d, q.as_slice().to_vec())
}

/// Stringer's one-dimensional code: t_i evenly spaced on [0, 2π), features cos(k t) and
/// sin(k t) scaled by k^(−α/2), k = 1 … D/2; mixed into D units by a random orthogonal
/// matrix when `mix_seed` is given. Its spectrum falls as n^(−α).
pub fn fourier_code(alpha: f64, n: usize, d: usize, mix_seed: Option<u64>) -> Matrix {
    let mut data = vec![0.0; n * d];
    let pairs = d / 2;
    for i in 0..n {
        let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        let row = &mut data[i * d..(i + 1) * d];
        for k in 1..=pairs {
            let scale = (k as f64).powf(-alpha / 2.0);
            let (s, c) = (k as f64 * t).sin_cos();
            row[2 * (k - 1)] = c * scale;
            row[2 * (k - 1) + 1] = s * scale;
        }
    }
    let mut m = Matrix { rows: n, cols: d, data };
    if let Some(seed) = mix_seed {
        let q = random_orthogonal(d, &mut Rng::new(seed));
        m = rotate(&m, &q);
    }
    m
}

/// Stringer's code with its frequencies shuffled: the same variances k^(−α) per cos/sin pair
/// (k = 1 … D/2) as [`fourier_code`], but pair k oscillates at frequency π(k), π a random
/// permutation of 1 … D/2 drawn from `shuffle_seed`. Its spectrum is the Fourier code's,
/// n^(−α), while large variance sits on fast frequencies: the same α, a rough code. Mixed into
/// D units by a random orthogonal matrix when `mix_seed` is given.
pub fn fourier_code_shuffled(alpha: f64, n: usize, d: usize, shuffle_seed: u64, mix_seed: Option<u64>) -> Matrix {
    let pairs = d / 2;
    let mut frequencies: Vec<usize> = (1..=pairs).collect();
    Rng::new(shuffle_seed).shuffle(&mut frequencies);
    let mut data = vec![0.0; n * d];
    for i in 0..n {
        let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        let row = &mut data[i * d..(i + 1) * d];
        for (k, f) in (1..=pairs).zip(&frequencies) {
            let scale = (k as f64).powf(-alpha / 2.0);
            let (s, c) = (*f as f64 * t).sin_cos();
            row[2 * (k - 1)] = c * scale;
            row[2 * (k - 1) + 1] = s * scale;
        }
    }
    let m = Matrix { rows: n, cols: d, data };
    match mix_seed {
        Some(seed) => rotate(&m, &random_orthogonal(d, &mut Rng::new(seed))),
        None => m,
    }
}

/// A monosemantic sparse code: unit j (1-based) is active in a row with probability `p`,
/// independently of everything else, and then takes the value j^(−a/2)·u, u uniform on [0, 1);
/// otherwise it is 0. Every unit carries one feature, so the unit basis is privileged; its
/// variances fall as j^(−a) (a = 0: all equal, a degenerate spectrum).
pub fn monosemantic_code(n: usize, d: usize, p: f64, a: f64, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let scales: Vec<f64> = (1..=d).map(|j| (j as f64).powf(-a / 2.0)).collect();
    let mut data = vec![0.0; n * d];
    for row in data.chunks_exact_mut(d.max(1)) {
        for (v, s) in row.iter_mut().zip(&scales) {
            let on = rng.uniform() < p;
            let u = rng.uniform();
            if on {
                *v = s * u;
            }
        }
    }
    Matrix { rows: n, cols: d, data }
}

/// The rows of `m` rotated by a Haar-random orthogonal matrix drawn from `seed`: each row x
/// becomes Q x. Distances, the spectrum and everything rotation-invariant are kept; the units
/// become random directions of the original code.
pub fn randomly_rotated(m: &Matrix, seed: u64) -> Matrix {
    rotate(m, &random_orthogonal(m.cols, &mut Rng::new(seed)))
}

/// Gaussian code: rows drawn from N(0, Σ), Σ with eigenvalues n^(−α) in a random basis.
pub fn gaussian_code(alpha: f64, n: usize, d: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let q = random_orthogonal(d, &mut rng);
    let scales: Vec<f64> = (1..=d).map(|k| (k as f64).powf(-alpha / 2.0)).collect();
    let mut z = Matrix { rows: n, cols: d, data: vec![0.0; n * d] };
    rng.fill_normal(&mut z.data);
    for (i, v) in z.data.iter_mut().enumerate() {
        *v *= scales[i % d];
    }
    rotate(&z, &q)
}

/// Rows of `m` times Qᵀ: each row x becomes Q x. The row-major rows of `m` are the columns of
/// Xᵀ, so Y = X Qᵀ is computed as Yᵀ = Q Xᵀ, whose columns are Y's rows.
fn rotate(m: &Matrix, q: &Mat) -> Matrix {
    let xt = Mat::from_col_major(m.cols, m.rows, m.data.clone());
    Matrix { rows: m.rows, cols: m.cols, data: q.matmul(&xt).into_vec() }
}
