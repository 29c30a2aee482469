//! The zip container under `.npz`: the central directory (with zip64), stored and deflated
//! entries, read as streams without holding an entry in memory.
//!
//! Sizes in the directory are checked against the file, and a deflated entry is never
//! inflated past its declared size; a declared ratio beyond what deflate can reach (about
//! 1032 : 1) is refused as a zip bomb before anything is inflated.
//!
//! Why our own directory reader and not the `zip` crate (measured with zip 7.4.0,
//! `default-features = false, features = ["deflate-flate2"]`, replacing only [`entries`]):
//! - wasm size: the release `eigenlens.wasm` grew from 1 206 559 to 1 279 586 bytes
//!   (+73 027, +6.1 %) for the central directory alone (it brings indexmap, hashbrown,
//!   typed-path, memchr and crc32fast);
//! - streaming: stored members can still be read in place (`ZipFile::data_start`), but a
//!   deflated member is a `ZipFile<'_, R>` that borrows the archive mutably, so a row reader
//!   that inflates a block per call would have to own both (self-referential): the inflating
//!   stream below (flate2 over a byte range) stays either way;
//! - checks: with the crate, a stored entry whose directory declares a compressed size unlike
//!   its size was read (tests/npz.rs `a_declared_size_that_lies_is_refused` failed), where
//!   this reader refuses it.
//!
//! The zip64 records and the local-header walk follow APPNOTE.TXT (PKWARE), §4.3.

use super::source::Source;
use crate::error::{Error, FormatError, Result};
use std::io::Read;

const FORMAT: &str = "zip";
/// Deflate cannot compress better than ~1032 : 1; a larger declared ratio is a lie.
pub const MAX_RATIO: u64 = 1100;
const MAX_ENTRIES: usize = 100_000;

/// How an entry's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

/// One file in the archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub method: Method,
    pub compressed_size: u64,
    pub size: u64,
    /// Offset of the entry's data (after its local header).
    pub data_offset: u64,
}

fn bad(detail: impl Into<String>) -> Error {
    FormatError::BadHeader { format: FORMAT, detail: detail.into() }.into()
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

fn read_vec<S: Source>(source: &mut S, offset: u64, len: usize) -> Result<Vec<u8>> {
    let mut v = vec![0u8; len];
    source.read_exact_at(offset, &mut v, |_| bad("the archive ends inside a header"))?;
    Ok(v)
}

/// Reads the central directory.
pub fn entries<S: Source>(source: &mut S) -> Result<Vec<Entry>> {
    let len = source.len();
    if len == 0 {
        return Err(FormatError::Empty.into());
    }
    // The end-of-central-directory record is in the last 22 + 65535 bytes.
    let tail_len = len.min(22 + 65_535) as usize;
    let tail_start = len - tail_len as u64;
    let tail = read_vec(source, tail_start, tail_len)?;
    let eocd = (0..tail_len.saturating_sub(21)).rev().find(|&i| u32_at(&tail, i) == 0x0605_4b50);
    let Some(eocd) = eocd else {
        // A zip that starts as one but has no end record was cut short (a copy or a write that
        // stopped): say so, rather than that it is not a zip at all.
        let mut head = [0u8; 4];
        let starts_as_zip = source.read_at(0, &mut head)? == 4 && u32_at(&head, 0) == 0x0403_4b50;
        if starts_as_zip {
            return Err(bad(
                "it starts as a zip but its end (the central directory) is missing: the file is truncated; \
                 copy or save it again",
            ));
        }
        return Err(FormatError::BadMagic { format: FORMAT }.into());
    };
    let mut count = u64::from(u16_at(&tail, eocd + 10));
    let mut cd_size = u64::from(u32_at(&tail, eocd + 12));
    let mut cd_offset = u64::from(u32_at(&tail, eocd + 16));
    // zip64: a locator 20 bytes before the EOCD points at the zip64 EOCD record.
    let eocd_abs = tail_start + eocd as u64;
    if (count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff) && eocd_abs >= 20 {
        let loc = read_vec(source, eocd_abs - 20, 20)?;
        if u32_at(&loc, 0) == 0x0706_4b50 {
            let rec_offset = u64_at(&loc, 8);
            let rec = read_vec(source, rec_offset, 56)?;
            if u32_at(&rec, 0) != 0x0606_4b50 {
                return Err(bad("the zip64 end record is not where its locator says"));
            }
            count = u64_at(&rec, 32);
            cd_size = u64_at(&rec, 40);
            cd_offset = u64_at(&rec, 48);
        }
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > eocd_abs) {
        return Err(bad("the central directory runs past the end of the archive"));
    }
    if count as usize > MAX_ENTRIES {
        return Err(FormatError::Limit { what: format!("an archive of {count} entries") }.into());
    }
    let cd = read_vec(source, cd_offset, cd_size as usize)?;
    let mut out = Vec::new();
    let mut i = 0usize;
    for _ in 0..count {
        if i + 46 > cd.len() || u32_at(&cd, i) != 0x0201_4b50 {
            return Err(bad("a central directory entry is damaged"));
        }
        let method = match u16_at(&cd, i + 10) {
            0 => Method::Stored,
            8 => Method::Deflated,
            m => return Err(bad(format!("compression method {m} (only stored and deflate are read)"))),
        };
        let mut compressed_size = u64::from(u32_at(&cd, i + 20));
        let mut size = u64::from(u32_at(&cd, i + 24));
        let (name_len, extra_len, comment_len) =
            (u16_at(&cd, i + 28) as usize, u16_at(&cd, i + 30) as usize, u16_at(&cd, i + 32) as usize);
        let mut local = u64::from(u32_at(&cd, i + 42));
        let end = i + 46 + name_len + extra_len + comment_len;
        if end > cd.len() {
            return Err(bad("a central directory entry is damaged"));
        }
        let name = String::from_utf8_lossy(&cd[i + 46..i + 46 + name_len]).into_owned();
        // zip64 extra field: the 0xffffffff fields, in order size, compressed size, offset.
        let mut extra = &cd[i + 46 + name_len..i + 46 + name_len + extra_len];
        while extra.len() >= 4 {
            let (id, n) = (u16_at(extra, 0), u16_at(extra, 2) as usize);
            let body = &extra[4..(4 + n).min(extra.len())];
            if id == 1 {
                let mut fields = body.chunks_exact(8).map(|c| u64_at(c, 0));
                if size == 0xffff_ffff {
                    size = fields.next().unwrap_or(size);
                }
                if compressed_size == 0xffff_ffff {
                    compressed_size = fields.next().unwrap_or(compressed_size);
                }
                if local == 0xffff_ffff {
                    local = fields.next().unwrap_or(local);
                }
            }
            extra = &extra[(4 + n).min(extra.len())..];
        }
        let lh = read_vec(source, local, 30)?;
        if u32_at(&lh, 0) != 0x0403_4b50 {
            return Err(bad(format!("entry '{name}': no local header at its offset")));
        }
        let data_offset = local + 30 + u64::from(u16_at(&lh, 26)) + u64::from(u16_at(&lh, 28));
        if data_offset.checked_add(compressed_size).is_none_or(|e| e > cd_offset) {
            return Err(bad(format!("entry '{name}': its declared size {compressed_size} runs past its data")));
        }
        if method == Method::Stored && compressed_size != size {
            return Err(bad(format!(
                "entry '{name}' is stored but declares {compressed_size} bytes stored and {size} unpacked"
            )));
        }
        if method == Method::Deflated && size > compressed_size.max(1).saturating_mul(MAX_RATIO) {
            return Err(FormatError::Limit {
                what: format!(
                    "entry '{name}' declares {size} bytes from {compressed_size} compressed (ratio over {MAX_RATIO}:1, more than deflate can reach): a zip bomb"
                ),
            }
            .into());
        }
        out.push(Entry { name, method, compressed_size, size, data_offset });
        i = end;
    }
    Ok(out)
}

/// A `Read` over a byte range of a source.
pub struct RangeReader<S: Source> {
    pub source: S,
    pub offset: u64,
    pub end: u64,
}

impl<S: Source> Read for RangeReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.end - self.offset) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.source.read_at(self.offset, &mut buf[..n]).map_err(|e| std::io::Error::other(e.to_string()))?;
        self.offset += got as u64;
        Ok(got)
    }
}

/// The entry's unpacked bytes as a stream that fails if they exceed or fall short of the
/// declared size.
pub struct EntryReader<'a> {
    inner: Box<dyn Read + 'a>,
    name: String,
    declared: u64,
    produced: u64,
}

impl<'a> EntryReader<'a> {
    pub fn new<S: Source + 'a>(source: S, entry: &Entry) -> Self {
        let range = RangeReader { source, offset: entry.data_offset, end: entry.data_offset + entry.compressed_size };
        let inner: Box<dyn Read + 'a> = match entry.method {
            Method::Stored => Box::new(range),
            Method::Deflated => Box::new(flate2::read::DeflateDecoder::new_with_buf(range, vec![0; 1 << 20])),
        };
        EntryReader { inner, name: entry.name.clone(), declared: entry.size, produced: 0 }
    }

    /// Fills `buf` completely, or fails naming the entry.
    pub fn read_full(&mut self, buf: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.inner.read(&mut buf[done..]).map_err(|e| bad(format!("entry '{}': {e}", self.name)))?;
            if n == 0 {
                return Err(bad(format!(
                    "entry '{}' ends after {} bytes but declares {}",
                    self.name,
                    self.produced + done as u64,
                    self.declared
                )));
            }
            done += n;
        }
        self.produced += done as u64;
        if self.produced > self.declared {
            return Err(bad(format!("entry '{}' unpacks past its declared size {}", self.name, self.declared)));
        }
        Ok(())
    }

    pub fn produced(&self) -> u64 {
        self.produced
    }
}
