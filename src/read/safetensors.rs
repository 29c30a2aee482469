//! safetensors: an 8-byte little-endian header length, a JSON header mapping each tensor name
//! to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section), then
//! the data. Every offset is checked against the file and against the other tensors before a
//! byte of data is read.

use super::dense::DenseArray;
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
    pub array: DenseArray,
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
    for (name, value) in map {
        if name == "__metadata__" {
            continue;
        }
        let entry: Entry = serde_json::from_value(value)
            .map_err(|e| FormatError::BadHeader { format: FORMAT, detail: format!("tensor '{name}': {e}") })?;
        let [begin, end] = entry.data_offsets;
        let array = DenseArray {
            offset: data_start + begin,
            dtype: dtype(&entry.dtype)?,
            shape: entry.shape,
            fortran_order: false,
        };
        let bytes = array.data_bytes()?;
        if end < begin || end - begin != bytes {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!(
                    "tensor '{name}': data_offsets [{begin}, {end}] hold {} bytes but its shape and dtype need {bytes}",
                    end.saturating_sub(begin)
                ),
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
        out.push((begin, end, Tensor { name, array }));
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
    Ok(out.into_iter().map(|t| t.2).collect())
}

/// Picks the tensor named `key`, or the only one when no key is given.
pub fn select(tensors: Vec<Tensor>, key: Option<&str>) -> Result<Tensor> {
    let names = || tensors.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    match key {
        Some(k) => {
            let available = names();
            tensors
                .into_iter()
                .find(|t| t.name == k)
                .ok_or_else(|| FormatError::NoSuchArray { name: k.to_string(), available }.into())
        }
        None if tensors.len() == 1 => Ok(tensors.into_iter().next().ok_or(FormatError::Empty)?),
        None => Err(FormatError::ChooseArray { available: names() }.into()),
    }
}
