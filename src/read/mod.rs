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
//! - [`pt`] and [`pickle`]: `torch.save` zip files (a tensor, or a dict / state dict of them),
//!   through a restricted unpickler that runs nothing.
//! - [`csv`]: CSV, TSV and whitespace-separated text (header and index column guessed).
//! - [`options`]: how to read a file ([`ReadOptions`]: header, index column, transpose,
//!   skipped positions), where the defaults would guess or read as stored.
//! - [`range`]: a row range over a reader that cannot seek to a row (text).

pub mod csv;
pub mod dense;
pub mod dtype;
pub mod memory;
pub mod npy;
pub mod npz;
pub mod options;
pub mod pickle;
pub mod pt;
pub mod range;
pub mod safetensors;
pub mod source;
pub mod zip;

pub use dense::{ArrayInfo, DenseArray, DenseRows};
pub use memory::{OwnedRows, SliceRows};
pub use options::{Header, IndexCol, ReadOptions};
pub use range::RangeRows;
pub use source::{MemSource, Source};

use crate::error::{DataError, Error, FormatError, Result};
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

impl<R: RowBlocks + ?Sized> RowBlocks for Box<R> {
    fn cols(&self) -> usize {
        (**self).cols()
    }
    fn rows_hint(&self) -> Option<u64> {
        (**self).rows_hint()
    }
    fn position(&self) -> u64 {
        (**self).position()
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        (**self).next_block(out)
    }
    fn progress(&self) -> Progress {
        (**self).progress()
    }
}

/// The file formats eigenlens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Npy,
    Npz,
    Safetensors,
    /// A `torch.save` zip (`.pt`, `.pth`): a pickle beside raw storages.
    Pt,
    /// Delimited text (.csv, .tsv, .txt).
    Text,
}

/// What eigenlens reads, for messages.
const READS: &str = "eigenlens reads .npy, .npz, .safetensors, torch.save .pt and text tables (.csv, .tsv, .txt)";

impl Format {
    /// Recognises a format by its magic bytes first, then by the file name; a safetensors file
    /// without its extension is recognised by its header (a length, then '{').
    pub fn detect(name: &str, head: &[u8]) -> Result<Format> {
        if head.starts_with(b"\x93NUMPY") || name.to_ascii_lowercase().ends_with(".npy") {
            return Ok(Format::Npy);
        }
        let lower = name.to_ascii_lowercase();
        if head.starts_with(b"PK") && pt::is_pt_name(&lower) {
            return Ok(Format::Pt);
        }
        if head.starts_with(b"PK") || lower.ends_with(".npz") {
            return Ok(Format::Npz);
        }
        if lower.ends_with(".safetensors") {
            return Ok(Format::Safetensors);
        }
        if [".csv", ".tsv", ".txt", ".tab"].iter().any(|ext| lower.ends_with(ext)) {
            return Ok(Format::Text);
        }
        if head.len() >= 9 && head[8] == b'{' {
            let mut n = [0u8; 8];
            n.copy_from_slice(&head[..8]);
            if (2..=100_000_000).contains(&u64::from_le_bytes(n)) {
                return Ok(Format::Safetensors);
            }
        }
        let (kind, advice) = match sniff(head) {
            Some((kind, advice)) => (Some(kind.to_string()), format!("{advice} ({READS})")),
            None => (None, format!("{READS}; save the array with np.save")),
        };
        Err(FormatError::UnknownType { name: name.to_string(), kind, advice }.into())
    }
}

/// What a file of an unread type is, from its first bytes, and how to convert it.
fn sniff(head: &[u8]) -> Option<(&'static str, &'static str)> {
    let text = head.iter().skip_while(|b| b.is_ascii_whitespace()).copied().next();
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        Some((
            "an HDF5 file (.h5, .hdf5, .h5ad, MATLAB v7.3 .mat)",
            "save the dataset with np.save('x.npy', h5py.File(path)['NAME'][:])",
        ))
    } else if head.starts_with(b"MATLAB 5.0 MAT-file") {
        Some(("a MATLAB .mat file", "save the variable with np.save('x.npy', scipy.io.loadmat(path)['NAME'])"))
    } else if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        Some((
            "a Python pickle (torch.save's legacy format from before PyTorch 1.6, joblib, pickle.dump)",
            "save it again with torch.save in PyTorch 1.6 or later (the zip format, which eigenlens reads), or load \
             it in Python and save the array with np.save('x.npy', a) (a torch tensor: t.float().numpy())",
        ))
    } else if head.starts_with(b"PAR1") {
        Some(("a Parquet table", "save it with np.save('x.npy', pd.read_parquet(path).to_numpy()) or as CSV"))
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(("gzip-compressed", "decompress it (gunzip) and open the file inside"))
    } else if matches!(text, Some(b'{') | Some(b'[')) {
        Some(("JSON", "save the array with np.save or as CSV"))
    } else if text == Some(b'<') {
        Some(("an HTML or XML document", "open the array itself, saved with np.save or as CSV"))
    } else if !head.is_empty() && !head.contains(&0) && std::str::from_utf8(head).is_ok_or_cut() {
        Some(("a text file", "if it is a table of numbers, name it .csv, .tsv or .txt"))
    } else {
        None
    }
}

/// UTF-8 text, or UTF-8 text cut inside a character at the end of the bytes looked at.
trait Utf8Prefix {
    fn is_ok_or_cut(&self) -> bool;
}

impl Utf8Prefix for std::result::Result<&str, std::str::Utf8Error> {
    fn is_ok_or_cut(&self) -> bool {
        match self {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        }
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
    let mut head = [0u8; 16];
    let n = source.read_at(0, &mut head)?;
    Format::detect(name, &head[..n])
}

/// Opens the matrix in `source` (named `name`, for format detection and messages), restricted
/// to the row range `rows` when given. `key` selects an array in multi-array containers.
/// Reads with the default [`ReadOptions`]: see [`open_matrix_with`].
pub fn open_matrix<'a, S: Source + 'a>(
    source: S,
    name: &str,
    key: Option<&str>,
    rows: Option<Range<u64>>,
) -> Result<Opened<'a>> {
    open_matrix_with(source, name, key, rows, &ReadOptions::default())
}

/// Opens the matrix in `source` as [`open_matrix`] does, read with `options` (header, index
/// column, transpose, skipped positions). The row range applies to the matrix as read (after
/// a transpose, after positions are skipped). Without `key`, a multi-array file opens its
/// only analysable array and says so in `info.guesses`.
pub fn open_matrix_with<'a, S: Source + 'a>(
    mut source: S,
    name: &str,
    key: Option<&str>,
    rows: Option<Range<u64>>,
    options: &ReadOptions,
) -> Result<Opened<'a>> {
    let format = detect_format(&mut source, name)?;
    if format != Format::Text && options.sets_text_only() {
        return Err(Error::Setting(format!(
            "header and index column apply to text tables; '{name}' is a {} file",
            format.label()
        )));
    }
    match format {
        Format::Npy => {
            let array = npy::open(&mut source)?.with_options(options)?;
            let info = array.info(name)?;
            let rows = DenseRows::new(source, array, rows)?;
            Ok(Opened { info, rows: Box::new(rows) })
        }
        Format::Npz if pt::is_torch_zip(&mut source) => pt::open(source, name, key, rows, options),
        Format::Npz => npz::open(source, key, rows, options),
        Format::Pt => pt::open(source, name, key, rows, options),
        Format::Safetensors => {
            let (mut tensors, meta) = safetensors::tensors_and_metadata(&mut source)?;
            if meta.get("format").map(String::as_str) == Some(safetensors::MOMENTS_FORMAT) {
                return Err(FormatError::MomentsFile.into());
            }
            let infos: Vec<ArrayInfo> = tensors.iter().map(safetensors::Tensor::describe).collect();
            let (index, guess) = choose(&infos, key)?;
            let tensor = tensors.swap_remove(index);
            let array = tensor.array?.with_options(options)?;
            let mut info = array.info(&tensor.name)?;
            info.guesses.extend(guess);
            let rows = DenseRows::new(source, array, rows)?;
            Ok(Opened { info, rows: Box::new(rows) })
        }
        Format::Text => {
            if options.skip_positions > 0 {
                return Err(Error::Setting(
                    "skip positions applies to a 3-D [S, T, H] tensor; a text table is 2-D".into(),
                ));
            }
            let bytes = source.len();
            let table = csv::CsvRows::open(source, options)?;
            let mut info = ArrayInfo {
                name: name.to_string(),
                dtype: "text".into(),
                cols: table.cols(),
                data_bytes: bytes,
                guesses: table.guesses.clone(),
                ..ArrayInfo::default()
            };
            let rows: Box<dyn RowBlocks + 'a> = if options.transpose {
                let owned = transpose_in_memory(Box::new(table), rows)?;
                let (n, d) = (owned.total_rows(), owned.cols());
                info.shape = vec![d as u64, n];
                info.rows = n;
                info.cols = d;
                info.flattened =
                    Some(format!("stored as {d} rows × {n} columns (units × samples), read transposed as [{n}, {d}]"));
                Box::new(owned)
            } else {
                match rows {
                    Some(range) => Box::new(RangeRows::new(table, range)),
                    None => Box::new(table),
                }
            };
            Ok(Opened { info, rows })
        }
    }
}

impl Format {
    fn label(self) -> &'static str {
        match self {
            Format::Npy => ".npy",
            Format::Npz => ".npz",
            Format::Pt => ".pt",
            Format::Safetensors => ".safetensors",
            Format::Text => "text",
        }
    }
}

/// Picks the array `key` among `infos`, or without a key the only analysable one (returning
/// the guess to state when the file holds others). Errors: no such name; none analysable;
/// several analysable (the user must choose).
pub(crate) fn choose(infos: &[ArrayInfo], key: Option<&str>) -> Result<(usize, Option<String>)> {
    if let Some(k) = key {
        return match infos.iter().position(|i| i.name == k) {
            Some(i) => Ok((i, None)),
            None => Err(FormatError::NoSuchArray {
                name: k.to_string(),
                available: infos.iter().map(|i| i.name.clone()).collect(),
            }
            .into()),
        };
    }
    let analysable: Vec<usize> = (0..infos.len()).filter(|&i| infos[i].analysable).collect();
    match analysable.as_slice() {
        [i] => {
            let others: Vec<String> =
                infos.iter().filter(|a| !a.analysable).map(|a| format!("{} {:?}", a.name, a.shape)).collect();
            let guess = (!others.is_empty()).then(|| {
                format!(
                    "read '{}', the only one of the file's {} arrays that can be analysed (not: {}); choose \
                     another by name",
                    infos[*i].name,
                    infos.len(),
                    others.join(", ")
                )
            });
            Ok((*i, guess))
        }
        [] => Err(FormatError::NoAnalysableArray {
            arrays: infos
                .iter()
                .map(|a| format!("{} {:?}: {}", a.name, a.shape, a.why.as_deref().unwrap_or("not analysable")))
                .collect(),
        }
        .into()),
        _ => {
            Err(FormatError::ChooseArray { available: analysable.iter().map(|&i| infos[i].name.clone()).collect() }
                .into())
        }
    }
}

/// Every row of `rows`, row-major: `(rows read, values)`. More than `max_values` values is
/// [`DataError::TooLargeForMemory`], found from the row count before reading when the reader
/// knows it. (`Matrix::read_all` wraps this; the readers use it without depending on `Matrix`.)
pub fn read_all_rows(rows: &mut dyn RowBlocks, max_values: u64) -> Result<(usize, Vec<f64>)> {
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
    Ok((n_rows, data))
}

/// Reads every row of `inner` (up to [`DEFAULT_MEMORY_LIMIT`](crate::limits::DEFAULT_MEMORY_LIMIT)
/// values) and serves its transpose, restricted to the row range `rows` of the transpose.
pub fn transpose_in_memory(mut inner: Box<dyn RowBlocks + '_>, rows: Option<Range<u64>>) -> Result<OwnedRows> {
    let limit = crate::limits::DEFAULT_MEMORY_LIMIT;
    let cols = inner.cols();
    let (n_rows, data) = read_all_rows(inner.as_mut(), limit).map_err(|e| match e {
        Error::Data(DataError::TooLargeForMemory { values, limit }) => {
            DataError::TransposeTooLarge { values, limit }.into()
        }
        other => other,
    })?;
    let mut t = vec![0.0; data.len()];
    for i in 0..n_rows {
        for j in 0..cols {
            t[j * n_rows + i] = data[i * cols + j];
        }
    }
    Ok(OwnedRows::new(t, n_rows, rows))
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
        Format::Text => Box::new(csv::CsvRows::open(source, &ReadOptions::default())?),
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
    Ok(read_all_rows(rows.as_mut(), max_len)?.1)
}

/// Every array in a file, with name, shape and dtype, for choosing one before analysis:
/// including those that cannot be analysed (`analysable` false, with `why`). A container that
/// holds no arrays is an error naming it; a `torch.save` file lists its tensors.
pub fn list_arrays<S: Source>(mut source: S, name: &str) -> Result<Vec<ArrayInfo>> {
    match detect_format(&mut source, name)? {
        Format::Safetensors => {
            Ok(safetensors::tensors(&mut source)?.iter().map(safetensors::Tensor::describe).collect())
        }
        Format::Npz if pt::is_torch_zip(&mut source) => pt::infos(&mut source, name),
        Format::Npz => Ok(npz::infos(&npz::members(&mut source)?)),
        Format::Pt => pt::infos(&mut source, name),
        Format::Npy => Ok(vec![npy::open(&mut source)?.describe(name)]),
        Format::Text => {
            let opened = open_matrix(source, name, None, None)?;
            Ok(vec![opened.info])
        }
    }
}
