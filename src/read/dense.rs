//! A dense array stored in a byte range of a [`Source`], read as a matrix of rows × units
//! in blocks of rows.
//!
//! This is the one place that knows how C and Fortran order lay rows out on disk, and how a
//! 3-D `[S, T, H]` tensor becomes `[S·T, H]` (row `s·T + t`). Containers (.npy, .npz,
//! safetensors) only find the array and hand its description here.

use super::dtype::DType;
use super::options::ReadOptions;
use super::source::Source;
use super::{Progress, RowBlocks};
use crate::error::{DataError, Error, FormatError, Result};
use serde::{Deserialize, Serialize};

/// Where a dense array lives and how it is laid out, and how it is to be read.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseArray {
    /// Byte offset of the first element.
    pub offset: u64,
    pub dtype: DType,
    /// The stored shape.
    pub shape: Vec<u64>,
    /// Column-major (Fortran) order on disk.
    pub fortran_order: bool,
    /// Read a 2-D array's columns as rows ([`ReadOptions::transpose`]).
    pub transposed: bool,
    /// Positions dropped at the start of every sequence of a 3-D array
    /// ([`ReadOptions::skip_positions`]).
    pub skip_positions: u64,
}

/// What a reader found, for display before and after analysis.
///
/// [`list_arrays`](super::list_arrays) returns one for every array of a file, including those
/// that cannot be analysed (`analysable` false, `why` says why; `rows` and `cols` are then 0).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArrayInfo {
    pub name: String,
    pub dtype: String,
    /// The stored shape (empty for text, whose shape is known only once read).
    pub shape: Vec<u64>,
    pub fortran_order: bool,
    /// Rows and columns of the matrix as analysed (rows 0 for text: not known before reading).
    pub rows: u64,
    pub cols: usize,
    /// How the stored array becomes rows × units when not as stored: a 3-D tensor flattened
    /// (and positions skipped), a 2-D array transposed.
    pub flattened: Option<String>,
    pub data_bytes: u64,
    /// What eigenlens guessed to read the file (a header row, an index column, the decimal
    /// mark, the array chosen, the orientation), each with how to override it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guesses: Vec<String>,
    /// Whether the array can be analysed as rows × units.
    #[serde(default = "yes")]
    pub analysable: bool,
    /// Why it cannot, when it cannot (1-D, 0-D, strings, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// For a 3-D tensor: rows per sequence as read (T minus the skipped positions); each
    /// consecutive run of this many rows is one sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_len: Option<u64>,
}

fn yes() -> bool {
    true
}

impl Default for ArrayInfo {
    fn default() -> Self {
        ArrayInfo {
            name: String::new(),
            dtype: String::new(),
            shape: Vec::new(),
            fortran_order: false,
            rows: 0,
            cols: 0,
            flattened: None,
            data_bytes: 0,
            guesses: Vec::new(),
            analysable: true,
            why: None,
            sequence_len: None,
        }
    }
}

impl ArrayInfo {
    /// An array that cannot be analysed, for listing: `why` is the reason.
    pub fn unanalysable(name: &str, dtype: &str, shape: Vec<u64>, why: String) -> ArrayInfo {
        ArrayInfo {
            name: name.to_string(),
            dtype: dtype.to_string(),
            shape,
            analysable: false,
            why: Some(why),
            ..ArrayInfo::default()
        }
    }
}

/// The detail of a shape error, for `why` (the full message says "cannot read …" around it).
pub(crate) fn why_of(e: &Error) -> String {
    match e {
        Error::Format(FormatError::BadShape { detail, .. }) => detail.clone(),
        other => other.to_string(),
    }
}

/// Above this ratio of units to rows, the orientation is stated as a guess.
const WIDE: u64 = 2;

impl DenseArray {
    /// An array as stored, read as stored.
    pub fn new(offset: u64, dtype: DType, shape: Vec<u64>, fortran_order: bool) -> Self {
        DenseArray { offset, dtype, shape, fortran_order, transposed: false, skip_positions: 0 }
    }

    /// The same array to be read with `options` (transpose, skipped positions); fails when an
    /// option does not apply to its shape.
    pub fn with_options(mut self, options: &ReadOptions) -> Result<Self> {
        if options.transpose {
            if self.shape.len() != 2 {
                return Err(Error::Setting(format!(
                    "transpose applies to a 2-D array (units × samples); this one is {}-D {:?}",
                    self.shape.len(),
                    self.shape
                )));
            }
            self.transposed = true;
        }
        if options.skip_positions > 0 {
            let k = options.skip_positions as u64;
            match *self.shape.as_slice() {
                [_, t, _] if k < t => self.skip_positions = k,
                [_, t, _] => {
                    return Err(Error::Setting(format!(
                        "skip positions = {k} leaves nothing of sequences of T = {t} positions; skip fewer than {t}"
                    )))
                }
                _ => {
                    return Err(Error::Setting(format!(
                        "skip positions applies to a 3-D [S, T, H] tensor; this array is {}-D {:?}",
                        self.shape.len(),
                        self.shape
                    )))
                }
            }
        }
        Ok(self)
    }

    /// The shape and order the matrix is read from: the stored ones, or for a transposed 2-D
    /// array the reversed shape in the other order (the same bytes).
    fn view(&self) -> (Vec<u64>, bool) {
        if self.transposed && self.shape.len() == 2 {
            (vec![self.shape[1], self.shape[0]], !self.fortran_order)
        } else {
            (self.shape.clone(), self.fortran_order)
        }
    }

    /// Checks the shape and returns (rows, cols) of the matrix view.
    pub fn matrix_shape(&self) -> Result<(u64, usize)> {
        let bad = |detail: &str| FormatError::BadShape { shape: self.shape.clone(), detail: detail.to_string() };
        let (shape, _) = self.view();
        let (rows, cols) = match shape.as_slice() {
            [] => return Err(bad("a 0-D array is a single number").into()),
            [_] => {
                return Err(bad(
                    "a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor",
                )
                .into())
            }
            [n, d] => (Some(*n), *d),
            [s, t, h] => (s.checked_mul(t.saturating_sub(self.skip_positions)), *h),
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
            let rows_complete = if self.view().1 { 0 } else { have / row_bytes.max(1) };
            return Err(FormatError::TruncatedData { expected_bytes: need, actual_bytes: have, rows_complete }.into());
        }
        Ok(())
    }

    /// What the array is and how it is read; fails when it cannot be read as rows × units.
    pub fn info(&self, name: &str) -> Result<ArrayInfo> {
        let (rows, cols) = self.matrix_shape()?;
        let k = self.skip_positions;
        let (flattened, sequence_len) = match *self.shape.as_slice() {
            [s, t, h] if k == 0 => {
                (Some(format!("3-D [S={s}, T={t}, H={h}] read as [S·T={rows}, H={h}], row s·T + t")), Some(t))
            }
            [s, t, h] => (
                Some(format!(
                    "3-D [S={s}, T={t}, H={h}] read as [S·(T−{k})={rows}, H={h}] without the first {k} position(s) \
                     of each sequence, row s·(T−{k}) + (t−{k})"
                )),
                Some(t - k),
            ),
            [a, b] if self.transposed => {
                (Some(format!("stored [{a}, {b}] (units × samples), read transposed as [{b}, {a}]")), None)
            }
            _ => (None, None),
        };
        let mut guesses = Vec::new();
        if !self.transposed && self.shape.len() == 2 && cols as u64 > WIDE * rows {
            guesses.push(format!(
                "rows are samples and columns units ({rows} samples × {cols} units); if the rows are units \
                 (neurons × time, as Suite2p saves), transpose"
            ));
        }
        Ok(ArrayInfo {
            name: name.to_string(),
            dtype: self.dtype.name().to_string(),
            shape: self.shape.clone(),
            fortran_order: self.fortran_order,
            rows,
            cols,
            flattened,
            data_bytes: self.data_bytes()?,
            guesses,
            sequence_len,
            ..ArrayInfo::default()
        })
    }

    /// [`info`](Self::info), or for an array that cannot be analysed, its name, dtype and
    /// shape with the reason.
    pub fn describe(&self, name: &str) -> ArrayInfo {
        self.info(name).unwrap_or_else(|e| ArrayInfo {
            data_bytes: self.data_bytes().unwrap_or(0),
            fortran_order: self.fortran_order,
            ..ArrayInfo::unanalysable(name, self.dtype.name(), self.shape.clone(), why_of(&e))
        })
    }

    /// Byte offset of element (row, col) of the matrix view.
    fn element_offset(&self, row: u64, col: u64, rows: u64, cols: u64) -> u64 {
        let size = self.dtype.size() as u64;
        let (shape, fortran) = self.view();
        let index = if shape.len() == 3 {
            // View row r is position t = k + r mod (T − k) of sequence s = r div (T − k).
            let (s_dim, t_dim, k) = (shape[0], shape[1], self.skip_positions);
            let (s, t) = (row / (t_dim - k), k + row % (t_dim - k));
            if fortran {
                // [S, T, H] column-major: (s, t, h) at s + S·t + S·T·h.
                s + s_dim * t + s_dim * t_dim * col
            } else {
                (s * t_dim + t) * cols + col
            }
        } else if fortran {
            row + rows * col
        } else {
            row * cols + col
        };
        self.offset + index * size
    }

    /// View rows per sequence (T − k) of a 3-D array; 1 for a 2-D one.
    fn rows_per_sequence(&self) -> u64 {
        match *self.shape.as_slice() {
            [_, t, _] => (t - self.skip_positions).max(1),
            _ => 1,
        }
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
    /// the layout allows: one for a 2-D array; one per position t for a 3-D `[S, T, H]` one,
    /// where the rows of equal t (every (T − k)-th row of the view) are the contiguous ones.
    fn read_fortran_column(&mut self, col: usize, r0: u64, r1: u64) -> Result<()> {
        let n = (r1 - r0) as usize;
        let mut column = std::mem::take(&mut self.column);
        column.resize(n, 0.0);
        let t_dim = self.array.rows_per_sequence();
        let result = if self.array.shape.len() != 3 {
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

    /// Rows `r0..r1` of a C-ordered array into `out`: one read, or with skipped positions one
    /// per sequence (the rows of a sequence are contiguous, the skipped ones lie between).
    fn read_c_rows(&mut self, r0: u64, r1: u64, out: &mut [f64]) -> Result<()> {
        let cols = self.cols as u64;
        if self.array.skip_positions == 0 {
            let offset = self.array.element_offset(r0, 0, self.rows, cols);
            return self.read_elements(offset, out);
        }
        let per = self.array.rows_per_sequence();
        let mut r = r0;
        while r < r1 {
            let end = ((r / per + 1) * per).min(r1);
            let offset = self.array.element_offset(r, 0, self.rows, cols);
            let (a, b) = (((r - r0) * cols) as usize, ((end - r0) * cols) as usize);
            self.read_elements(offset, &mut out[a..b])?;
            r = end;
        }
        Ok(())
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
        // Every element is written below (or the read fails), so a buffer of the right length
        // from the last block is not zeroed again: that was a pass over 16 MiB per block.
        out.truncate(n * cols);
        out.resize(n * cols, 0.0);
        if !self.array.view().1 {
            self.read_c_rows(r0, r1, out)?;
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
