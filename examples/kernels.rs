//! The heavy kernels timed natively (the benchmark's "native" column), with nalgebra's
//! symmetric eigensolver on the same covariance for comparison.
//!
//!   cargo run --release --example kernels -- [--json] [--rows N] [--no-nalgebra] [D...]
//!   cargo run --release --example kernels -- [--json] --ceiling
//!
//! Defaults: N = 20000, D = 512 1024 2048. With --json, prints one JSON array with an object
//! per D (`bench/bench.mjs` reads its first element). With --ceiling, measures the CPU's
//! two-lane SIMD ceiling instead (`kernels::simd_ceiling`, SSE2 `mulpd`/`addpd` streams and
//! two-lane FMA: the native reference for the wasm ceiling).

use eigenlens::kernels::{simd_ceiling, time_kernels, KernelTimings};
use eigenlens::rng::Rng;
use nalgebra::DMatrix;
use serde::Serialize;
use std::time::Instant;

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    kernels: KernelTimings,
    nalgebra_eigenvalues_s: Option<f64>,
    nalgebra_eigenvectors_s: Option<f64>,
}

/// nalgebra's eigenvalues and eigenvectors on the covariance of a random n × d matrix like
/// time_kernels' (uniform − ½; the times do not depend on the exact draw).
fn nalgebra_times(n: usize, d: usize) -> (f64, f64) {
    let mut rng = Rng::new(1);
    let x: Vec<f64> = (0..n * d).map(|_| rng.uniform() - 0.5).collect();
    let x = DMatrix::from_row_slice(n, d, &x);
    let mean = x.row_mean();
    let centred = DMatrix::from_fn(n, d, |r, c| x[(r, c)] - mean[c]);
    let cov = (centred.transpose() * &centred) / (n as f64 - 1.0);
    let t = Instant::now();
    let values = cov.clone().symmetric_eigenvalues();
    let tv = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let eig = cov.symmetric_eigen();
    let te = t.elapsed().as_secs_f64();
    assert_eq!(values.len(), eig.eigenvalues.len());
    (tv, te)
}

/// faer's kernels on the same kind of data (`--faer`): the BᵀB update of the lower triangle
/// (blocks of 4096 rows, as the moments stream them) sequential and with rayon threads, then
/// eigenvalues and eigenvectors. Prints one line; for choosing the native path, not the bench.
fn faer_times(n: usize, d: usize) {
    use eigenlens::linalg::{native, scatter};
    use faer::Par;
    let mut rng = Rng::new(1);
    let x: Vec<f64> = (0..n * d).map(|_| rng.uniform() - 0.5).collect();
    type Update<'a> = &'a dyn Fn(&mut [f64], &[f64], usize);
    let gram = |f: Update| {
        let mut s = vec![0.0; d * d];
        let t = Instant::now();
        for block in x.chunks(4096 * d) {
            f(&mut s, block, block.len() / d);
        }
        (t.elapsed().as_secs_f64(), s)
    };
    let (t_plain, s_plain) = gram(&|s, b, r| scatter::add_gram_upper(s, d, b, r));
    let (t_seq, s_seq) = gram(&|s, b, r| native::add_gram_upper(s, d, b, r, Par::Seq));
    let (t_par, _) = gram(&|s, b, r| native::add_gram_upper(s, d, b, r, Par::rayon(0)));
    let mut diff = 0.0f64;
    for i in 0..d {
        for j in i..d {
            diff = diff.max((s_plain[i * d + j] - s_seq[i * d + j]).abs() / s_plain[i * d + i].abs().max(1.0));
        }
    }
    let mut c = s_plain;
    for i in 0..d {
        for j in 0..i {
            c[i * d + j] = c[j * d + i];
        }
    }
    let c: Vec<f64> = c.iter().map(|v| v / (n as f64 - 1.0)).collect();
    let t = Instant::now();
    let ours = eigenlens::linalg::eigen::eigenvalues_desc(&c, d);
    let t_ev = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let theirs = native::eigenvalues_asc(&c, d);
    let t_fv = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ours_v = eigenlens::linalg::eigen::eigen_desc(&c, d);
    let t_evec = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let theirs_v = native::eigen_asc(&c, d);
    let t_fvec = t.elapsed().as_secs_f64();
    let vdiff = match (&ours, &theirs) {
        (Ok(a), Some(b)) => a.iter().zip(b.iter().rev()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / a[0],
        _ => f64::NAN,
    };
    println!(
        "faer N = {n}, D = {d}: gram plain {t_plain:.3} s, faer seq {t_seq:.3} s, faer rayon {t_par:.3} s (max rel diff {diff:.1e}); \
         eigenvalues ours {t_ev:.3} s, faer {t_fv:.3} s (max diff / λ₁ {vdiff:.1e}); eigenvectors ours {t_evec:.3} s, faer {t_fvec:.3} s ({} / {})",
        ours_v.is_ok(),
        theirs_v.is_some()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut json = false;
    let mut with_nalgebra = true;
    let mut faer = false;
    let mut ceiling = false;
    let mut rows = 20000usize;
    let mut sizes = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--no-nalgebra" => with_nalgebra = false,
            "--faer" => faer = true,
            "--ceiling" => ceiling = true,
            "--rows" => match it.next().and_then(|v| v.parse().ok()) {
                Some(v) => rows = v,
                None => {
                    eprintln!("--rows needs a number");
                    std::process::exit(2);
                }
            },
            other => match other.parse() {
                Ok(d) => sizes.push(d),
                Err(_) => {
                    eprintln!("usage: kernels [--json] [--rows N] [--no-nalgebra] [--ceiling] [D...]");
                    std::process::exit(2);
                }
            },
        }
    }
    if sizes.is_empty() {
        sizes = vec![512, 1024, 2048];
    }
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    if ceiling {
        let c = simd_ceiling(100_000_000, &clock);
        if json {
            println!("{}", serde_json::to_string(&c).unwrap_or_else(|_| "{}".into()));
        } else {
            let fused = c.fused_gflops.map_or("–".to_string(), |g| format!("{g:.2}"));
            println!(
                "two-lane f64 SIMD ceiling: {:.2} GFLOP/s (multiply + add streams), {fused} GFLOP/s fused",
                c.gflops
            );
        }
        return;
    }
    let mut out = Vec::new();
    for d in sizes {
        if faer {
            faer_times(rows, d);
            continue;
        }
        let kernels = time_kernels(rows, d, 1, true, &clock);
        let (nv, ne) = if with_nalgebra {
            let (a, b) = nalgebra_times(rows.min(4 * d), d);
            (Some(a), Some(b))
        } else {
            (None, None)
        };
        if let Some(e) = &kernels.error {
            eprintln!("D = {d}: a kernel failed: {e}");
        }
        if !json {
            let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.3} s"));
            println!(
                "N = {rows}, D = {d}: covariance {:.3} s ({:.2} GFLOP/s), eigenvalues {:.3} s (nalgebra {}), eigenvectors {} (nalgebra {})",
                kernels.covariance_s,
                kernels.covariance_gflops,
                kernels.eigenvalues_s,
                f(nv),
                f(kernels.eigenvectors_s),
                f(ne)
            );
        }
        out.push(Row { kernels, nalgebra_eigenvalues_s: nv, nalgebra_eigenvectors_s: ne });
    }
    if json {
        println!("{}", serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()));
    }
}
