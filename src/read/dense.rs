//! A dense array stored in a byte range of a [`Source`], read as a matrix of rows × units
//! in blocks of rows.
//!
//! This is the one place that knows how C and Fortran order lay rows out on disk, and how a
//! 3-D `[S, T, H]` tensor becomes `[S·T, H]` (row `s·T + t`). Containers (.npy, .npz,
//! safetensors) only find the array and hand its description here.

use super::dtype::DType;
use super::source::Source;
use super::{Progress, RowBlocks};
use crate::error::{DataError, Error, FormatError, Result};
use serde::{Deserialize, Serialize};

/// Where a dense array lives and how it is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseArray {
    /// Byte offset of the first element.
    pub offset: u64,
    pub dtype: DType,
    /// The stored shape.
    pub shape: Vec<u64>,
    /// Column-major (Fortran) order on disk.
    pub fortran_order: bool,
}

/// What a reader found, for display before and after analysis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArrayInfo {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub fortran_order: bool,
    /// Rows and columns of the matrix as analysed.
    pub rows: u64,
    pub cols: usize,
    /// How a 3-D tensor was flattened, when it was.
    pub flattened: Option<String>,
    pub data_bytes: u64,
}

impl DenseArray {
    /// Checks the shape and returns (rows, cols) of the matrix view.
    pub fn matrix_shape(&self) -> Result<(u64, usize)> {
        let bad = |detail: &str| FormatError::BadShape { shape: self.shape.clone(), detail: detail.to_string() };
        let (rows, cols) = match self.shape.as_slice() {
            [] => return Err(bad("a 0-D array is a single number").into()),
            [_] => {
                return Err(bad(
                    "a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor",
                )
                .into())
            }
            [n, d] => (Some(*n), *d),
            [s, t, h] => (s.checked_mul(*t), *h),
            _ => return Err(bad("more than 3 dimensions; reshape to [N, D] first").into()),
        };
        let rows = rows.ok_or_else(|| Error::from(bad("the number of rows overflows")))?;
        let cols = usize::try_from(cols).map_err(|_| Error::from(bad("too many columns")))?;
        if cols == 0 {
            return Err(DataError::NoColumns.into());
        }
        Ok((rows, cols))
    }

    /// Total bytes of element data, or an error when the shape overflows.
    pub fn data_bytes(&self) -> Result<u64> {
        self.shape.iter().try_fold(self.dtype.size() as u64, |acc, &d| acc.checked_mul(d)).ok_or_else(|| {
            FormatError::BadShape { shape: self.shape.clone(), detail: "the size overflows".into() }.into()
        })
    }

    /// Fails with [`FormatError::TruncatedData`] when the source is shorter than the header says.
    pub fn check_fits(&self, source_len: u64) -> Result<()> {
        let need = self.data_bytes()?;
        let have = source_len.saturating_sub(self.offset);
        if have < need {
            let (_, cols) = self.matrix_shape()?;
            let row_bytes = (cols * self.dtype.size()) as u64;
            let rows_complete = if self.fortran_order { 0 } else { have / row_bytes.max(1) };
            return Err(FormatError::TruncatedData { expected_bytes: need, actual_bytes: have, rows_complete }.into());
        }
        Ok(())
    }

    pub fn info(&self, name: &str) -> Result<ArrayInfo> {
        let (rows, cols) = self.matrix_shape()?;
        let flattened = (self.shape.len() == 3).then(|| {
            format!(
                "3-D [S={}, T={}, H={}] read as [S·T={}, H={}], row s·T + t",
                self.shape[0], self.shape[1], self.shape[2], rows, cols
            )
        });
        Ok(ArrayInfo {
            name: name.to_string(),
            dtype: self.dtype.name().to_string(),
            shape: self.shape.clone(),
            fortran_order: self.fortran_order,
            rows,
            cols,
            flattened,
            data_bytes: self.data_bytes()?,
        })
    }

    /// Byte offset of element (row, col) of the matrix view.
    fn element_offset(&self, row: u64, col: u64, rows: u64, cols: u64) -> u64 {
        let size = self.dtype.size() as u64;
        let index = if !self.fortran_order {
            row * cols + col
        } else if self.shape.len() == 3 {
            // [S, T, H] column-major: (s, t, h) at s + S·t + S·T·h.
            let (s_dim, t_dim) = (self.shape[0], self.shape[1]);
            let (s, t) = (row / t_dim, row % t_dim);
            s + s_dim * t + s_dim * t_dim * col
        } else {
            row + rows * col
        };
        self.offset + index * size
    }
}

/// Reads a [`DenseArray`] in blocks of rows, restricted to a row range.
pub struct DenseRows<S: Source> {
    source: S,
    array: DenseArray,
    rows: u64,
    cols: usize,
    next_row: u64,
    end_row: u64,
    block_rows: usize,
    raw: Vec<u8>,
    column: Vec<f64>,
    bytes_read: u64,
}

/// Bytes aimed for in one read: large enough to amortise a browser read, small next to D².
pub const TARGET_CHUNK_BYTES: usize = 8 << 20;

impl<S: Source> DenseRows<S> {
    /// Reads rows `range` (clamped to the matrix) of `array` from `source`.
    pub fn new(source: S, array: DenseArray, range: Option<std::ops::Range<u64>>) -> Result<Self> {
        let (rows, cols) = array.matrix_shape()?;
        array.check_fits(source.len())?;
        let range = range.unwrap_or(0..rows);
        let (start, end) = (range.start.min(rows), range.end.min(rows));
        let row_bytes = cols * array.dtype.size();
        let block_rows = (TARGET_CHUNK_BYTES / row_bytes.max(1)).clamp(1, 1 << 16);
        Ok(DenseRows {
            source,
            array,
            rows,
            cols,
            next_row: start,
            end_row: end.max(start),
            block_rows,
            raw: Vec::new(),
            column: Vec::new(),
            bytes_read: 0,
        })
    }

    fn short_read(&self) -> Error {
        FormatError::TruncatedData {
            expected_bytes: self.array.data_bytes().unwrap_or(0),
            actual_bytes: self.source.len().saturating_sub(self.array.offset),
            rows_complete: self.next_row,
        }
        .into()
    }

    /// Reads `count` elements at `offset` into `dst`, failing with a truncation error.
    fn read_elements(&mut self, offset: u64, dst: &mut [f64]) -> Result<()> {
        let size = self.array.dtype.size();
        self.raw.resize(dst.len() * size, 0);
        let mut raw = std::mem::take(&mut self.raw);
        let short = self.short_read();
        let res = self.source.read_exact_at(offset, &mut raw, |_| short);
        if res.is_ok() {
            self.array.dtype.decode(&raw, dst);
            self.bytes_read += raw.len() as u64;
        }
        self.raw = raw;
        res
    }

    /// One column's values for rows `r0..r1` of a Fortran-ordered array, with as few reads as
    /// the layout allows: one for a 2-D array; one per t for a 3-D `[S, T, H]` one, where the
    /// rows of equal t (every T-th row) are the contiguous ones.
    fn read_fortran_column(&mut self, col: usize, r0: u64, r1: u64) -> Result<()> {
        let n = (r1 - r0) as usize;
        let mut column = std::mem::take(&mut self.column);
        column.resize(n, 0.0);
        let t_dim = if self.array.shape.len() == 3 { self.array.shape[1].max(1) } else { 1 };
        let result = if t_dim == 1 {
            let offset = self.array.element_offset(r0, col as u64, self.rows, self.cols as u64);
            self.read_elements(offset, &mut column)
        } else {
            let mut run = Vec::new();
            let mut result = Ok(());
            for t in 0..t_dim {
                let first = r0 + (t + t_dim - r0 % t_dim) % t_dim;
                if first >= r1 {
                    continue;
                }
                let count = ((r1 - 1 - first) / t_dim + 1) as usize;
                run.resize(count, 0.0);
                let offset = self.array.element_offset(first, col as u64, self.rows, self.cols as u64);
                result = self.read_elements(offset, &mut run);
                if result.is_err() {
                    break;
                }
                for (k, v) in run.iter().enumerate() {
                    column[(first - r0) as usize + k * t_dim as usize] = *v;
                }
            }
            result
        };
        self.column = column;
        result
    }
}

impl<S: Source> RowBlocks for DenseRows<S> {
    fn cols(&self) -> usize {
        self.cols
    }

    fn rows_hint(&self) -> Option<u64> {
        Some(self.end_row - self.next_row.min(self.end_row))
    }

    fn progress(&self) -> Progress {
        Progress { bytes_done: self.bytes_read, bytes_total: self.array.data_bytes().unwrap_or(0) }
    }

    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        if self.next_row >= self.end_row {
            return Ok(0);
        }
        let (r0, r1) = (self.next_row, (self.next_row + self.block_rows as u64).min(self.end_row));
        let n = (r1 - r0) as usize;
        let cols = self.cols;
        out.clear();
        out.resize(n * cols, 0.0);
        if !self.array.fortran_order {
            let offset = self.array.element_offset(r0, 0, self.rows, cols as u64);
            self.read_elements(offset, out)?;
        } else {
            for col in 0..cols {
                self.read_fortran_column(col, r0, r1)?;
                for (i, v) in self.column.iter().enumerate() {
                    out[i * cols + col] = *v;
                }
            }
        }
        self.next_row = r1;
        Ok(n)
    }

    fn position(&self) -> u64 {
        self.next_row
    }
}
