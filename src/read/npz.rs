//! NumPy `.npz`: a zip of `.npy` files, stored (`np.savez`) or deflated
//! (`np.savez_compressed`). Stored arrays are read in place like any `.npy`; deflated ones are
//! inflated as a stream, a block of rows at a time.
//!
//! Every `.npy` member is listed, including those that cannot be analysed (1-D, strings, …:
//! `ArrayInfo::analysable` false). A zip written by `torch.save` (a pickle `data.pkl` beside
//! raw storages) is named as such, and an archive without arrays says so.

use super::dense::{ArrayInfo, DenseArray, DenseRows};
use super::source::{MemSource, Source};
use super::zip::{self, Entry, EntryReader, Method};
use super::{npy, transpose_in_memory, Opened, Progress, ReadOptions, RowBlocks};
use crate::error::{Error, FormatError, Result};

/// An array of the archive: its entry and its header (offset relative to the entry's start),
/// or why its header cannot be read.
pub struct Member {
    pub name: String,
    pub entry: Entry,
    pub array: Result<DenseArray>,
}

impl Member {
    /// What it is, analysable or not.
    pub fn describe(&self) -> ArrayInfo {
        match &self.array {
            Ok(array) => array.describe(&self.name),
            Err(Error::Format(FormatError::UnsupportedDtype { dtype })) => ArrayInfo::unanalysable(
                &self.name,
                dtype,
                Vec::new(),
                FormatError::UnsupportedDtype { dtype: dtype.clone() }.to_string(),
            ),
            Err(e) => ArrayInfo::unanalysable(&self.name, "?", Vec::new(), e.to_string()),
        }
    }
}

/// Header bytes inflated to find an array's header (npy headers are far shorter).
const HEADER_PROBE: u64 = 1 << 20;

/// Every `.npy` array in the archive, with its header read. A member whose header cannot be
/// read is kept with its error, so that the others can still be listed and read.
pub fn members<S: Source>(source: &mut S) -> Result<Vec<Member>> {
    let entries = zip::entries(source)?;
    let mut out = Vec::new();
    let mut others = Vec::new();
    for entry in entries {
        let Some(name) = entry.name.strip_suffix(".npy") else {
            others.push(entry.name);
            continue;
        };
        let array = member_array(source, &entry);
        out.push(Member { name: name.to_string(), entry, array });
    }
    if out.is_empty() {
        return Err(FormatError::NoArrays { format: "npz", entries: others }.into());
    }
    Ok(out)
}

fn member_array<S: Source>(source: &mut S, entry: &Entry) -> Result<DenseArray> {
    let probe_len = entry.size.min(HEADER_PROBE) as usize;
    let mut head = vec![0u8; probe_len];
    EntryReader::new(&mut *source, entry).read_full(&mut head)?;
    let array = npy::open_at(&mut MemSource(head), 0, entry.size)?;
    let need = array.offset + array.data_bytes()?;
    if need > entry.size {
        return Err(FormatError::TruncatedData {
            expected_bytes: array.data_bytes()?,
            actual_bytes: entry.size.saturating_sub(array.offset),
            rows_complete: 0,
        }
        .into());
    }
    Ok(array)
}

pub fn infos(members: &[Member]) -> Vec<ArrayInfo> {
    members.iter().map(Member::describe).collect()
}

/// Opens the array `key` (or the only analysable one) for reading in row blocks.
pub fn open<'a, S: Source + 'a>(
    mut source: S,
    key: Option<&str>,
    rows: Option<std::ops::Range<u64>>,
    options: &ReadOptions,
) -> Result<Opened<'a>> {
    let mut all = members(&mut source)?;
    let (index, guess) = super::choose(&infos(&all), key)?;
    let member = all.swap_remove(index);
    let array = member.array?.with_options(options)?;
    let mut info = array.info(&member.name)?;
    info.guesses.extend(guess);
    let entry = member.entry;
    match entry.method {
        Method::Stored => {
            let mut array = array;
            array.offset += entry.data_offset;
            Ok(Opened { info, rows: Box::new(DenseRows::new(source, array, rows)?) })
        }
        Method::Deflated => {
            let fortran_view = array.fortran_order != array.transposed;
            if !fortran_view {
                return Ok(Opened { info, rows: Box::new(InflatedRows::new(source, &entry, array, rows)?) });
            }
            if array.shape.len() != 2 {
                return Err(FormatError::BadShape {
                    shape: array.shape.clone(),
                    detail: "a Fortran-ordered 3-D array inside a compressed .npz cannot be streamed by rows; \
                             save it in C order or with np.savez (uncompressed)"
                        .into(),
                }
                .into());
            }
            // The bytes are the C-order rows of the reversed shape: inflate them as such and
            // transpose in memory.
            let shape = if array.fortran_order { vec![array.shape[1], array.shape[0]] } else { array.shape.clone() };
            let stored = DenseArray::new(array.offset, array.dtype, shape, false);
            let inner = InflatedRows::new(source, &entry, stored, None)?;
            Ok(Opened { info, rows: Box::new(transpose_in_memory(Box::new(inner), rows)?) })
        }
    }
}

/// Rows of a deflated C-order array, inflated as they are needed. With skipped positions, the
/// rows of the skipped positions are inflated and discarded.
struct InflatedRows<'a> {
    reader: EntryReader<'a>,
    array: DenseArray,
    cols: usize,
    next_row: u64,
    end_row: u64,
    /// The stored row (of [S·T, H]) the stream is at.
    stored_row: u64,
    block_rows: usize,
    raw: Vec<u8>,
    total: u64,
}

impl<'a> InflatedRows<'a> {
    fn new<S: Source + 'a>(
        source: S,
        entry: &Entry,
        array: DenseArray,
        rows: Option<std::ops::Range<u64>>,
    ) -> Result<Self> {
        let (n, cols) = array.matrix_shape()?;
        let mut reader = EntryReader::new(source, entry);
        let range = rows.unwrap_or(0..n);
        let (start, end) = (range.start.min(n), range.end.min(n));
        let row_bytes = (cols * array.dtype.size()) as u64;
        // Inflate through the header; rows before the range are skipped as they are reached.
        discard(&mut reader, array.offset)?;
        let block_rows = ((8usize << 20) / row_bytes.max(1) as usize).clamp(1, 1 << 16);
        Ok(InflatedRows {
            reader,
            total: entry.size,
            array,
            cols,
            next_row: start,
            end_row: end.max(start),
            stored_row: 0,
            block_rows,
            raw: Vec::new(),
        })
    }

    /// The stored row of view row `r` (positions t < k of each sequence are not in the view).
    fn stored_row_of(&self, r: u64) -> u64 {
        match *self.array.shape.as_slice() {
            [_, t, _] if self.array.skip_positions > 0 => {
                let k = self.array.skip_positions;
                (r / (t - k)) * t + k + r % (t - k)
            }
            _ => r,
        }
    }

    /// Inflates `count` stored rows from stored row `from` (discarding any before it) into `out`.
    fn read_run(&mut self, from: u64, count: usize, out: &mut [f64]) -> Result<()> {
        let row_bytes = (self.cols * self.array.dtype.size()) as u64;
        discard(&mut self.reader, (from - self.stored_row) * row_bytes)?;
        self.raw.resize(count * row_bytes as usize, 0);
        self.reader.read_full(&mut self.raw)?;
        self.array.dtype.decode(&self.raw, out);
        self.stored_row = from + count as u64;
        Ok(())
    }
}

/// Inflates and drops `bytes` bytes.
fn discard(reader: &mut EntryReader<'_>, mut bytes: u64) -> Result<()> {
    let mut scratch = vec![0u8; bytes.min(1 << 16) as usize];
    while bytes > 0 {
        let k = bytes.min(scratch.len() as u64) as usize;
        reader.read_full(&mut scratch[..k])?;
        bytes -= k as u64;
    }
    Ok(())
}

impl RowBlocks for InflatedRows<'_> {
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
        // Runs of view rows that are consecutive stored rows (one per sequence at most).
        let (r0, r1) = (self.next_row, self.next_row + n as u64);
        let per = match *self.array.shape.as_slice() {
            [_, t, _] => t - self.array.skip_positions,
            _ => u64::MAX,
        };
        let mut r = r0;
        while r < r1 {
            let end = if per == u64::MAX { r1 } else { ((r / per + 1) * per).min(r1) };
            let from = self.stored_row_of(r);
            let (a, b) = (((r - r0) as usize) * self.cols, ((end - r0) as usize) * self.cols);
            self.read_run(from, (end - r) as usize, &mut out[a..b])?;
            r = end;
        }
        self.next_row = r1;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.reader.produced(), bytes_total: self.total }
    }
}
