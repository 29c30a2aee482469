//! Streaming moments of a matrix: count, column means, scatter (centred cross-products),
//! and column ranges, accumulated over blocks of rows.
//!
//! Blocks are merged with the pairwise update of Chan, Golub & LeVeque (1979):
//! n = nₐ + n_b, δ = μ_b − μₐ, μ = μₐ + δ·n_b/n, M = Mₐ + M_b + δδᵀ·nₐn_b/n.
//! Each block is centred by its own mean before its scatter is formed, so large means do not
//! cancel, and partial moments from several workers can be merged in any order.

use super::scatter::add_gram_upper;
use crate::error::{DataError, Error, Result};

/// Running moments of the rows seen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    d: usize,
    n: u64,
    mean: Vec<f64>,
    /// Row-major d × d; only the upper triangle is meaningful.
    scatter: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Moments {
    pub fn new(d: usize) -> Self {
        Moments {
            d,
            n: 0,
            mean: vec![0.0; d],
            scatter: vec![0.0; d * d],
            min: vec![f64::INFINITY; d],
            max: vec![f64::NEG_INFINITY; d],
        }
    }

    pub fn dim(&self) -> usize {
        self.d
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Adds `n` rows (row-major, finite). The block is centred in place.
    pub fn add_block(&mut self, block: &mut [f64], n: usize) {
        let d = self.d;
        if n == 0 {
            return;
        }
        let mut block_mean = vec![0.0; d];
        for row in block[..n * d].chunks_exact(d) {
            for j in 0..d {
                block_mean[j] += row[j];
                self.min[j] = self.min[j].min(row[j]);
                self.max[j] = self.max[j].max(row[j]);
            }
        }
        for m in &mut block_mean {
            *m /= n as f64;
        }
        for row in block[..n * d].chunks_exact_mut(d) {
            for (x, m) in row.iter_mut().zip(&block_mean) {
                *x -= m;
            }
        }
        // The block's own scatter goes straight into ours; the δδᵀ term completes the merge.
        add_gram_upper(&mut self.scatter, d, &block[..n * d], n);
        self.merge_mean(&block_mean, n as u64);
    }

    /// Merges the moments of other rows of the same matrix (another worker's share).
    pub fn merge(&mut self, other: &Moments) -> Result<()> {
        if other.d != self.d {
            return Err(DataError::ShapeMismatch { left: (self.n, self.d), right: (other.n, other.d) }.into());
        }
        for i in 0..self.d {
            for j in i..self.d {
                self.scatter[i * self.d + j] += other.scatter[i * self.d + j];
            }
            self.min[i] = self.min[i].min(other.min[i]);
            self.max[i] = self.max[i].max(other.max[i]);
        }
        self.merge_mean(&other.mean, other.n);
        Ok(())
    }

    /// Updates count and mean with a part of `nb` rows of mean `mb` whose scatter is already
    /// added, adding the cross term δδᵀ·nₐn_b/n to the upper triangle.
    fn merge_mean(&mut self, mb: &[f64], nb: u64) {
        let (na, d) = (self.n, self.d);
        let n = na + nb;
        if nb == 0 {
            return;
        }
        if na > 0 {
            let w = na as f64 * nb as f64 / n as f64;
            let delta: Vec<f64> = mb.iter().zip(&self.mean).map(|(b, a)| b - a).collect();
            for i in 0..d {
                let di = delta[i] * w;
                let row = &mut self.scatter[i * d + i..i * d + d];
                for (s, dj) in row.iter_mut().zip(&delta[i..]) {
                    *s += di * dj;
                }
            }
            let f = nb as f64 / n as f64;
            for (a, dl) in self.mean.iter_mut().zip(&delta) {
                *a += dl * f;
            }
        } else {
            self.mean.copy_from_slice(mb);
        }
        self.n = n;
    }

    /// Columns whose maximum equals their minimum.
    pub fn constant_columns(&self) -> usize {
        self.min.iter().zip(&self.max).filter(|(lo, hi)| lo == hi).count()
    }

    /// The full symmetric covariance C = M / (N − 1), row-major.
    pub fn covariance(&self) -> Result<Vec<f64>> {
        if self.n < 2 {
            return Err(DataError::TooFewRows { rows: self.n }.into());
        }
        let d = self.d;
        let scale = 1.0 / (self.n - 1) as f64;
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in i..d {
                let v = self.scatter[i * d + j] * scale;
                c[i * d + j] = v;
                c[j * d + i] = v;
            }
        }
        Ok(c)
    }

    /// The moments as one flat array, so that a worker can hand its share of rows to another:
    /// `[d, n, mean (d), min (d), max (d), upper triangle of the scatter, row by row]`.
    pub fn to_flat(&self) -> Vec<f64> {
        let d = self.d;
        let mut out = Vec::with_capacity(2 + 3 * d + d * (d + 1) / 2);
        out.extend([d as f64, self.n as f64]);
        out.extend_from_slice(&self.mean);
        out.extend_from_slice(&self.min);
        out.extend_from_slice(&self.max);
        for i in 0..d {
            out.extend_from_slice(&self.scatter[i * d + i..(i + 1) * d]);
        }
        out
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote; a wrong length is an error, not a panic.
    pub fn from_flat(v: &[f64]) -> Result<Moments> {
        let bad = || Error::Setting(format!("malformed partial moments ({} values)", v.len()));
        let (&[d, n], rest) = v.split_first_chunk::<2>().ok_or_else(bad)?;
        if d < 0.0 || d.fract() != 0.0 || d > crate::analysis::MAX_UNITS as f64 || n < 0.0 || n.fract() != 0.0 {
            return Err(bad());
        }
        let d = d as usize;
        if rest.len() != 3 * d + d * (d + 1) / 2 {
            return Err(bad());
        }
        let mut m = Moments::new(d);
        m.n = n as u64;
        m.mean.copy_from_slice(&rest[..d]);
        m.min.copy_from_slice(&rest[d..2 * d]);
        m.max.copy_from_slice(&rest[2 * d..3 * d]);
        let mut tri = &rest[3 * d..];
        for i in 0..d {
            let (row, next) = tri.split_at(d - i);
            m.scatter[i * d + i..(i + 1) * d].copy_from_slice(row);
            tri = next;
        }
        Ok(m)
    }

    /// The covariance, formed in the scatter's own memory (the moments are used up): at large D
    /// this saves a second D × D matrix (512 MiB at D = 8192).
    pub fn into_covariance(mut self) -> Result<Vec<f64>> {
        if self.n < 2 {
            return Err(DataError::TooFewRows { rows: self.n }.into());
        }
        let d = self.d;
        let scale = 1.0 / (self.n - 1) as f64;
        for i in 0..d {
            for j in i..d {
                let v = self.scatter[i * d + j] * scale;
                self.scatter[i * d + j] = v;
                self.scatter[j * d + i] = v;
            }
        }
        Ok(self.scatter)
    }

    /// trace C, without forming C.
    pub fn total_variance(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        (0..self.d).map(|i| self.scatter[i * self.d + i]).sum::<f64>() / (self.n - 1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_cov(x: &[f64], n: usize, d: usize) -> Vec<f64> {
        let mean: Vec<f64> = (0..d).map(|j| (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64).collect();
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                c[i * d + j] =
                    (0..n).map(|k| (x[k * d + i] - mean[i]) * (x[k * d + j] - mean[j])).sum::<f64>() / (n - 1) as f64;
            }
        }
        c
    }

    #[test]
    fn blocks_and_merges_in_any_order_match_one_pass() {
        let (n, d) = (97, 6);
        // A large common offset: the Chan update must not cancel it away.
        let x: Vec<f64> = (0..n * d).map(|i| 1e6 + ((i * 31) % 17) as f64 * 0.25).collect();
        let want = naive_cov(&x, n, d);
        let mut parts = Vec::new();
        for (start, end) in [(0, 10), (10, 11), (11, 60), (60, 97)] {
            let mut m = Moments::new(d);
            let mut block = x[start * d..end * d].to_vec();
            m.add_block(&mut block, end - start);
            parts.push(m);
        }
        let mut total = parts.pop().unwrap();
        for p in parts.iter().rev() {
            total.merge(p).unwrap();
        }
        let got = total.covariance().unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-9, "{g} vs {w}");
        }
        assert_eq!(total.count(), n as u64);
    }

    #[test]
    fn flat_round_trip_is_exact_and_bad_lengths_are_errors() {
        let mut m = Moments::new(5);
        let mut block: Vec<f64> = (0..35).map(|i| (i as f64 * 0.7).sin()).collect();
        m.add_block(&mut block, 7);
        let flat = m.to_flat();
        // Only the upper triangle is meaningful, so compare what it carries.
        let back = Moments::from_flat(&flat).unwrap();
        assert_eq!(back.to_flat(), flat);
        assert_eq!(back.covariance().unwrap(), m.covariance().unwrap());
        assert_eq!(back.into_covariance().unwrap(), m.covariance().unwrap());
        assert!(Moments::from_flat(&flat[..flat.len() - 1]).is_err());
        assert!(Moments::from_flat(&[]).is_err());
        assert!(Moments::from_flat(&[-1.0, 0.0]).is_err());
    }

    #[test]
    fn fewer_than_two_rows_is_an_error() {
        let mut m = Moments::new(3);
        m.add_block(&mut [1.0, 2.0, 3.0], 1);
        assert_eq!(m.covariance().unwrap_err().to_string(), DataError::TooFewRows { rows: 1 }.to_string());
    }
}
