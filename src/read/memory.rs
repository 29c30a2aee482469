//! Rows of a matrix already in memory (synthetic codes, tests).

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
