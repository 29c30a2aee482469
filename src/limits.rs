//! The sizes eigenlens refuses to go past, in one module below every user (the readers, the
//! moments, the analyses, the page and the CLI), so that none of them imports another only for
//! a constant.

/// The most units analysed: the moments (D² f64) then take 2 GiB, half of a wasm memory.
pub const MAX_UNITS: usize = 16_384;

/// The most values an in-memory analysis holds by default: 2^25 f64 = 256 MiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 25;
