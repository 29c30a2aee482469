//! Random-access byte sources: a file on disk, a browser `File`, or bytes in memory.
//!
//! Readers pull exactly the byte ranges they need, a chunk at a time, so a file larger than
//! memory is never held whole. In the browser the worker backs a [`Source`] with
//! `FileReaderSync` over `File.slice`, which is lazy.

use crate::error::{Error, Result};

/// Bytes that can be read at any offset.
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read. Fewer than asked
    /// happens only at the end of the source.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize>;

    /// True when the source has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads exactly `buf.len()` bytes at `offset`, or fails with `on_short`.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8], on_short: impl FnOnce(usize) -> Error) -> Result<()>
    where
        Self: Sized,
    {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_at(offset + done as u64, &mut buf[done..])?;
            if n == 0 {
                return Err(on_short(done));
            }
            done += n;
        }
        Ok(())
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        (**self).read_at(offset, buf)
    }
}

impl<S: Source + ?Sized> Source for Box<S> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// A source over bytes already in memory (tests, the built-in demo, small uploads).
#[derive(Debug, Clone)]
pub struct MemSource<B: AsRef<[u8]>>(pub B);

impl<B: AsRef<[u8]>> Source for MemSource<B> {
    fn len(&self) -> u64 {
        self.0.as_ref().len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let bytes = self.0.as_ref();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
        let n = buf.len().min(bytes.len() - start);
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}

/// A source over a file on disk (native builds).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileSource {
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            Ok(self.file.read_at(buf, offset)?)
        }
        #[cfg(not(unix))]
        {
            use std::io::{Read, Seek, SeekFrom};
            self.file.seek(SeekFrom::Start(offset))?;
            Ok(self.file.read(buf)?)
        }
    }
}
