//! The work plan: how the rows of one file are split over parallel readers.
//!
//! One rule for the CLI's threads and the page's Web Workers (it reaches the page through
//! wasm), so that both split the same file the same way. Each reader opens the file itself
//! and accumulates the moments of its share; the shares' moments merge exactly (Chan's
//! update), so the plan changes speed, never a number.
//!
//! A file is split only when
//! - its format can seek to a row (`.npy` and `.safetensors`, recognised as
//!   [`crate::read::Format::detect`] does, ignoring case; text and zip members are read in
//!   order),
//! - it is no wider than [`MAX_SPLIT_UNITS`] (every share holds its own D × D moments:
//!   512 MiB each at D = 8192), and
//! - each share gets at least [`MIN_VALUES_PER_SHARE`] values (below that, starting a reader
//!   costs more than it saves).
//!
//! Shares are contiguous row ranges, cut at `from + ⌊(to − from)·i / k⌋`, in row order.
//!
//! The top-k solver's passes ([`row_shares_top_k`]) split by the same rule without the width
//! limit: a pass's share holds D × b numbers (b = k + oversample columns), never D × D, so a
//! file of any width is split when it can seek and each share gets enough values.

use crate::read::{ArrayInfo, Format};
use std::ops::Range;

/// Below this many values a share costs more than it saves.
pub const MIN_VALUES_PER_SHARE: u64 = 1 << 21;
/// Wider than this, every share's D² moments cost too much memory: one reader reads alone.
pub const MAX_SPLIT_UNITS: usize = 4096;

/// Whether a file of this name can be read from any row (so split over readers): .npy,
/// safetensors and torch.save .pt (whose storages are stored uncompressed in the zip).
pub fn seekable(file_name: &str) -> bool {
    matches!(Format::detect(file_name, &[]), Ok(Format::Npy | Format::Safetensors))
        || crate::read::pt::is_pt_name(&file_name.to_ascii_lowercase())
}

/// The row ranges to read in parallel, at most `readers` of them, for the array `info` of the
/// file `file_name`, restricted to `rows` when given (clamped to the array). One range (the
/// whole request) when splitting would not pay.
pub fn row_shares(file_name: &str, info: &ArrayInfo, rows: Option<Range<u64>>, readers: usize) -> Vec<Range<u64>> {
    split(file_name, info, rows, readers, MAX_SPLIT_UNITS)
}

/// The row ranges of one top-k pass (`crate::linalg::topk`), at most `readers` of them: as
/// [`row_shares`], but a file wider than [`MAX_SPLIT_UNITS`] is split too (a pass's share
/// holds D × b values, not the D × D moments).
pub fn row_shares_top_k(
    file_name: &str,
    info: &ArrayInfo,
    rows: Option<Range<u64>>,
    readers: usize,
) -> Vec<Range<u64>> {
    split(file_name, info, rows, readers, usize::MAX)
}

fn split(
    file_name: &str,
    info: &ArrayInfo,
    rows: Option<Range<u64>>,
    readers: usize,
    max_units: usize,
) -> Vec<Range<u64>> {
    let range = rows.unwrap_or(0..info.rows);
    let from = range.start.min(info.rows);
    let to = range.end.min(info.rows).max(from);
    let span = to - from;
    let by_size = span.saturating_mul(info.cols as u64) / MIN_VALUES_PER_SHARE;
    let k = (readers as u64).min(by_size).max(1);
    if k < 2 || info.cols > max_units || !seekable(file_name) {
        return std::iter::once(from..to).collect();
    }
    (0..k).map(|i| from + cut(span, i, k)..from + cut(span, i + 1, k)).collect()
}

/// ⌊span·i / k⌋ without overflow.
fn cut(span: u64, i: u64, k: u64) -> u64 {
    ((span as u128 * i as u128) / k as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(rows: u64, cols: usize) -> ArrayInfo {
        ArrayInfo {
            name: "x".into(),
            dtype: "f32".into(),
            shape: vec![rows, cols as u64],
            fortran_order: false,
            rows,
            cols,
            flattened: None,
            data_bytes: rows * cols as u64 * 4,
            ..ArrayInfo::default()
        }
    }

    #[test]
    fn splits_large_seekable_files_by_rows_ignoring_case() {
        let i = info(50_000, 2048);
        let shares = row_shares("LAYER.NPY", &i, None, 4);
        assert_eq!(shares, vec![0..12_500, 12_500..25_000, 25_000..37_500, 37_500..50_000]);
        assert_eq!(row_shares("layer.safetensors", &i, Some(10..20_010), 2), vec![10..10_010, 10_010..20_010]);
    }

    #[test]
    fn keeps_one_reader_when_splitting_does_not_pay() {
        // 1000 × 64 values is far below two shares of 2²¹.
        assert_eq!(row_shares("x.npy", &info(1000, 64), None, 4), vec![0..1000]);
        // Text cannot seek; very wide files hold D² moments per share.
        assert_eq!(row_shares("x.csv", &info(50_000, 2048), None, 4), vec![0..50_000]);
        assert_eq!(row_shares("x.npy", &info(50_000, 8192), None, 4), vec![0..50_000]);
        // A range past the end is clamped, never inverted.
        assert_eq!(row_shares("x.npy", &info(100, 4), Some(500..900), 4), vec![100..100]);
    }

    #[test]
    fn top_k_passes_split_files_of_any_width() {
        // 512 × 16 384 = 2²³ values: four shares of 2²¹, by the same cuts as row_shares.
        let wide = info(512, 16_384);
        assert_eq!(row_shares("x.npy", &wide, None, 4), vec![0..512]);
        assert_eq!(row_shares_top_k("x.npy", &wide, None, 4), vec![0..128, 128..256, 256..384, 384..512]);
        assert_eq!(row_shares_top_k("x.npy", &wide, None, 8), vec![0..128, 128..256, 256..384, 384..512]);
        // Still one reader for text, and where a share would be too small.
        assert_eq!(row_shares_top_k("x.csv", &wide, None, 4), vec![0..512]);
        assert_eq!(row_shares_top_k("x.npy", &info(1000, 64), None, 4), vec![0..1000]);
        // Where the width limit does not apply, the two plans agree.
        let narrow = info(50_000, 2048);
        assert_eq!(row_shares_top_k("x.npy", &narrow, None, 4), row_shares("x.npy", &narrow, None, 4));
    }
}
