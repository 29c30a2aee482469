//! Streaming moments of a matrix: count, column means, scatter (centred cross-products),
//! and column ranges, accumulated over blocks of rows.
//!
//! Blocks are merged with the pairwise update of Chan, Golub & LeVeque (1979):
//! n = nₐ + n_b, δ = μ_b − μₐ, μ = μₐ + δ·n_b/n, M = Mₐ + M_b + δδᵀ·nₐn_b/n.
//! Each block is centred by its own mean before its scatter is formed, so large means do not
//! cancel, and partial moments from several workers can be merged in any order.

use crate::error::{DataError, Result, ShareError};
use crate::limits::MAX_UNITS;
use crate::linalg::scatter::add_gram_upper;

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

    /// Merges the moments of other rows of the same matrix (another worker's share). Shares of
    /// different widths are [`ShareError::UnequalUnits`].
    pub fn merge(&mut self, other: &Moments) -> Result<()> {
        if other.d != self.d {
            return Err(ShareError::UnequalUnits { left: self.d, right: other.d }.into());
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

    /// Refuses moments whose covariance cannot be used: fewer than two rows, or a covariance that
    /// overflows double precision. The rule: every mean and scatter entry finite, and the trace
    /// T = tr C below √(largest double) ≈ 1.3e154, so that Σλ² = ‖C‖²_F ≤ T² (C is positive
    /// semi-definite) is finite for the participation ratio. Values past ~1e154 square to ±Inf
    /// and fail the first test; the column named is the first whose mean or variance is not
    /// finite, else the first holding a non-finite cross term, else the one of largest variance.
    fn check_covariance(&self) -> Result<()> {
        if self.n < 2 {
            return Err(DataError::TooFewRows { rows: self.n }.into());
        }
        let d = self.d;
        let scale = 1.0 / (self.n - 1) as f64;
        let variance = |i: usize| self.scatter[i * d + i] * scale;
        let bad_column = (0..d)
            .find(|&i| !self.mean[i].is_finite() || !variance(i).is_finite())
            .or_else(|| (0..d).find(|&i| self.scatter[i * d + i..(i + 1) * d].iter().any(|v| !v.is_finite())))
            .or_else(|| {
                let trace: f64 = (0..d).map(variance).sum();
                if (trace * trace).is_finite() {
                    None
                } else {
                    (0..d).max_by(|&a, &b| variance(a).total_cmp(&variance(b)))
                }
            });
        match bad_column {
            None => Ok(()),
            Some(col) => {
                let max_abs = self.min.iter().chain(&self.max).fold(0.0f64, |m, v| m.max(v.abs()));
                Err(DataError::CovarianceOverflow { col, variance: variance(col), max_abs }.into())
            }
        }
    }

    /// The full symmetric covariance C = M / (N − 1), row-major. An error for fewer than two
    /// rows, and [`DataError::CovarianceOverflow`] when it overflows (see `check_covariance`).
    pub fn covariance(&self) -> Result<Vec<f64>> {
        self.check_covariance()?;
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

    /// Reads what [`to_flat`](Self::to_flat) wrote; anything else is [`ShareError::Malformed`]
    /// saying what is wrong, not a panic.
    pub fn from_flat(v: &[f64]) -> Result<Moments> {
        let bad = |detail: String| -> crate::error::Error { ShareError::Malformed { values: v.len(), detail }.into() };
        let (&[d, n], rest) = v.split_first_chunk::<2>().ok_or_else(|| bad("fewer than 2 values".into()))?;
        if !(0.0..=MAX_UNITS as f64).contains(&d) || d.fract() != 0.0 {
            return Err(bad(format!("d = {d} is not a whole number of units from 0 to {MAX_UNITS}")));
        }
        if !(0.0..=u64::MAX as f64).contains(&n) || n.fract() != 0.0 {
            return Err(bad(format!("n = {n} is not a whole number of rows")));
        }
        let d = d as usize;
        let want = 2 + 3 * d + d * (d + 1) / 2;
        if v.len() != want {
            return Err(bad(format!("d = {d} needs {want} values")));
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
    /// this saves a second D × D matrix (512 MiB at D = 8192). The same errors as
    /// [`covariance`](Self::covariance).
    pub fn into_covariance(mut self) -> Result<Vec<f64>> {
        self.check_covariance()?;
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
    use crate::error::Error;

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
        let malformed = |values: usize, detail: &str| -> Error {
            ShareError::Malformed { values, detail: detail.to_string() }.into()
        };
        let n = flat.len();
        assert_eq!(Moments::from_flat(&flat[..n - 1]).unwrap_err(), malformed(n - 1, "d = 5 needs 32 values"));
        assert_eq!(Moments::from_flat(&[]).unwrap_err(), malformed(0, "fewer than 2 values"));
        let e = Moments::from_flat(&[-1.0, 0.0]).unwrap_err();
        assert_eq!(e, malformed(2, "d = -1 is not a whole number of units from 0 to 16384"));
        assert!(e.to_string().starts_with("malformed share of partial moments (2 values): d = -1 is not"), "{e}");
        assert_eq!(Moments::from_flat(&[0.0, 2.5]).unwrap_err(), malformed(2, "n = 2.5 is not a whole number of rows"));
        assert_eq!(Moments::from_flat(&[0.0, 3.0]).unwrap().count(), 3);
    }

    #[test]
    fn merging_shares_of_different_widths_is_a_typed_error() {
        let mut a = Moments::new(3);
        a.add_block(&mut [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], 2);
        let e = a.merge(&Moments::new(2)).unwrap_err();
        assert_eq!(e, ShareError::UnequalUnits { left: 3, right: 2 }.into());
        assert_eq!(
            e.to_string(),
            "cannot merge partial moments of 3 units with partial moments of 2 units: the shares must \
             come from the same array"
        );
    }

    #[test]
    fn an_overflowing_covariance_names_the_column() {
        // Column 1 holds values near 1e200: finite, but their squares (1e400) are not.
        let mut m = Moments::new(3);
        m.add_block(&mut [1.0, 1e200, 2.0, 2.0, -1e200, 1.0, 3.0, 3e200, 0.0], 3);
        let e = m.covariance().unwrap_err();
        assert!(
            matches!(e, Error::Data(DataError::CovarianceOverflow { col: 1, variance, max_abs })
                if variance == f64::INFINITY && max_abs == 3e200),
            "{e:?}"
        );
        assert!(e.to_string().contains("column 1 (0-based) has variance inf; divide the data by 1e200"), "{e}");
        assert_eq!(m.into_covariance().unwrap_err(), e);
        // Every variance finite (≈ 1e300) but the total past √(largest double): Σλ² would
        // overflow. Named: the column of largest variance (column 2, values ±2e150).
        let mut m = Moments::new(3);
        m.add_block(&mut [1e150, 0.0, 2e150, -1e150, 1.0, -2e150], 2);
        let e = m.covariance().unwrap_err();
        assert!(matches!(e, Error::Data(DataError::CovarianceOverflow { col: 2, .. })), "{e:?}");
        // Large but safe: 1e75 squares to 1e150.
        let mut m = Moments::new(2);
        m.add_block(&mut [1e75, 0.0, -1e75, 1.0], 2);
        assert!((m.covariance().unwrap()[0] / 2e150 - 1.0).abs() < 1e-15);
    }

    #[test]
    fn fewer_than_two_rows_is_an_error() {
        let mut m = Moments::new(3);
        m.add_block(&mut [1.0, 2.0, 3.0], 1);
        assert_eq!(m.covariance().unwrap_err().to_string(), DataError::TooFewRows { rows: 1 }.to_string());
    }
}
