//! A row range `[from, to)` over any [`RowBlocks`], for readers that cannot seek to a row
//! (delimited text): rows before `from` are read and skipped, reading stops at `to`.
//! Binary readers seek instead (see [`DenseRows::new`](super::DenseRows::new)).

use super::{Progress, RowBlocks};
use crate::error::Result;
use std::ops::Range;

pub struct RangeRows<R> {
    inner: R,
    range: Range<u64>,
    /// Rows of a block read past the ones already handed out.
    buffer: Vec<f64>,
}

impl<R: RowBlocks> RangeRows<R> {
    pub fn new(inner: R, range: Range<u64>) -> Self {
        RangeRows { inner, range, buffer: Vec::new() }
    }
}

impl<R: RowBlocks> RowBlocks for RangeRows<R> {
    fn cols(&self) -> usize {
        self.inner.cols()
    }
    fn rows_hint(&self) -> Option<u64> {
        None
    }
    fn position(&self) -> u64 {
        self.inner.position().max(self.range.start)
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        let cols = self.inner.cols().max(1);
        loop {
            let first = self.inner.position();
            if first >= self.range.end {
                out.clear();
                return Ok(0);
            }
            let n = self.inner.next_block(&mut self.buffer)?;
            if n == 0 {
                out.clear();
                return Ok(0);
            }
            let last = first + n as u64;
            let from = self.range.start.clamp(first, last);
            let to = self.range.end.clamp(first, last);
            if from < to {
                let (a, b) = ((from - first) as usize, (to - first) as usize);
                out.clear();
                out.extend_from_slice(&self.buffer[a * cols..b * cols]);
                return Ok(b - a);
            }
        }
    }
    fn progress(&self) -> Progress {
        self.inner.progress()
    }
}
