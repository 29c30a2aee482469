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
//! - each share gets at least [`MIN_VALUES_PER_SHARE`] values (below that, starting a reader
//!   costs more than it saves), and
//! - at least two shares fit the memory budget [`MEMORY_BUDGET`].
//!
//! **Memory.** Every share's reader holds its own D × D moments, [`share_bytes`] = D²·8 bytes,
//! and the merge holds the merged moments and the eigendecomposition's working matrix,
//! [`merge_bytes`] = 2·D²·8. The plan uses the most readers `k ≤ readers` with
//! `k·D²·8 + 2·D²·8 ≤ budget` ([`max_shares`]): one per logical core while they fit, and
//! fewer, down to one, as D grows. With the 2 GiB budget: at D ≤ 2048 (32 MiB per share) any
//! core count up to 62; 14 shares at D = 4096; 5 at D = 6000; 2 at D = 8192 (512 MiB each,
//! 4·512 MiB = 2 GiB exactly); one reader from D = 8193. The count is of the moments only:
//! each reader's buffer of rows in flight and its flat copy of the moments sent to the merge
//! (D(D+1)/2 values) come on top; the budget leaves room for them below a browser tab's usual
//! few GiB.
//!
//! Shares are contiguous row ranges, cut at `from + ⌊(to − from)·i / k⌋`, in row order.
//!
//! The top-k solver's passes ([`row_shares_top_k`]) split by the same rule without the memory
//! limit: a pass's share holds D × b numbers (b = k + oversample columns), never D × D, so a
//! file of any width is split when it can seek and each share gets enough values.

use crate::read::{ArrayInfo, Format};
use std::ops::Range;

/// Below this many values a share costs more than it saves.
pub const MIN_VALUES_PER_SHARE: u64 = 1 << 21;
/// The memory a split read's moments may take, over all its readers and the merge: 2 GiB.
pub const MEMORY_BUDGET: u64 = 2 << 30;

/// Bytes of one share's moments: the D × D scatter in f64.
pub fn share_bytes(d: usize) -> u64 {
    (d as u64).saturating_mul(d as u64).saturating_mul(8)
}

/// Bytes the merge holds: the merged D × D moments and the eigendecomposition's D × D matrix.
pub fn merge_bytes(d: usize) -> u64 {
    share_bytes(d).saturating_mul(2)
}

/// The most shares of a D-unit file whose moments fit `budget` with the merge's:
/// the largest k with `k·share_bytes(d) + merge_bytes(d) ≤ budget` (0 when even the merge does
/// not fit; a plan still reads with one reader then, and the caller decides whether to run it).
pub fn max_shares(d: usize, budget: u64) -> u64 {
    match share_bytes(d) {
        0 => u64::MAX,
        share => (budget / share).saturating_sub(2),
    }
}

/// Whether a file of this name can be read from any row (so split over readers): .npy,
/// safetensors and torch.save .pt (whose storages are stored uncompressed in the zip).
pub fn seekable(file_name: &str) -> bool {
    matches!(Format::detect(file_name, &[]), Ok(Format::Npy | Format::Safetensors))
        || crate::read::pt::is_pt_name(&file_name.to_ascii_lowercase())
}

/// The row ranges to read in parallel, at most `readers` of them and at most
/// [`max_shares`]`(D, `[`MEMORY_BUDGET`]`)`, for the array `info` of the file `file_name`,
/// restricted to `rows` when given (clamped to the array). One range (the whole request) when
/// splitting would not pay or not fit.
pub fn row_shares(file_name: &str, info: &ArrayInfo, rows: Option<Range<u64>>, readers: usize) -> Vec<Range<u64>> {
    row_shares_within(file_name, info, rows, readers, MEMORY_BUDGET)
}

/// [`row_shares`] with another memory budget (bytes) for the shares' moments and the merge.
pub fn row_shares_within(
    file_name: &str,
    info: &ArrayInfo,
    rows: Option<Range<u64>>,
    readers: usize,
    budget: u64,
) -> Vec<Range<u64>> {
    split(file_name, info, rows, readers, max_shares(info.cols, budget))
}

/// The row ranges of one top-k pass (`crate::linalg::topk`), at most `readers` of them: as
/// [`row_shares`], but without the memory limit (a pass's share holds D × b values, not the
/// D × D moments).
pub fn row_shares_top_k(
    file_name: &str,
    info: &ArrayInfo,
    rows: Option<Range<u64>>,
    readers: usize,
) -> Vec<Range<u64>> {
    split(file_name, info, rows, readers, u64::MAX)
}

fn split(
    file_name: &str,
    info: &ArrayInfo,
    rows: Option<Range<u64>>,
    readers: usize,
    max_shares: u64,
) -> Vec<Range<u64>> {
    let range = rows.unwrap_or(0..info.rows);
    let from = range.start.min(info.rows);
    let to = range.end.min(info.rows).max(from);
    let span = to - from;
    let by_size = span.saturating_mul(info.cols as u64) / MIN_VALUES_PER_SHARE;
    let k = (readers as u64).min(by_size).min(max_shares).max(1);
    if k < 2 || !seekable(file_name) {
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
        // Text cannot seek; a file too wide for two shares' D² moments and the merge's is read
        // by one reader (D = 8193: 4·D²·8 is 2 GiB + 1 MiB).
        assert_eq!(row_shares("x.csv", &info(50_000, 2048), None, 4), vec![0..50_000]);
        assert_eq!(row_shares("x.npy", &info(50_000, 8193), None, 4), vec![0..50_000]);
        // A range past the end is clamped, never inverted.
        assert_eq!(row_shares("x.npy", &info(100, 4), Some(500..900), 4), vec![100..100]);
    }

    #[test]
    fn readers_follow_the_memory_budget() {
        const GIB: u64 = 1 << 30;
        // D = 6000: a share's moments are 6000²·8 B = 274.7 MiB, the merge's twice that.
        // 1 GiB holds ⌊1024 / 274.7⌋ = 3 such matrices: the merge's 2 and one share, so one
        // reader however many cores; 2 GiB holds 7: 5 shares, so 4 cores give 4 readers.
        assert_eq!(share_bytes(6000), 288_000_000);
        assert_eq!(max_shares(6000, GIB), 1);
        let i = info(50_000, 6000);
        assert_eq!(row_shares_within("x.npy", &i, None, 4, GIB), vec![0..50_000]);
        assert_eq!(max_shares(6000, 2 * GIB), 5);
        assert_eq!(row_shares_within("x.npy", &i, None, 4, 2 * GIB).len(), 4);
        assert_eq!(row_shares("x.npy", &i, None, 8).len(), 5);
        // The default budget (2 GiB) at the widths the page runs: wider than the old 4096-unit
        // limit, files still split while two shares fit.
        assert_eq!(max_shares(4096, MEMORY_BUDGET), 14);
        assert_eq!(max_shares(8192, MEMORY_BUDGET), 2);
        assert_eq!(row_shares("x.npy", &info(50_000, 8192), None, 4), vec![0..25_000, 25_000..50_000]);
        assert_eq!(max_shares(8193, MEMORY_BUDGET), 1);
        // Even the merge does not fit: no shares (one reader; the caller refuses or proposes top k).
        assert_eq!(max_shares(16_384, GIB), 0);
        assert_eq!(row_shares_within("x.npy", &info(50_000, 16_384), None, 4, GIB), vec![0..50_000]);
        // D = 0 holds nothing: the budget never limits it.
        assert_eq!(max_shares(0, GIB), u64::MAX);
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
        // Where the memory limit does not bind, the two plans agree.
        let narrow = info(50_000, 2048);
        assert_eq!(row_shares_top_k("x.npy", &narrow, None, 4), row_shares("x.npy", &narrow, None, 4));
    }
}
