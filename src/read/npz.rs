//! NumPy `.npz`: a zip of `.npy` files, stored (`np.savez`) or deflated
//! (`np.savez_compressed`). Stored arrays are read in place like any `.npy`; deflated ones are
//! inflated as a stream, a block of rows at a time.

use super::dense::{ArrayInfo, DenseArray, DenseRows};
use super::source::{MemSource, Source};
use super::zip::{self, Entry, EntryReader, Method};
use super::{npy, Opened, Progress, RowBlocks};
use crate::error::{FormatError, Result};

/// An array of the archive: its entry and its header (offset relative to the entry's start).
pub struct Member {
    pub name: String,
    pub entry: Entry,
    pub array: DenseArray,
}

/// Header bytes inflated to find an array's header (npy headers are far shorter).
const HEADER_PROBE: u64 = 1 << 20;

/// Every `.npy` array in the archive, with its header read.
pub fn members<S: Source>(source: &mut S) -> Result<Vec<Member>> {
    let mut out = Vec::new();
    for entry in zip::entries(source)? {
        let Some(name) = entry.name.strip_suffix(".npy") else { continue };
        let probe_len = entry.size.min(HEADER_PROBE) as usize;
        let mut head = vec![0u8; probe_len];
        EntryReader::new(&mut *source, &entry).read_full(&mut head)?;
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
        out.push(Member { name: name.to_string(), entry, array });
    }
    Ok(out)
}

pub fn infos(members: &[Member]) -> Result<Vec<ArrayInfo>> {
    members.iter().map(|m| m.array.info(&m.name)).collect()
}

/// Opens the array `key` (or the only one) for reading in row blocks.
pub fn open<'a, S: Source + 'a>(
    mut source: S,
    key: Option<&str>,
    rows: Option<std::ops::Range<u64>>,
) -> Result<Opened<'a>> {
    let all = members(&mut source)?;
    let names: Vec<String> = all.iter().map(|m| m.name.clone()).collect();
    let member = match key {
        Some(k) => all
            .into_iter()
            .find(|m| m.name == k)
            .ok_or(FormatError::NoSuchArray { name: k.into(), available: names })?,
        None if all.len() == 1 => all.into_iter().next().ok_or(FormatError::Empty)?,
        None if all.is_empty() => {
            return Err(
                FormatError::BadHeader { format: "npz", detail: "the archive holds no .npy arrays".into() }.into()
            )
        }
        None => return Err(FormatError::ChooseArray { available: names }.into()),
    };
    let info = member.array.info(&member.name)?;
    match member.entry.method {
        Method::Stored => {
            let mut array = member.array;
            array.offset += member.entry.data_offset;
            Ok(Opened { info, rows: Box::new(DenseRows::new(source, array, rows)?) })
        }
        Method::Deflated => {
            if member.array.fortran_order {
                return Err(FormatError::BadShape {
                    shape: member.array.shape.clone(),
                    detail: "a Fortran-ordered array inside a compressed .npz cannot be streamed by rows; \
                             save it in C order or with np.savez (uncompressed)"
                        .into(),
                }
                .into());
            }
            Ok(Opened { info, rows: Box::new(InflatedRows::new(source, member, rows)?) })
        }
    }
}

/// Rows of a deflated C-order array, inflated as they are needed.
struct InflatedRows<'a> {
    reader: EntryReader<'a>,
    array: DenseArray,
    cols: usize,
    next_row: u64,
    end_row: u64,
    block_rows: usize,
    raw: Vec<u8>,
    total: u64,
}

impl<'a> InflatedRows<'a> {
    fn new<S: Source + 'a>(source: S, member: Member, rows: Option<std::ops::Range<u64>>) -> Result<Self> {
        let (n, cols) = member.array.matrix_shape()?;
        let mut reader = EntryReader::new(source, &member.entry);
        let range = rows.unwrap_or(0..n);
        let (start, end) = (range.start.min(n), range.end.min(n));
        let row_bytes = (cols * member.array.dtype.size()) as u64;
        // Skip the header and the rows before the range, inflating through them.
        let mut skip = member.array.offset + start * row_bytes;
        let mut scratch = vec![0u8; 1 << 16];
        while skip > 0 {
            let k = skip.min(scratch.len() as u64) as usize;
            reader.read_full(&mut scratch[..k])?;
            skip -= k as u64;
        }
        let block_rows = ((8usize << 20) / row_bytes.max(1) as usize).clamp(1, 1 << 16);
        Ok(InflatedRows {
            reader,
            total: member.entry.size,
            array: member.array,
            cols,
            next_row: start,
            end_row: end.max(start),
            block_rows,
            raw: Vec::new(),
        })
    }
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
        self.raw.resize(n * self.cols * self.array.dtype.size(), 0);
        self.reader.read_full(&mut self.raw)?;
        self.array.dtype.decode(&self.raw, out);
        self.next_row += n as u64;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.reader.produced(), bytes_total: self.total }
    }
}
