//! Delimited text: CSV, TSV, ';'-separated and whitespace-separated columns (TensorFlow's
//! Embedding Projector TSV, `np.savetxt`), streamed a chunk at a time through the `csv` crate
//! (RFC 4180 quoting, CRLF or LF line ends); the whole file is never held.
//!
//! What is read, from the first 64 KiB (the sample):
//! - A UTF-8 byte-order mark is stripped (it never makes a header). Lines starting with '#'
//!   before the table are comments (`np.savetxt(header=…)` writes one); '#' elsewhere is not
//!   special (Excel's `#N/A` may start a row).
//! - The delimiter: the first of tab, ';' and ',' that splits every sampled line into the same
//!   number (≥ 2) of cells; failing that, the first of tab, ',' and ';' on the first line;
//!   failing that, runs of spaces.
//! - The decimal mark: ',' when the delimiter is not ',' and a sampled cell reads as a number
//!   only with ',' taken as the decimal point (pandas' `sep=';', decimal=','`, European
//!   spreadsheets). A guess, stated.
//! - Cells: numbers (quoted or not); an empty cell, `NA`, `N/A` and `#N/A` are missing (NaN),
//!   as are `nan` and `inf` in any case, so that dropping non-finite rows drops them and
//!   otherwise the analysis names their row and column.
//!
//! Guesses (each stated in `guesses`, each overridden by [`ReadOptions`]):
//! - Header: the first row is a header when its cells are the integers 0, 1, …, D − 1 (pandas'
//!   column names for a frame made from an array: `0,1,2,…` with `index=False`, `,0,1,2,…` or
//!   `name,0,1,…` with its index), or when no cell of it is a number (missing cells aside) and
//!   one is text. A first row with any number in it is data.
//! - Index column: the first column is a row index, not a unit, when the header's first cell
//!   is empty or names the index beside integer column names (pandas' default `to_csv`), or
//!   when the first column of the sampled rows is 0, 1, 2, … written as integers (at least
//!   2 rows and 2 columns).
//!
//! Every later row must have as many cells as the first data row; a row that does not, or a
//! cell that is not a number, is an error naming its 1-based line and column. A header
//! followed by a row of mostly text is a table of labels (the Embedding Projector's metadata
//! file), and the error says so.

use super::options::{Header, IndexCol, ReadOptions};
use super::source::Source;
use super::{Progress, RowBlocks};
use crate::error::{Error, FormatError, Result};
use std::collections::VecDeque;
use std::io::Read;

/// How cells are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Tab,
    Semicolon,
    /// Runs of spaces (empty cells cannot be told from separators here).
    Whitespace,
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Tab => b'\t',
            Delimiter::Semicolon => b';',
            Delimiter::Whitespace => b' ',
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Delimiter::Comma => "','",
            Delimiter::Tab => "tab",
            Delimiter::Semicolon => "';'",
            Delimiter::Whitespace => "spaces",
        }
    }
}

/// Bytes looked at to choose the delimiter and decimal mark.
const SAMPLE_BYTES: usize = 64 << 10;
/// Rows looked at (besides the first) to guess an index column.
const SAMPLE_ROWS: usize = 64;
/// A single record longer than this is not a table row (a binary file, an unclosed quote).
const MAX_RECORD: u64 = 64 << 20;
const READ_BUFFER: usize = 1 << 20;

/// A [`Read`] over a source from an offset, refusing to read past `limit` (so that one
/// endless record cannot fill memory).
struct SourceReader<S: Source> {
    source: S,
    offset: u64,
    limit: u64,
    /// The source's own error, kept whole (an io::Error only carries its text).
    failed: Option<Error>,
}

impl<S: Source> Read for SourceReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.offset >= self.limit && self.offset < self.source.len() {
            return Err(std::io::Error::other(LIMIT_MARK));
        }
        let n = (buf.len() as u64).min(self.limit.saturating_sub(self.offset).max(1)) as usize;
        match self.source.read_at(self.offset, &mut buf[..n]) {
            Ok(got) => {
                self.offset += got as u64;
                Ok(got)
            }
            Err(e) => {
                let text = e.to_string();
                self.failed = Some(e);
                Err(std::io::Error::other(text))
            }
        }
    }
}

const LIMIT_MARK: &str = "record limit";

/// One cell as read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    /// A number (NaN for a missing cell).
    Number(f64),
    /// An empty or NA cell.
    Missing,
    /// Not a number.
    Text,
}

fn classify(cell: &[u8], decimal_comma: bool) -> Cell {
    let Ok(text) = std::str::from_utf8(cell) else { return Cell::Text };
    let text = text.trim();
    if text.is_empty() || ["NA", "N/A", "#N/A"].iter().any(|m| text.eq_ignore_ascii_case(m)) {
        return Cell::Missing;
    }
    let parsed =
        if decimal_comma && text.contains(',') { text.replace(',', ".").parse::<f64>() } else { text.parse::<f64>() };
    parsed.map_or(Cell::Text, Cell::Number)
}

/// True when `cell` is a non-negative integer written as digits only (an index or a pandas
/// column name), equal to `want`.
fn is_integer(cell: &[u8], want: u64) -> bool {
    let t = cell.trim_ascii();
    !t.is_empty()
        && t.iter().all(u8::is_ascii_digit)
        && std::str::from_utf8(t).ok().and_then(|s| s.parse().ok()) == Some(want)
}

/// Rows of a delimited text file.
pub struct CsvRows<S: Source> {
    reader: csv::Reader<SourceReader<S>>,
    record: csv::ByteRecord,
    delimiter: Delimiter,
    decimal_comma: bool,
    /// The column not read (a row index), if any.
    index_col: Option<usize>,
    /// Cells per row in the file (with the index column).
    width: usize,
    cols: usize,
    /// The header row's cells, when the first line was one.
    pub header: Option<Vec<String>>,
    /// What was guessed, with how to override it.
    pub guesses: Vec<String>,
    /// Rows read ahead to make the guesses, with their 1-based lines.
    sampled: VecDeque<(u64, csv::ByteRecord)>,
    /// 1-based line of the first data row (for the labels hint).
    first_data_line: Option<u64>,
    rows_done: u64,
    block_rows: usize,
    /// Bytes before the text (a byte-order mark).
    start: u64,
    total: u64,
}

impl<S: Source> CsvRows<S> {
    /// Reads the sample and the first rows: delimiter, header, index column and width are
    /// known after this.
    pub fn open(mut source: S, options: &ReadOptions) -> Result<Self> {
        if source.is_empty() {
            return Err(FormatError::Empty.into());
        }
        let total = source.len();
        let mut sample = vec![0u8; SAMPLE_BYTES.min(total as usize)];
        let got = source.read_at(0, &mut sample)?;
        sample.truncate(got);
        if sample.starts_with(&[0xff, 0xfe]) || sample.starts_with(&[0xfe, 0xff]) {
            return Err(text_error(0, None, "the file is UTF-16 text; save it as UTF-8 (pandas' default)"));
        }
        let bom = if sample.starts_with(&[0xef, 0xbb, 0xbf]) { 3 } else { 0 };
        let mut comments = 0;
        let mut start = bom;
        while sample[start..].starts_with(b"#") {
            let Some(end) = sample[start..].iter().position(|&b| b == b'\n') else { break };
            start += end + 1;
            comments += 1;
        }
        let mut sample = sample.split_off(start);
        let start = start as u64;
        if (got as u64) < total {
            // Only whole lines.
            let end = sample.iter().rposition(|&b| b == b'\n').map_or(sample.len(), |i| i + 1);
            sample.truncate(end);
        }
        let delimiter = detect_delimiter(&sample);
        let decimal_comma = delimiter != Delimiter::Comma && has_decimal_commas(&sample, delimiter);

        let reader = builder(delimiter).buffer_capacity(READ_BUFFER).from_reader(SourceReader {
            source,
            offset: start,
            limit: start + MAX_RECORD,
            failed: None,
        });
        let mut r = CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            delimiter,
            decimal_comma,
            index_col: None,
            width: 0,
            cols: 0,
            header: None,
            guesses: Vec::new(),
            sampled: VecDeque::new(),
            first_data_line: None,
            rows_done: 0,
            block_rows: 1024,
            start,
            total,
        };
        if comments > 0 {
            r.guesses.push(format!("the first {comments} line(s) start with '#': skipped as comments"));
        }
        if decimal_comma {
            r.guesses.push(format!(
                "cells are separated by {} with ',' as the decimal mark (as pandas writes with sep=';', decimal=',')",
                delimiter.describe()
            ));
        }
        let Some((line, first)) = r.next_record()? else {
            return Err(text_error(0, None, "the file has no rows"));
        };
        for _ in 0..=SAMPLE_ROWS {
            match r.next_record()? {
                Some(row) => r.sampled.push_back(row),
                None => break,
            }
        }
        r.read_header_and_index(line, first, options)?;
        if r.sampled.is_empty() {
            return Err(text_error(0, None, "the file has a header row but no data rows"));
        }
        r.first_data_line = r.sampled.front().map(|(l, _)| *l);
        r.width = r.cells(&r.sampled[0].1).count();
        if let IndexCol::Col(c) = options.index_col {
            if c >= r.width {
                return Err(Error::Setting(format!(
                    "index column {c} (0-based) is past the table's {} columns",
                    r.width
                )));
            }
        }
        r.cols = r.width - usize::from(r.index_col.is_some());
        if r.cols == 0 {
            return Err(crate::error::DataError::NoColumns.into());
        }
        r.block_rows = ((8 << 20) / (8 * r.cols.max(1))).clamp(1, 1 << 16);
        Ok(r)
    }

    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// The cells of a record: in whitespace mode, runs of spaces are one separator.
    fn cells<'r>(&self, record: &'r csv::ByteRecord) -> impl Iterator<Item = &'r [u8]> + 'r {
        let ws = self.delimiter == Delimiter::Whitespace;
        record.iter().filter(move |c| !(ws && c.is_empty()))
    }

    /// Decides whether `first` (at 1-based `line`) is a header and which column is an index;
    /// a first row that is data goes back in front of the sampled rows.
    fn read_header_and_index(&mut self, line: u64, first: csv::ByteRecord, options: &ReadOptions) -> Result<()> {
        let cells: Vec<&[u8]> = self.cells(&first).collect();
        let kinds: Vec<Cell> = cells.iter().map(|c| classify(c, self.decimal_comma)).collect();
        let w = cells.len();
        // pandas' integer column names, with the index's (empty or named) cell before them.
        let named_index = w >= 2
            && matches!(kinds[0], Cell::Missing | Cell::Text)
            && cells[1..].iter().enumerate().all(|(j, c)| is_integer(c, j as u64));
        let integer_names = w >= 2 && cells.iter().enumerate().all(|(j, c)| is_integer(c, j as u64));
        let no_numbers = kinds.iter().all(|k| !matches!(k, Cell::Number(_))) && kinds.contains(&Cell::Text);
        let shown = || {
            let names: Vec<String> = cells.iter().take(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            format!("{}{}", names.join(", "), if w > 4 { ", …" } else { "" })
        };
        let is_header = match options.header {
            Header::Yes => true,
            Header::No => false,
            Header::Auto => {
                if named_index || integer_names {
                    self.guesses.push(format!(
                        "the first row ({}) is a header: its cells are the column numbers pandas writes; set \
                         header to no to read it as data",
                        shown()
                    ));
                    true
                } else if no_numbers {
                    self.guesses.push(format!(
                        "the first row ({}) is a header: none of its cells is a number; set header to no to read \
                         it as data",
                        shown()
                    ));
                    true
                } else {
                    false
                }
            }
        };
        self.index_col = match options.index_col {
            IndexCol::None => None,
            IndexCol::Col(c) => Some(c),
            IndexCol::Auto => {
                let by_header = is_header && w >= 2 && (named_index || kinds[0] == Cell::Missing);
                let rows: Vec<&csv::ByteRecord> =
                    (!is_header).then_some(&first).into_iter().chain(self.sampled.iter().map(|(_, r)| r)).collect();
                let by_rows = rows.len() >= 2
                    && rows.iter().enumerate().all(|(i, r)| {
                        self.cells(r).count() >= 2 && self.cells(r).next().is_some_and(|v| is_integer(v, i as u64))
                    });
                if by_header {
                    self.guesses.push(format!(
                        "the first column is a row index, not a unit: its header cell is {} (pandas writes its index \
                         so); set index column to none to read it as a unit",
                        if kinds[0] == Cell::Missing {
                            "empty".to_string()
                        } else {
                            format!("'{}'", shown_cell(cells[0]))
                        }
                    ));
                    Some(0)
                } else if by_rows {
                    self.guesses.push(
                        "the first column is a row index, not a unit: it counts 0, 1, 2, … (pandas writes its index \
                         so); set index column to none to read it as a unit"
                            .into(),
                    );
                    Some(0)
                } else {
                    None
                }
            }
        };
        if is_header {
            self.header = Some(cells.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect());
        } else {
            self.sampled.push_front((line, first));
        }
        Ok(())
    }

    /// The next record that has a cell, with its 1-based line; None at the end.
    fn next_record(&mut self) -> Result<Option<(u64, csv::ByteRecord)>> {
        loop {
            let line = self.reader.position().line();
            let read = self.reader.read_byte_record(&mut self.record);
            match read {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(self.read_error(e, line)),
            }
            let pos = self.reader.position().byte();
            self.reader.get_mut().limit = self.start + pos + MAX_RECORD;
            // A blank line (in whitespace mode, a line of spaces); `,,,` is a row of missing cells.
            let blank = self.record.len() <= 1 || self.delimiter == Delimiter::Whitespace;
            if blank && self.record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            let line = self.record.position().map_or(line, |p| p.line());
            return Ok(Some((line, self.record.clone())));
        }
    }

    fn read_error(&mut self, e: csv::Error, line: u64) -> Error {
        if let Some(failed) = self.reader.get_mut().failed.take() {
            return failed;
        }
        match e.kind() {
            csv::ErrorKind::Io(io) if io.to_string() == LIMIT_MARK => {
                text_error(line, None, "is longer than 64 MiB: not a table row (an unclosed quote, or not a text file)")
            }
            _ => text_error(line, None, &e.to_string()),
        }
    }

    /// Parses a record into `out` (its values, without the index column).
    fn parse_into(&self, line: u64, record: &csv::ByteRecord, out: &mut Vec<f64>) -> Result<()> {
        let before = out.len();
        let mut count = 0usize;
        let mut texts = 0usize;
        let mut first_text = None;
        for (j, cell) in self.cells(record).enumerate() {
            count += 1;
            if Some(j) == self.index_col {
                continue;
            }
            match classify(cell, self.decimal_comma) {
                Cell::Number(v) => out.push(v),
                Cell::Missing => out.push(f64::NAN),
                Cell::Text => {
                    texts += 1;
                    first_text.get_or_insert((j, cell));
                    out.push(f64::NAN);
                }
            }
        }
        if let Some((j, cell)) = first_text {
            out.truncate(before);
            let mut detail = if std::str::from_utf8(cell).is_err() {
                "is not UTF-8 text".to_string()
            } else {
                format!("'{}' is not a number", shown_cell(cell))
            };
            if self.header.is_some() && Some(line) == self.first_data_line && 2 * texts >= count {
                detail.push_str(
                    "; this file holds labels, not activations (an Embedding Projector metadata file?): choose the \
                     tensors file, whose rows are all numbers",
                );
            }
            return Err(text_error(line, Some(j as u64 + 1), &detail));
        }
        if count != self.width {
            out.truncate(before);
            return Err(text_error(line, None, &format!("has {count} values where the first row has {}", self.width)));
        }
        Ok(())
    }
}

fn shown_cell(cell: &[u8]) -> String {
    let s = String::from_utf8_lossy(cell);
    if s.chars().count() > 20 {
        format!("{}…", s.chars().take(20).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// How every record is parsed, for the sample and for the stream alike: no header row (the
/// reader decides that itself), ragged rows allowed (the rows report their own width), cells
/// trimmed.
fn builder(delimiter: Delimiter) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false).flexible(true).delimiter(delimiter.byte()).trim(csv::Trim::All);
    b
}

/// Cells per sampled record for one delimiter (whitespace runs as one separator).
fn widths(sample: &[u8], delimiter: Delimiter) -> Vec<usize> {
    let mut reader = builder(delimiter).from_reader(sample);
    let ws = delimiter == Delimiter::Whitespace;
    reader
        .byte_records()
        .take(SAMPLE_ROWS + 1)
        .map_while(std::result::Result::ok)
        .filter(|r| !(r.len() <= 1 && r.iter().all(<[u8]>::is_empty)))
        .map(|r| r.iter().filter(|c| !(ws && c.is_empty())).count())
        .collect()
}

fn detect_delimiter(sample: &[u8]) -> Delimiter {
    for d in [Delimiter::Tab, Delimiter::Semicolon, Delimiter::Comma] {
        let w = widths(sample, d);
        if !w.is_empty() && w[0] >= 2 && w.iter().all(|&n| n == w[0]) {
            return d;
        }
    }
    // Ragged: decide on the first line, and let the rows report.
    let first = sample.split(|&b| b == b'\n').find(|l| !l.trim_ascii().is_empty()).unwrap_or_default();
    for d in [Delimiter::Tab, Delimiter::Comma, Delimiter::Semicolon] {
        if first.contains(&d.byte()) {
            return d;
        }
    }
    Delimiter::Whitespace
}

/// True when some sampled cell reads as a number only with ',' as the decimal point.
fn has_decimal_commas(sample: &[u8], delimiter: Delimiter) -> bool {
    let mut reader = builder(delimiter).from_reader(sample);
    reader.byte_records().take(SAMPLE_ROWS + 1).map_while(std::result::Result::ok).any(|r| {
        r.iter().any(|c| {
            c.contains(&b',') && classify(c, false) == Cell::Text && matches!(classify(c, true), Cell::Number(_))
        })
    })
}

fn text_error(line: u64, column: Option<u64>, detail: &str) -> Error {
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
        while n < self.block_rows {
            let (line, record) = match self.sampled.pop_front() {
                Some(row) => row,
                None => match self.next_record()? {
                    Some(row) => row,
                    None => break,
                },
            };
            self.parse_into(line, &record, out)?;
            n += 1;
        }
        self.rows_done += n as u64;
        Ok(n)
    }
    fn progress(&self) -> Progress {
        Progress { bytes_done: self.start + self.reader.position().byte(), bytes_total: self.total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_chosen_by_consistent_widths() {
        assert_eq!(detect_delimiter(b"0;1;2\n0,5;1,25;2\n"), Delimiter::Semicolon);
        assert_eq!(detect_delimiter(b"1,2,3\n4,5,6\n"), Delimiter::Comma);
        assert_eq!(detect_delimiter(b"\"1\",\"2\"\n\"3\",\"4\"\n"), Delimiter::Comma);
        assert_eq!(detect_delimiter(b"1\t2\n3\t4\n"), Delimiter::Tab);
        assert_eq!(detect_delimiter(b"1 2  3\n4 5 6\n"), Delimiter::Whitespace);
        assert_eq!(detect_delimiter(b"1,2,3\n4,5\n"), Delimiter::Comma);
        assert!(has_decimal_commas(b"0;1\n0,5;1,25\n", Delimiter::Semicolon));
        assert!(!has_decimal_commas(b"0;1\n0.5;1.25\n", Delimiter::Semicolon));
    }

    #[test]
    fn cells_are_numbers_missing_or_text() {
        assert_eq!(classify(b"", false), Cell::Missing);
        assert_eq!(classify(b"NA", false), Cell::Missing);
        assert!(matches!(classify(b"NaN", false), Cell::Number(v) if v.is_nan()));
        assert!(matches!(classify(b"-inf", false), Cell::Number(v) if v == f64::NEG_INFINITY));
        assert_eq!(classify(b"1,5", true), Cell::Number(1.5));
        assert_eq!(classify(b"1,5", false), Cell::Text);
        assert_eq!(classify(b"unit0", false), Cell::Text);
        assert!(is_integer(b"12", 12) && !is_integer(b"12.0", 12) && !is_integer(b"", 0));
    }
}
