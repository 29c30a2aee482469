//! The heavy kernels timed alone, for the benchmark: the covariance (streamed moments and
//! their scatter), all eigenvalues, and eigenvalues with eigenvectors. The same code runs
//! natively (`examples/kernels.rs`) and in wasm (`benchKernels`), each with its own clock.

use crate::linalg::eigen::{eigen_desc, eigenvalues_desc};
use crate::rng::Rng;
use crate::stats::Moments;
use serde::Serialize;

/// Seconds taken by each kernel on an `n × d` matrix, and the covariance's speed.
#[derive(Debug, Clone, Serialize)]
pub struct KernelTimings {
    pub n: usize,
    pub d: usize,
    pub covariance_s: f64,
    /// n·d² floating-point operations (the upper triangle's n·d(d+1)/2 multiply-adds) per second.
    pub covariance_gflops: f64,
    pub eigenvalues_s: f64,
    /// None when not asked for (it is the slowest kernel at large D).
    pub eigenvectors_s: Option<f64>,
    /// Why a kernel failed, if one did (its time is then the time to the failure). Random
    /// uniform data does not make any fail; the field keeps a failure from passing as a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Times the kernels on a random `n × d` matrix (uniform, seeded; made before the clock starts).
/// `clock` returns seconds.
pub fn time_kernels(n: usize, d: usize, seed: u64, vectors: bool, clock: &dyn Fn() -> f64) -> KernelTimings {
    let mut rng = Rng::new(seed);
    let block_rows = 4096;
    let blocks: Vec<Vec<f64>> = (0..n.div_ceil(block_rows))
        .map(|b| (0..(n - b * block_rows).min(block_rows) * d).map(|_| rng.uniform() - 0.5).collect())
        .collect();
    let t = clock();
    let mut moments = Moments::new(d);
    for mut block in blocks {
        let rows = block.len() / d.max(1);
        moments.add_block(&mut block, rows);
    }
    let covariance = moments.covariance();
    let covariance_s = clock() - t;
    let mut errors = Vec::new();
    let covariance = covariance.unwrap_or_else(|e| {
        errors.push(format!("covariance: {e}"));
        Vec::new()
    });
    let t = clock();
    if let Err(e) = eigenvalues_desc(&covariance, d) {
        errors.push(format!("eigenvalues: {e}"));
    }
    let eigenvalues_s = clock() - t;
    let eigenvectors_s = vectors.then(|| {
        let t = clock();
        if let Err(e) = eigen_desc(&covariance, d) {
            errors.push(format!("eigenvectors: {e}"));
        }
        clock() - t
    });
    KernelTimings {
        n,
        d,
        covariance_s,
        covariance_gflops: n as f64 * (d * d) as f64 / covariance_s / 1e9,
        eigenvalues_s,
        eigenvectors_s,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}
