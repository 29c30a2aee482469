//! `torch.save` files (`.pt`, `.pth`): the zip format PyTorch has written since 1.6.
//!
//! The archive holds `PREFIX/data.pkl` (a pickle of the saved object), one entry
//! `PREFIX/data/KEY` per storage (its raw elements, stored uncompressed and 64-byte aligned),
//! `PREFIX/byteorder` (`little` or `big`; absent before torch 1.10, meaning little) and
//! `PREFIX/version` (torch/serialization.py, `_save`). The pickle is read by the restricted
//! unpickler of [`pickle`](super::pickle), which builds a value tree and runs nothing.
//!
//! The object may be a tensor, or a dict / `OrderedDict` / state dict of them; nested dicts
//! (and lists) are flattened with their keys joined by '.' (`{'enc': {'w': t}}` → `enc.w`), as
//! `state_dict()` names parameters. Leaves that are not tensors (a state dict's `_metadata`,
//! numbers, strings) are not listed. A tensor saved alone takes the file's name.
//!
//! A tensor is a view of a storage: element `(i₀, i₁, …)` is storage element
//! `offset + Σ iₖ·strideₖ` (`_rebuild_tensor_v2(storage, offset, size, stride, …)`). When the
//! strides are those of a C-ordered (row-major) or, for 2-D and 3-D, a Fortran-ordered
//! (column-major, as `x.t()` gives) block, the tensor is read by [`DenseRows`] in place, like a
//! `.npy`; any other view (`x[:, ::2]`, a permutation) is read row by row through its strides
//! ([`StridedRows`]). Strides of dimensions of size 1 do not matter and are not compared. Every
//! view is checked to lie inside its storage, and every storage inside its entry, before a byte
//! of data is read. A compressed storage entry is refused (torch never writes one).

use super::dense::{ArrayInfo, DenseArray, DenseRows, TARGET_CHUNK_BYTES};
use super::dtype::{DType, Scalar};
use super::pickle::{self, StorageKind, Tree, Value};
use super::source::Source;
use super::zip::{self, Entry, EntryReader, Method};
use super::{choose, Opened, Progress, ReadOptions, RowBlocks};
use crate::error::{Error, FormatError, PtError, Result};

/// File names that say "torch.save" (with a zip inside).
pub fn is_pt_name(lower: &str) -> bool {
    [".pt", ".pth", ".bin", ".ckpt"].iter().any(|ext| lower.ends_with(ext))
}

/// True for the pickle entry `torch.save` writes (`PREFIX/data.pkl`).
pub fn is_pickle_entry(name: &str) -> bool {
    name == "data.pkl" || name.ends_with("/data.pkl")
}

/// Whether the zip in `source` is a `torch.save` archive (it holds a `data.pkl`). A source that
/// is not a readable zip is not.
pub fn is_torch_zip<S: Source>(source: &mut S) -> bool {
    zip::entries(source).is_ok_and(|entries| entries.iter().any(|e| is_pickle_entry(&e.name)))
}

/// Nodes the walk over the pickled object may visit: a tree of shared containers can name
/// exponentially many paths with a few bytes of pickle.
const MAX_VISITS: usize = 1_000_000;
/// Deepest nesting of containers followed.
const MAX_DEPTH: usize = 256;

/// One tensor of the archive, and how it is read.
pub struct PtTensor {
    pub name: String,
    /// The storage's element type as torch names it (`FloatStorage` → "float32").
    pub torch_dtype: &'static str,
    pub shape: Vec<u64>,
    /// The tensor as a dense array of its shape (offset in bytes into its storage entry), or
    /// why it cannot be read.
    pub array: Result<DenseArray>,
    /// `Some(strides)` when the view is neither C- nor Fortran-ordered: read through them.
    pub strides: Option<Vec<u64>>,
    /// The storage's zip entry (found, stored, large enough) when `array` is `Ok`.
    entry: Option<Entry>,
}

impl PtTensor {
    /// What it is, analysable or not.
    pub fn describe(&self) -> ArrayInfo {
        match &self.array {
            Ok(array) => array.describe(&self.name),
            Err(e) => ArrayInfo::unanalysable(&self.name, self.torch_dtype, self.shape.clone(), e.to_string()),
        }
    }
}

fn torch_name(kind: StorageKind) -> &'static str {
    use StorageKind::*;
    match kind {
        Float => "float32",
        Double => "float64",
        Half => "float16",
        BFloat16 => "bfloat16",
        Long => "int64",
        Int => "int32",
        Short => "int16",
        Char => "int8",
        Byte => "uint8",
        Bool => "bool",
    }
}

fn scalar(kind: StorageKind) -> Scalar {
    use StorageKind::*;
    match kind {
        Float => Scalar::F32,
        Double => Scalar::F64,
        Half => Scalar::F16,
        BFloat16 => Scalar::BF16,
        Long => Scalar::I64,
        Int => Scalar::I32,
        Short => Scalar::I16,
        Char => Scalar::I8,
        Byte => Scalar::U8,
        Bool => Scalar::Bool,
    }
}

/// Reads a small entry whole (the pickle, `byteorder`), refusing one longer than `limit`.
fn read_entry<S: Source>(source: &mut S, entry: &Entry, limit: u64) -> Result<Vec<u8>> {
    if entry.size > limit {
        return Err(FormatError::Limit {
            what: format!("a torch.save entry '{}' of {} bytes (the limit is {limit})", entry.name, entry.size),
        }
        .into());
    }
    let mut bytes = vec![0u8; entry.size as usize];
    EntryReader::new(&mut *source, entry).read_full(&mut bytes)?;
    Ok(bytes)
}

/// Every tensor in the `torch.save` archive in `source` (`file_name` names a tensor saved alone),
/// in the pickle's order.
pub fn tensors<S: Source>(source: &mut S, file_name: &str) -> Result<Vec<PtTensor>> {
    let entries = zip::entries(source)?;
    let Some(pkl) = entries.iter().find(|e| is_pickle_entry(&e.name)) else {
        return Err(
            FormatError::Pt(PtError::NoPickle { entries: entries.iter().map(|e| e.name.clone()).collect() }).into()
        );
    };
    let prefix = pkl.name[..pkl.name.len() - "data.pkl".len()].to_string();
    let big_endian = match entries.iter().find(|e| e.name == format!("{prefix}byteorder")) {
        None => false,
        Some(e) => match read_entry(source, e, 16)?.as_slice() {
            b"little" => false,
            b"big" => true,
            other => {
                return Err(FormatError::Pt(PtError::Tensor {
                    tensor: "*".into(),
                    detail: format!(
                        "the archive's byteorder is '{}', not little or big",
                        String::from_utf8_lossy(other)
                    ),
                })
                .into())
            }
        },
    };
    let bytes = read_entry(source, pkl, pickle::MAX_PICKLE_BYTES)?;
    let tree = pickle::unpickle(&bytes)?;
    let mut found = Vec::new();
    let mut visits = 0usize;
    collect(&tree, tree.root, String::new(), 0, &mut visits, &mut found)?;
    Ok(found
        .into_iter()
        .map(|(name, t)| {
            let name = if name.is_empty() { file_name.to_string() } else { name };
            plan(name, t, &entries, &prefix, big_endian)
        })
        .collect())
}

/// Tensors under `id`, named by their path of keys.
fn collect(
    tree: &Tree,
    id: pickle::Id,
    path: String,
    depth: usize,
    visits: &mut usize,
    out: &mut Vec<(String, pickle::Tensor)>,
) -> Result<()> {
    *visits += 1;
    if *visits > MAX_VISITS || depth > MAX_DEPTH {
        return Err(FormatError::Limit {
            what: format!(
                "a torch.save object whose containers nest deeper than {MAX_DEPTH} or hold more than {MAX_VISITS} \
                 entries (counting shared ones each time)"
            ),
        }
        .into());
    }
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match tree.get(id) {
        Value::Tensor(t) => out.push((path, t.clone())),
        Value::Dict(pairs) => {
            for &(k, v) in pairs {
                let key = match tree.get(k) {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    _ => continue,
                };
                collect(tree, v, join(&key), depth + 1, visits, out)?;
            }
        }
        Value::List(items) | Value::Tuple(items) => {
            for (i, &v) in items.iter().enumerate() {
                collect(tree, v, join(&i.to_string()), depth + 1, visits, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks a tensor against its storage entry and decides how to read it.
fn plan(name: String, t: pickle::Tensor, entries: &[Entry], prefix: &str, big_endian: bool) -> PtTensor {
    let torch_dtype = torch_name(t.storage.kind);
    let (array, strides, entry) = match layout(&name, &t, entries, prefix, big_endian) {
        Ok((array, strides, entry)) => (Ok(array), strides, Some(entry)),
        Err(e) => (Err(e), None, None),
    };
    PtTensor { name, torch_dtype, shape: t.size, array, strides, entry }
}

fn layout(
    name: &str,
    t: &pickle::Tensor,
    entries: &[Entry],
    prefix: &str,
    big_endian: bool,
) -> Result<(DenseArray, Option<Vec<u64>>, Entry)> {
    let bad = |detail: String| Error::from(FormatError::Pt(PtError::Tensor { tensor: name.to_string(), detail }));
    let dtype = DType { scalar: scalar(t.storage.kind), big_endian };
    let size = dtype.size() as u64;
    let entry_name = format!("{prefix}data/{}", t.storage.key);
    let Some(entry) = entries.iter().find(|e| e.name == entry_name) else {
        return Err(bad(format!("its storage '{entry_name}' is not in the archive")));
    };
    if entry.method != Method::Stored {
        return Err(bad(format!(
            "its storage '{entry_name}' is compressed in the zip (torch.save stores storages uncompressed): \
             save it again with torch.save"
        )));
    }
    let need = t.storage.numel.checked_mul(size).ok_or_else(|| bad("its storage's size overflows".into()))?;
    if entry.size < need {
        return Err(bad(format!(
            "its storage declares {} elements ({need} bytes) but the entry holds {} bytes",
            t.storage.numel, entry.size
        )));
    }
    let numel = t.size.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
    let numel = numel.ok_or_else(|| bad(format!("its size {:?} overflows", t.size)))?;
    if numel > 0 {
        let last = t
            .size
            .iter()
            .zip(&t.stride)
            .try_fold(t.offset, |acc, (&d, &s)| (d - 1).checked_mul(s).and_then(|x| acc.checked_add(x)));
        match last {
            Some(last) if last < t.storage.numel => {}
            _ => {
                return Err(bad(format!(
                    "the view (offset {}, size {:?}, stride {:?}) reaches past its storage of {} elements",
                    t.offset, t.size, t.stride, t.storage.numel
                )))
            }
        }
    }
    let offset = t.offset * size; // ≤ numel · size, checked above
    let matches = |order: &mut dyn Iterator<Item = usize>| {
        let mut expected = 1u64;
        for k in order {
            if t.size[k] > 1 && t.stride[k] != expected {
                return false;
            }
            expected = expected.saturating_mul(t.size[k]);
        }
        true
    };
    let n = t.size.len();
    let (fortran, strides) = if numel == 0 || matches(&mut (0..n).rev()) {
        (false, None)
    } else if (2..=3).contains(&n) && matches(&mut (0..n)) {
        (true, None)
    } else {
        (false, Some(t.stride.clone()))
    };
    Ok((DenseArray::new(offset, dtype, t.size.clone(), fortran), strides, entry.clone()))
}

/// The byte range of one zip entry, as a source of its own: [`DenseRows`] then checks and reads
/// offsets relative to the storage.
pub struct Window<S: Source> {
    inner: S,
    start: u64,
    len: u64,
}

impl<S: Source> Source for Window<S> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(self.len - offset) as usize;
        self.inner.read_at(self.start + offset, &mut buf[..n])
    }
}

/// Every tensor, described, for listing.
pub fn infos<S: Source>(source: &mut S, file_name: &str) -> Result<Vec<ArrayInfo>> {
    Ok(tensors(source, file_name)?.iter().map(PtTensor::describe).collect())
}

/// Opens tensor `key` of the archive (without a key: its only analysable tensor) as rows.
pub fn open<'a, S: Source + 'a>(
    mut source: S,
    file_name: &str,
    key: Option<&str>,
    rows: Option<std::ops::Range<u64>>,
    options: &ReadOptions,
) -> Result<Opened<'a>> {
    let mut all = tensors(&mut source, file_name)?;
    let infos: Vec<ArrayInfo> = all.iter().map(PtTensor::describe).collect();
    let (index, guess) = choose(&infos, key)?;
    let tensor = all.swap_remove(index);
    let array = tensor.array?.with_options(options)?;
    let mut info = array.info(&tensor.name)?;
    info.guesses.extend(guess);
    let Some(entry) = tensor.entry else {
        return Err(Error::Setting("internal: a readable tensor without its storage entry".into()));
    };
    let window = Window { inner: source, start: entry.data_offset, len: entry.size };
    let rows: Box<dyn RowBlocks + 'a> = match tensor.strides {
        None => Box::new(DenseRows::new(window, array, rows)?),
        Some(strides) => {
            info.flattened = Some(format!(
                "{}a non-contiguous view (strides {strides:?} elements) read through its strides",
                info.flattened.map(|f| format!("{f}; ")).unwrap_or_default()
            ));
            Box::new(StridedRows::new(window, array, strides, rows)?)
        }
    };
    Ok(Opened { info, rows })
}

/// Rows of a tensor view with arbitrary strides (2-D or 3-D), read one row at a time: the
/// row's elements in one read when they are close together, one read each otherwise.
pub struct StridedRows<S: Source> {
    source: S,
    dtype: DType,
    /// Storage element of view element (0, 0).
    offset: u64,
    /// Shape and strides of the view as read (a transposed 2-D view has both reversed).
    shape: Vec<u64>,
    strides: Vec<u64>,
    skip: u64,
    cols: usize,
    next_row: u64,
    end_row: u64,
    block_rows: usize,
    raw: Vec<u8>,
    span: Vec<f64>,
    bytes_read: u64,
    total: u64,
}

/// A row whose elements spread over more than this many bytes is read element by element.
const MAX_SPAN_BYTES: u64 = 1 << 22;

impl<S: Source> StridedRows<S> {
    fn new(source: S, array: DenseArray, strides: Vec<u64>, rows: Option<std::ops::Range<u64>>) -> Result<Self> {
        let (n, cols) = array.matrix_shape()?;
        let size = array.dtype.size() as u64;
        let (shape, strides) = if array.transposed {
            (array.shape.iter().rev().copied().collect(), strides.iter().rev().copied().collect())
        } else {
            (array.shape.clone(), strides)
        };
        let range = rows.unwrap_or(0..n);
        let (start, end) = (range.start.min(n), range.end.min(n));
        let row_bytes = cols as u64 * size;
        Ok(StridedRows {
            source,
            dtype: array.dtype,
            offset: array.offset / size,
            shape,
            strides,
            skip: array.skip_positions,
            cols,
            next_row: start,
            end_row: end.max(start),
            block_rows: (TARGET_CHUNK_BYTES as u64 / row_bytes.max(1)).clamp(1, 1 << 16) as usize,
            raw: Vec::new(),
            span: Vec::new(),
            bytes_read: 0,
            total: (end.max(start) - start) * row_bytes,
        })
    }

    /// Storage element of view (row r, column 0), and the stride along a row.
    fn row_start(&self, r: u64) -> (u64, u64) {
        if self.shape.len() == 3 {
            let per = self.shape[1] - self.skip;
            let (s, t) = (r / per, self.skip + r % per);
            (self.offset + s * self.strides[0] + t * self.strides[1], self.strides[2])
        } else {
            (self.offset + r * self.strides[0], self.strides[1])
        }
    }

    fn read(&mut self, element: u64, dst: &mut [f64]) -> Result<()> {
        let size = self.dtype.size();
        self.raw.resize(dst.len() * size, 0);
        let len = self.source.len();
        let short = |_| FormatError::TruncatedData { expected_bytes: len, actual_bytes: len, rows_complete: 0 }.into();
        self.source.read_exact_at(element * size as u64, &mut self.raw, short)?;
        self.dtype.decode(&self.raw, dst);
        self.bytes_read += self.raw.len() as u64;
        Ok(())
    }

    fn read_row(&mut self, r: u64, out: &mut [f64]) -> Result<()> {
        let (start, step) = self.row_start(r);
        let cols = self.cols as u64;
        if step == 1 || cols == 1 {
            return self.read(start, out);
        }
        let span = (cols - 1) * step + 1;
        if span * self.dtype.size() as u64 <= MAX_SPAN_BYTES {
            let mut buf = std::mem::take(&mut self.span);
            buf.resize(span as usize, 0.0);
            let res = self.read(start, &mut buf);
            for (j, o) in out.iter_mut().enumerate() {
                *o = buf[j * step as usize];
            }
            self.span = buf;
            return res;
        }
        for (j, o) in out.iter_mut().enumerate() {
            self.read(start + j as u64 * step, std::slice::from_mut(o))?;
        }
        Ok(())
    }
}

impl<S: Source> RowBlocks for StridedRows<S> {
    fn cols(&self) -> usize {
        self.cols
    }
    fn rows_hint(&self) -> Option<u64> {
        Some(self.end_row - self.next_row)
    }
    fn position(&self) -> u64 {
        self.next_row
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        let n = (self.block_rows as u64).min(self.end_row - self.next_row) as usize;
        out.clear();
        if n == 0 {
            return Ok(0);
        }
        out.resize(n * self.cols, 0.0);
        for i in 0..n {
            let r = self.next_row + i as u64;
            self.read_row(r, &mut out[i * self.cols..(i + 1) * self.cols])?;
        }
        self.next_row += n as u64;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.bytes_read, bytes_total: self.total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pickle::{Storage, Tensor};

    fn tensor(size: &[u64], stride: &[u64], offset: u64) -> Tensor {
        Tensor {
            storage: Storage { kind: StorageKind::Float, key: "0".into(), numel: 12 },
            offset,
            size: size.to_vec(),
            stride: stride.to_vec(),
        }
    }

    fn entries(bytes: u64) -> Vec<Entry> {
        vec![Entry {
            name: "a/data/0".into(),
            method: Method::Stored,
            compressed_size: bytes,
            size: bytes,
            data_offset: 0,
        }]
    }

    /// (Fortran order, strides when read through them), or the error's text.
    fn classify(t: &Tensor) -> Result<(bool, Option<Vec<u64>>), String> {
        layout("t", t, &entries(48), "a/", false).map(|(a, s, _)| (a.fortran_order, s)).map_err(|e| e.to_string())
    }

    #[test]
    fn strides_decide_how_a_view_is_read() {
        assert_eq!(classify(&tensor(&[3, 4], &[4, 1], 0)), Ok((false, None)));
        assert_eq!(classify(&tensor(&[4, 3], &[1, 4], 0)), Ok((true, None)));
        assert_eq!(classify(&tensor(&[3, 2], &[4, 2], 1)), Ok((false, Some(vec![4, 2]))));
        // A dimension of size 1 may carry any stride.
        assert_eq!(classify(&tensor(&[1, 12], &[99, 1], 0)), Ok((false, None)));
        // The last element of this view is storage element 1 + 2·4 + 3·1 = 12, past 0..12.
        assert_eq!(
            classify(&tensor(&[3, 4], &[4, 1], 1)),
            Err("cannot read tensor 't' of the torch.save file: the view (offset 1, size [3, 4], stride [4, 1]) \
                 reaches past its storage of 12 elements"
                .into())
        );
        let missing = layout("t", &tensor(&[3, 4], &[4, 1], 0), &entries(48), "b/", false).err().map(|e| e.to_string());
        assert_eq!(
            missing.as_deref(),
            Some("cannot read tensor 't' of the torch.save file: its storage 'b/data/0' is not in the archive")
        );
    }
}
