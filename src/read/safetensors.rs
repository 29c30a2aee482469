//! safetensors: an 8-byte little-endian header length, a JSON header mapping each tensor name
//! to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section), then
//! the data. Every offset is checked against the file and against the other tensors before a
//! byte of data is read. A tensor of a dtype eigenlens does not read (FP8, complex, …) is
//! listed, marked not analysable; it does not stop the others from being read.
//!
//! Why not the `safetensors` crate (0.8) for the header: its `TensorInfo` holds
//! `data_offsets: (usize, usize)` and `shape: Vec<usize>`, so on wasm32 (where usize is 32 bits)
//! any tensor that ends past 4 GiB fails to deserialize, and the page is where large files are
//! read; its `SafeTensors::read_metadata` also wants the whole file in one buffer (it checks the
//! buffer's length against the data's end), which a streamed reader does not have, and its
//! validation errors do not name the tensor at fault (`TensorInvalidInfo`). This reader follows
//! the same format (the crate's `src/tensor.rs`, read at 0.8.0: 8-byte LE length,
//! JSON header, `__metadata__` skipped, 100 MB header limit) with u64 offsets.

use super::dense::{ArrayInfo, DenseArray};
use super::dtype::{DType, Scalar};
use super::source::Source;
use crate::error::{FormatError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

const FORMAT: &str = "safetensors";
/// The reference implementation refuses headers over 100 MB.
const MAX_HEADER_BYTES: u64 = 100_000_000;

#[derive(Debug, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

/// One tensor of the file, located and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    /// The tensor, or why it cannot be read (a dtype eigenlens does not read).
    pub array: Result<DenseArray, FormatError>,
    /// The dtype as the header names it.
    pub dtype: String,
    pub shape: Vec<u64>,
}

impl Tensor {
    /// What it is, analysable or not.
    pub fn describe(&self) -> ArrayInfo {
        match &self.array {
            Ok(array) => array.describe(&self.name),
            Err(e) => ArrayInfo::unanalysable(&self.name, &self.dtype, self.shape.clone(), e.to_string()),
        }
    }
}

/// Bits per element of the safetensors dtypes eigenlens does not read, to check their sizes.
fn other_dtype_bits(name: &str) -> Option<u64> {
    match name {
        "F4" => Some(4),
        "F6_E2M3" | "F6_E3M2" => Some(6),
        "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ" | "F8_E5M2FNUZ" => Some(8),
        "C64" => Some(64),
        _ => None,
    }
}

fn dtype(name: &str) -> Result<DType, FormatError> {
    use Scalar::*;
    let scalar = match name {
        "F16" => F16,
        "BF16" => BF16,
        "F32" => F32,
        "F64" => F64,
        "I8" => I8,
        "I16" => I16,
        "I32" => I32,
        "I64" => I64,
        "U8" => U8,
        "U16" => U16,
        "U32" => U32,
        "U64" => U64,
        "BOOL" => Bool,
        other => return Err(FormatError::UnsupportedDtype { dtype: other.to_string() }),
    };
    Ok(DType::little(scalar))
}

/// Reads and checks the header; returns every tensor, in name order.
pub fn tensors<S: Source>(source: &mut S) -> Result<Vec<Tensor>> {
    Ok(tensors_and_metadata(source)?.0)
}

/// `__metadata__.format` of an eigenlens moments file (`crate::moments_file`): the readers
/// refuse such a file as rows, since its tensors are a layer's moments.
pub const MOMENTS_FORMAT: &str = "eigenlens-moments";

/// [`tensors`], and the header's string entries of `__metadata__` (empty when it has none).
/// Entries that are not strings are left out, as [`tensors`] has always ignored the metadata.
pub fn tensors_and_metadata<S: Source>(source: &mut S) -> Result<(Vec<Tensor>, BTreeMap<String, String>)> {
    let len = source.len();
    if len == 0 {
        return Err(FormatError::Empty.into());
    }
    let mut n = [0u8; 8];
    source.read_exact_at(0, &mut n, |_| FormatError::TruncatedHeader { format: FORMAT }.into())?;
    let header_len = u64::from_le_bytes(n);
    if header_len > MAX_HEADER_BYTES {
        return Err(FormatError::Limit {
            what: format!("a safetensors header of {header_len} bytes (the limit is 100 MB)"),
        }
        .into());
    }
    if header_len > len - 8 {
        return Err(FormatError::BadHeader {
            format: FORMAT,
            detail: format!("the header length {header_len} runs past the end of the file ({len} bytes)"),
        }
        .into());
    }
    let mut header = vec![0u8; header_len as usize];
    source.read_exact_at(8, &mut header, |_| FormatError::TruncatedHeader { format: FORMAT }.into())?;
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&header).map_err(|e| {
        FormatError::BadHeader { format: FORMAT, detail: format!("the header is not a JSON object of tensors: {e}") }
    })?;
    let data_start = 8 + header_len;
    let data_len = len - data_start;
    let mut out = Vec::new();
    let mut metadata = BTreeMap::new();
    for (name, value) in map {
        if name == "__metadata__" {
            if let serde_json::Value::Object(entries) = value {
                metadata = entries.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))).collect();
            }
            continue;
        }
        let entry: Entry = serde_json::from_value(value)
            .map_err(|e| FormatError::BadHeader { format: FORMAT, detail: format!("tensor '{name}': {e}") })?;
        let [begin, end] = entry.data_offsets;
        let (array, bytes) = match dtype(&entry.dtype) {
            Ok(dt) => {
                let array = DenseArray::new(data_start + begin, dt, entry.shape.clone(), false);
                let bytes = array.data_bytes()?;
                (Ok(array), Some(bytes))
            }
            Err(e) => {
                let bits = other_dtype_bits(&entry.dtype).and_then(|b| {
                    entry.shape.iter().try_fold(b, |acc, &d| acc.checked_mul(d)).map(|bits| bits.div_ceil(8))
                });
                (Err(e), bits)
            }
        };
        if let Some(bytes) = bytes.filter(|b| end < begin || end - begin != *b) {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!(
                    "tensor '{name}': data_offsets [{begin}, {end}] hold {} bytes but its shape and dtype need {bytes}",
                    end.saturating_sub(begin)
                ),
            }
            .into());
        }
        if end < begin {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!("tensor '{name}': data_offsets [{begin}, {end}] end before they begin"),
            }
            .into());
        }
        if end > data_len {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!(
                    "tensor '{name}': data_offsets [{begin}, {end}] run past the data section ({data_len} bytes)"
                ),
            }
            .into());
        }
        out.push((begin, end, Tensor { name, array, dtype: entry.dtype, shape: entry.shape }));
    }
    let mut by_offset: Vec<&(u64, u64, Tensor)> = out.iter().collect();
    by_offset.sort_by_key(|t| (t.0, t.1));
    for pair in by_offset.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!("tensors '{}' and '{}' overlap", pair[0].2.name, pair[1].2.name),
            }
            .into());
        }
    }
    Ok((out.into_iter().map(|t| t.2).collect(), metadata))
}
