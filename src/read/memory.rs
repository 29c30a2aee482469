//! Rows of a matrix already in memory (synthetic codes, tests, a transposed text table).

use super::{Progress, RowBlocks};
use crate::error::Result;

/// Blocks of rows over a row-major slice.
pub struct SliceRows<'a> {
    data: &'a [f64],
    cols: usize,
    next: usize,
    block_rows: usize,
}

impl<'a> SliceRows<'a> {
    pub fn new(data: &'a [f64], cols: usize) -> Self {
        SliceRows { data, cols, next: 0, block_rows: 4096 }
    }

    fn rows(&self) -> usize {
        self.data.len() / self.cols.max(1)
    }
}

impl RowBlocks for SliceRows<'_> {
    fn cols(&self) -> usize {
        self.cols
    }
    fn rows_hint(&self) -> Option<u64> {
        Some((self.rows() - self.next) as u64)
    }
    fn position(&self) -> u64 {
        self.next as u64
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        let n = self.block_rows.min(self.rows() - self.next);
        out.clear();
        out.extend_from_slice(&self.data[self.next * self.cols..(self.next + n) * self.cols]);
        self.next += n;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        let bytes = |rows: usize| (rows * self.cols * 8) as u64;
        Progress { bytes_done: bytes(self.next), bytes_total: bytes(self.rows()) }
    }
}

/// Blocks of rows over an owned row-major matrix, restricted to a row range.
pub struct OwnedRows {
    data: Vec<f64>,
    cols: usize,
    total: u64,
    next: u64,
    end: u64,
    block_rows: usize,
}

impl OwnedRows {
    /// `data` holds rows of `cols` values; only rows `range` (clamped) are served.
    pub fn new(data: Vec<f64>, cols: usize, range: Option<std::ops::Range<u64>>) -> Self {
        let total = (data.len() / cols.max(1)) as u64;
        let range = range.unwrap_or(0..total);
        let (next, end) = (range.start.min(total), range.end.min(total));
        let block_rows = ((1usize << 20) / cols.max(1)).clamp(1, 1 << 16);
        OwnedRows { data, cols, total, next, end: end.max(next), block_rows }
    }

    /// Rows of the whole matrix held (not only those of the range).
    pub fn total_rows(&self) -> u64 {
        self.total
    }
}

impl RowBlocks for OwnedRows {
    fn cols(&self) -> usize {
        self.cols
    }
    fn rows_hint(&self) -> Option<u64> {
        Some(self.end - self.next)
    }
    fn position(&self) -> u64 {
        self.next
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        let n = (self.block_rows as u64).min(self.end - self.next) as usize;
        let start = self.next as usize * self.cols;
        out.clear();
        out.extend_from_slice(&self.data[start..start + n * self.cols]);
        self.next += n as u64;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        let bytes = |rows: u64| rows * self.cols as u64 * 8;
        Progress { bytes_done: bytes(self.next), bytes_total: bytes(self.end) }
    }
}
