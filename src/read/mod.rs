//! Readers: from the bytes of a file to blocks of rows of f64.
//!
//! Every reader pulls bytes a chunk at a time from a random-access [`Source`] and yields the
//! matrix as blocks of rows through [`RowBlocks`], so that a file larger than memory can be
//! analysed: only the running moments (D × D) and one chunk are ever held.
//!
//! - [`source`]: where bytes come from (disk, memory, a browser `File`).
//! - [`dtype`]: element types and their decoding.
//! - [`dense`]: a dense array in a byte range, C or Fortran order, 2-D or 3-D.
//! - [`npy`]: the `.npy` container.
//! - [`npz`] and [`zip`]: `.npz` archives, stored or deflated, streamed.
//! - [`safetensors`]: Hugging Face safetensors (choose a tensor by name).
//! - [`csv`]: CSV, TSV and whitespace-separated text.
//! - [`range`]: a row range over a reader that cannot seek to a row (text).

pub mod csv;
pub mod dense;
pub mod dtype;
pub mod memory;
pub mod npy;
pub mod npz;
pub mod range;
pub mod safetensors;
pub mod source;
pub mod zip;

pub use dense::{ArrayInfo, DenseArray, DenseRows};
pub use memory::SliceRows;
pub use range::RangeRows;
pub use source::{MemSource, Source};

use crate::error::{Error, Result};
use std::ops::Range;

/// How far a reader has come, in bytes of element data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A matrix delivered as consecutive blocks of rows.
pub trait RowBlocks {
    /// Units per row (D).
    fn cols(&self) -> usize;
    /// Rows still to come, when the format knows it in advance.
    fn rows_hint(&self) -> Option<u64>;
    /// 0-based index in the file of the next row [`next_block`](Self::next_block) returns.
    fn position(&self) -> u64;
    /// Fills `out` with the next block, row-major (rows × cols), and returns its row count;
    /// 0 at the end.
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize>;
    fn progress(&self) -> Progress;
}

/// The file formats eigenlens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Npy,
    Npz,
    Safetensors,
    /// Delimited text (.csv, .tsv, .txt).
    Text,
}

impl Format {
    /// Recognises a format by its magic bytes first, then by the file name.
    pub fn detect(name: &str, head: &[u8]) -> Result<Format> {
        if head.starts_with(b"\x93NUMPY") || name.to_ascii_lowercase().ends_with(".npy") {
            return Ok(Format::Npy);
        }
        let lower = name.to_ascii_lowercase();
        if head.starts_with(b"PK") || lower.ends_with(".npz") {
            return Ok(Format::Npz);
        }
        if lower.ends_with(".safetensors") {
            return Ok(Format::Safetensors);
        }
        if [".csv", ".tsv", ".txt", ".tab"].iter().any(|ext| lower.ends_with(ext)) {
            return Ok(Format::Text);
        }
        Err(Error::Setting(format!(
            "'{name}' is not a file type eigenlens reads (.npy, .npz, .safetensors, .csv, .tsv, .txt)"
        )))
    }
}

/// An opened matrix: what it is, and its rows.
pub struct Opened<'a> {
    pub info: ArrayInfo,
    pub rows: Box<dyn RowBlocks + 'a>,
}

/// The format of `source` from its first bytes and its name; an empty source is an error.
fn detect_format<S: Source>(source: &mut S, name: &str) -> Result<Format> {
    if source.is_empty() {
        return Err(crate::error::FormatError::Empty.into());
    }
    let mut head = [0u8; 8];
    let n = source.read_at(0, &mut head)?;
    Format::detect(name, &head[..n])
}

/// Opens the matrix in `source` (named `name`, for format detection and messages), restricted
/// to the row range `rows` when given. `key` selects an array in multi-array containers.
pub fn open_matrix<'a, S: Source + 'a>(
    mut source: S,
    name: &str,
    key: Option<&str>,
    rows: Option<Range<u64>>,
) -> Result<Opened<'a>> {
    match detect_format(&mut source, name)? {
        Format::Npy => {
            let array = npy::open(&mut source)?;
            let info = array.info(name)?;
            let rows = DenseRows::new(source, array, rows)?;
            Ok(Opened { info, rows: Box::new(rows) })
        }
        Format::Npz => npz::open(source, key, rows),
        Format::Safetensors => {
            let tensor = safetensors::select(safetensors::tensors(&mut source)?, key)?;
            let info = tensor.array.info(&tensor.name)?;
            let rows = DenseRows::new(source, tensor.array, rows)?;
            Ok(Opened { info, rows: Box::new(rows) })
        }
        Format::Text => {
            let rows_range = rows;
            let bytes = source.len();
            let rows = csv::CsvRows::open(source)?;
            let info = ArrayInfo {
                name: name.to_string(),
                dtype: "text".into(),
                shape: vec![],
                fortran_order: false,
                rows: 0,
                cols: rows.cols(),
                flattened: rows.header.as_ref().map(|h| format!("header row skipped: {}", h.join(", "))),
                data_bytes: bytes,
            };
            let rows: Box<dyn RowBlocks + 'a> = match rows_range {
                Some(range) => Box::new(RangeRows::new(rows, range)),
                None => Box::new(rows),
            };
            Ok(Opened { info, rows })
        }
    }
}

/// A vector read whole (a sweep parameter): a `.npy` of shape [N], [N, 1] or [1, N], or a
/// one-column text file. More than `max_len` values is an error, found before reading.
pub fn read_vector<S: Source>(mut source: S, name: &str, max_len: u64) -> Result<Vec<f64>> {
    let mut rows: Box<dyn RowBlocks> = match detect_format(&mut source, name)? {
        Format::Npy => {
            let mut array = npy::open(&mut source)?;
            // A vector, a column and a row all lie in the file as N consecutive values.
            if let [n] | [n, 1] | [1, n] = *array.shape.as_slice() {
                array.shape = vec![n, 1];
                array.fortran_order = false;
            }
            Box::new(DenseRows::new(source, array, None)?)
        }
        Format::Text => Box::new(csv::CsvRows::open(source)?),
        _ => {
            return Err(crate::error::FormatError::BadShape {
                shape: vec![],
                detail: "a sweep parameter is read from a .npy vector or a one-column text file".into(),
            }
            .into())
        }
    };
    if rows.cols() != 1 {
        return Err(crate::error::FormatError::BadShape {
            shape: vec![rows.rows_hint().unwrap_or(0), rows.cols() as u64],
            detail: "expected a vector (one value per row of the matrix)".into(),
        }
        .into());
    }
    Ok(crate::matrix::Matrix::read_all(rows.as_mut(), max_len)?.data)
}

/// Every array in a file, with name, shape and dtype, for choosing one before analysis.
pub fn list_arrays<S: Source>(mut source: S, name: &str) -> Result<Vec<ArrayInfo>> {
    match detect_format(&mut source, name)? {
        Format::Safetensors => safetensors::tensors(&mut source)?.iter().map(|t| t.array.info(&t.name)).collect(),
        Format::Npz => npz::infos(&npz::members(&mut source)?),
        _ => {
            let opened = open_matrix(source, name, None, None)?;
            Ok(vec![opened.info])
        }
    }
}
