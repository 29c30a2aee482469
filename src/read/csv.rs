//! Delimited text: CSV, TSV, and whitespace-separated columns (TensorFlow's Embedding
//! Projector TSV among them), streamed a chunk at a time.
//!
//! The delimiter is detected from the first line (tab, then comma, then runs of whitespace).
//! A first line with any cell that is not a number is a header: it is skipped and reported.
//! Every later line must have as many numbers as the first data line; a line that does not,
//! or a cell that is not a number, is an error naming its 1-based line and column.

use super::source::Source;
use super::{Progress, RowBlocks};
use crate::error::{FormatError, Result};

/// How cells are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Tab,
    Whitespace,
}

impl Delimiter {
    fn detect(line: &str) -> Delimiter {
        if line.contains('\t') {
            Delimiter::Tab
        } else if line.contains(',') {
            Delimiter::Comma
        } else {
            Delimiter::Whitespace
        }
    }

    fn split<'a>(self, line: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match self {
            Delimiter::Comma => Box::new(line.split(',').map(str::trim)),
            Delimiter::Tab => Box::new(line.split('\t').map(str::trim)),
            Delimiter::Whitespace => Box::new(line.split_whitespace()),
        }
    }
}

const CHUNK: usize = 1 << 20;
/// A single line longer than this is not a table row (a binary file, or a missing newline).
const MAX_LINE: usize = 64 << 20;

/// A header followed by a row that is not numbers either is a table of labels: most likely the
/// Embedding Projector's metadata file, which goes beside the tensors file and is not read.
fn labels_hint(e: crate::error::Error) -> crate::error::Error {
    match e {
        crate::error::Error::Format(FormatError::Text { line, column, detail }) => text_error(
            line,
            column,
            &format!(
                "{detail}; this file holds labels, not activations (an Embedding Projector \
                 metadata file?): choose the tensors file, whose rows are all numbers"
            ),
        ),
        other => other,
    }
}

/// Rows of a delimited text file.
pub struct CsvRows<S: Source> {
    source: S,
    offset: u64,
    pending: Vec<u8>,
    line_no: u64,
    delimiter: Delimiter,
    cols: usize,
    /// The header row's cells, when the first line was one.
    pub header: Option<Vec<String>>,
    first_row: Option<Vec<f64>>,
    rows_done: u64,
    block_rows: usize,
}

impl<S: Source> CsvRows<S> {
    /// Reads up to the first data row: delimiter, header and width are known after this.
    pub fn open(source: S) -> Result<Self> {
        if source.is_empty() {
            return Err(FormatError::Empty.into());
        }
        let mut r = CsvRows {
            source,
            offset: 0,
            pending: Vec::new(),
            line_no: 0,
            delimiter: Delimiter::Comma,
            cols: 0,
            header: None,
            first_row: None,
            rows_done: 0,
            block_rows: 1024,
        };
        let Some(first) = r.next_line()? else {
            return Err(text_error(0, None, "the file has no rows"));
        };
        r.delimiter = Delimiter::detect(&first);
        let cells: Vec<&str> = r.delimiter.split(&first).collect();
        if cells.iter().any(|c| c.parse::<f64>().is_err()) {
            r.header = Some(cells.iter().map(|c| c.to_string()).collect());
            let Some(line) = r.next_line()? else {
                return Err(text_error(0, None, "the file has a header row but no data rows"));
            };
            r.cols = r.delimiter.split(&line).count();
            r.first_row = Some(r.parse(&line).map_err(labels_hint)?);
        } else {
            r.cols = cells.len();
            r.first_row = Some(r.parse(&first)?);
        }
        r.block_rows = ((8 << 20) / (8 * r.cols.max(1))).clamp(1, 1 << 16);
        Ok(r)
    }

    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// The next non-blank line, without its line ending; None at the end.
    fn next_line(&mut self) -> Result<Option<String>> {
        loop {
            if let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
                let rest = self.pending.split_off(pos + 1);
                let mut line = std::mem::replace(&mut self.pending, rest);
                line.pop();
                self.line_no += 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                let text = String::from_utf8(line).map_err(|_| text_error(self.line_no, None, "is not UTF-8 text"))?;
                if text.trim().is_empty() {
                    continue;
                }
                return Ok(Some(text));
            }
            if self.pending.len() > MAX_LINE {
                return Err(text_error(self.line_no + 1, None, "is longer than 64 MiB: not a table row"));
            }
            let mut chunk = vec![0u8; CHUNK];
            let n = self.source.read_at(self.offset, &mut chunk)?;
            if n == 0 {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                self.pending.push(b'\n'); // the last line has no newline
                continue;
            }
            self.offset += n as u64;
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }

    fn parse(&self, line: &str) -> Result<Vec<f64>> {
        let mut row = Vec::with_capacity(self.cols);
        for (j, cell) in self.delimiter.split(line).enumerate() {
            let v = cell.parse::<f64>().map_err(|_| {
                text_error(self.line_no, Some(j as u64 + 1), &format!("'{}' is not a number", clip(cell)))
            })?;
            row.push(v);
        }
        if row.len() != self.cols {
            return Err(text_error(
                self.line_no,
                None,
                &format!("has {} values where the first row has {}", row.len(), self.cols),
            ));
        }
        Ok(row)
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > 20 {
        format!("{}…", s.chars().take(20).collect::<String>())
    } else {
        s.to_string()
    }
}

fn text_error(line: u64, column: Option<u64>, detail: &str) -> crate::error::Error {
    FormatError::Text { line, column, detail: detail.to_string() }.into()
}

impl<S: Source> RowBlocks for CsvRows<S> {
    fn cols(&self) -> usize {
        self.cols
    }
    fn rows_hint(&self) -> Option<u64> {
        None
    }
    fn position(&self) -> u64 {
        self.rows_done
    }
    fn next_block(&mut self, out: &mut Vec<f64>) -> Result<usize> {
        out.clear();
        let mut n = 0;
        if let Some(first) = self.first_row.take() {
            out.extend_from_slice(&first);
            n += 1;
        }
        while n < self.block_rows {
            let Some(line) = self.next_line()? else { break };
            out.extend_from_slice(&self.parse(&line)?);
            n += 1;
        }
        self.rows_done += n as u64;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.offset - self.pending.len() as u64, bytes_total: self.source.len() }
    }
}
