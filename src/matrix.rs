//! A data set held in memory, for the analyses that need every row at once (row shuffles, lags
//! along a sweep, the bootstrap) and for synthetic codes.
//!
//! [`Matrix`] is the data container: N rows of D values, row-major as the readers deliver them,
//! with a memory limit on the way in. It is not the linear-algebra type: eigenvectors and
//! orthogonal matrices are [`crate::linalg::Mat`] (column-major, as the solvers work). The two
//! meet without a copy where a product needs the rows: the row-major data of an N × D
//! `Matrix` is the column-major data of its D × N transpose (`Mat::from_col_major(d, n, data)`).
//!
//! This module sits above the readers (it reads [`RowBlocks`] and writes `.npy`); the readers
//! must not use it back.

use crate::error::{DataError, Result};
use crate::read::RowBlocks;

pub use crate::limits::DEFAULT_MEMORY_LIMIT;

/// A dense matrix held in memory, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The matrix as a little-endian f32 `.npy` file (for the demo download and tests).
    pub fn to_npy_f32(&self) -> Vec<u8> {
        let mut out = crate::read::npy::header_bytes("<f4", &[self.rows as u64, self.cols as u64]);
        out.reserve(self.data.len() * 4);
        for v in &self.data {
            out.extend_from_slice(&(*v as f32).to_le_bytes());
        }
        out
    }

    /// Reads every row from `rows`, refusing before it allocates when N·D would exceed
    /// `max_values` (checked against the format's row count, and again as rows arrive).
    pub fn read_all(rows: &mut dyn RowBlocks, max_values: u64) -> Result<Matrix> {
        let cols = rows.cols();
        let too_large = |values: u64| DataError::TooLargeForMemory { values, limit: max_values };
        if let Some(n) = rows.rows_hint() {
            let values = n.saturating_mul(cols as u64);
            if values > max_values {
                return Err(too_large(values).into());
            }
        }
        let mut data = Vec::new();
        let mut block = Vec::new();
        let mut n_rows = 0usize;
        loop {
            let n = rows.next_block(&mut block)?;
            if n == 0 {
                break;
            }
            n_rows += n;
            let values = (n_rows as u64).saturating_mul(cols as u64);
            if values > max_values {
                return Err(too_large(values).into());
            }
            data.extend_from_slice(&block[..n * cols]);
        }
        Ok(Matrix { rows: n_rows, cols, data })
    }
}
