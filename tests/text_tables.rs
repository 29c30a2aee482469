//! Delimited text: the same matrix whatever the delimiter or header, and bad tables named by
//! line and column.

mod common;

use common::analyze_bytes;

fn csv_of(rows: &[&[f64]], sep: &str) -> Vec<u8> {
    rows.iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(sep))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[test]
fn delimiters_and_header_give_the_same_spectrum() {
    let csv = std::fs::read(common::data("formats/digits_test_pixels.csv")).unwrap();
    let want = analyze_bytes("pixels.csv", csv.clone()).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let tsv = text.replace(',', "\t");
    let spaced = text.replace(',', "  ").replace('\n', "\r\n");
    let header = format!("{}\n{text}", (0..64).map(|j| format!("px{j}")).collect::<Vec<_>>().join(","));
    for (name, bytes) in [("p.tsv", tsv), ("p.txt", spaced), ("p.csv", header)] {
        let got = analyze_bytes(name, bytes.into_bytes()).unwrap();
        assert_eq!(got.eigenvalues, want.eigenvalues, "{name}");
        assert_eq!(got.n_rows, 540);
    }
}

#[test]
fn ragged_rows_name_the_line() {
    let mut bytes = csv_of(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]], ",");
    bytes.extend_from_slice(b"\n7,8\n");
    let e = analyze_bytes("r.csv", bytes).unwrap_err().to_string();
    assert_eq!(e, "line 3 has 2 values where the first row has 3");
}

#[test]
fn non_numeric_cells_name_line_and_column() {
    let e = analyze_bytes("n.csv", b"1,2,3\n4,five,6\n7,8,9\n".to_vec()).unwrap_err().to_string();
    assert_eq!(e, "line 2, column 2: 'five' is not a number");
}

#[test]
fn empty_tables_are_errors() {
    assert_eq!(analyze_bytes("e.csv", Vec::new()).unwrap_err().to_string(), "the file is empty (0 bytes)");
    assert_eq!(analyze_bytes("e.csv", b"\n\n  \n".to_vec()).unwrap_err().to_string(), "the file has no rows");
    assert_eq!(
        analyze_bytes("h.csv", b"a,b,c\n".to_vec()).unwrap_err().to_string(),
        "the file has a header row but no data rows"
    );
}

/// Text cannot seek to a row, so a row range is applied by skipping: the rows analysed must be
/// exactly those rows, as in the binary readers.
#[test]
fn a_row_range_in_text_reads_exactly_those_rows() {
    use eigenlens::read::{open_matrix, MemSource, SliceRows};
    let csv = std::fs::read(common::data("formats/digits_test_pixels.csv")).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    let all: Vec<f64> = text.lines().flat_map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap())).collect();
    let options = eigenlens::analysis::Options::default();
    // 4100 rows per text block would hide an off-by-one at a block edge; 540 rows fit one block,
    // so check ranges at the start, the middle and running past the end.
    for (from, to) in [(0u64, 100u64), (37, 412), (500, 10_000)] {
        let mut opened = open_matrix(MemSource(csv.clone()), "p.csv", None, Some(from..to)).unwrap();
        let got = eigenlens::analysis::analyze(opened.rows.as_mut(), &options, &mut |_, _| true).unwrap();
        let end = to.min(540) as usize;
        let mut want_rows = SliceRows::new(&all[from as usize * 64..end * 64], 64);
        let want = eigenlens::analysis::analyze(&mut want_rows, &options, &mut |_, _| true).unwrap();
        assert_eq!(got.n_rows as usize, end - from as usize);
        assert_eq!(got.eigenvalues, want.eigenvalues, "rows {from}:{to}");
    }
}

/// The Embedding Projector pairs a tensors TSV (numbers only) with a metadata TSV (labels);
/// loading the metadata file by mistake says so instead of only naming a bad cell.
#[test]
fn an_embedding_projector_metadata_file_is_named_as_labels() {
    let tensors = b"0.1\t0.2\t0.3\n0.4\t0.5\t0.7\n0.2\t0.9\t0.1\n".to_vec();
    assert_eq!(analyze_bytes("tensors.tsv", tensors).unwrap().n_rows, 3);
    let metadata = b"word\tfrequency_class\ncat\tcommon\ndog\tcommon\n".to_vec();
    assert_eq!(
        analyze_bytes("metadata.tsv", metadata).unwrap_err().to_string(),
        "line 2, column 1: 'cat' is not a number; this file holds labels, not activations (an Embedding \
         Projector metadata file?): choose the tensors file, whose rows are all numbers"
    );
}

/// A source that remembers the largest single read and the bytes read in all.
struct Counting {
    bytes: Vec<u8>,
    largest: usize,
    total: u64,
}

impl eigenlens::read::Source for Counting {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> eigenlens::Result<usize> {
        let start = (offset as usize).min(self.bytes.len());
        let n = buf.len().min(self.bytes.len() - start);
        buf[..n].copy_from_slice(&self.bytes[start..start + n]);
        self.largest = self.largest.max(n);
        self.total += n as u64;
        Ok(n)
    }
}

/// Text is streamed: no read is larger than the reader's 1 MiB buffer, and the file is read
/// once (plus the 64 KiB sample that chooses the delimiter), however large it is.
#[test]
fn text_is_read_a_chunk_at_a_time() {
    let mut text = String::new();
    for i in 0..100_000u32 {
        let row: Vec<String> = (0..16u32).map(|j| format!("{}", (i * 31 + j * 17) % 1000)).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let len = text.len();
    let mut source = Counting { bytes: text.into_bytes(), largest: 0, total: 0 };
    let mut opened = eigenlens::read::open_matrix(&mut source, "big.csv", None, None).unwrap();
    let report = eigenlens::analysis::analyze(opened.rows.as_mut(), &Default::default(), &mut |_, _| true).unwrap();
    drop(opened);
    assert_eq!(report.n_rows, 100_000);
    assert!(len > 4 << 20, "the file ({len} bytes) must span several reads");
    assert!(source.largest <= 1 << 20, "largest read {}", source.largest);
    assert!(source.total <= len as u64 + (64 << 10) + 16, "read {} bytes of {len}", source.total);
}

/// Index columns and headers as other writers make them: a text header beside an empty first
/// cell (pandas with named columns), a headerless table whose first column counts rows, and
/// quoted cells throughout.
#[test]
fn index_columns_and_quoted_headers_are_recognised() {
    use eigenlens::read::{open_matrix, MemSource};
    let read = |name: &str, text: &str| {
        let mut o = open_matrix(MemSource(text.as_bytes()), name, None, None).unwrap();
        let m = eigenlens::matrix::Matrix::read_all(o.rows.as_mut(), 1000).unwrap();
        (m.rows, m.cols, m.data, o.info.guesses)
    };
    let (n, d, data, guesses) = read("a.csv", ",unit_a,unit_b\n0,1.5,2\n1,3,4.25\n2,5,6\n");
    assert_eq!((n, d, data), (3, 2, vec![1.5, 2.0, 3.0, 4.25, 5.0, 6.0]));
    assert_eq!(guesses.len(), 2, "{guesses:?}");
    assert!(guesses[0].contains("none of its cells is a number") && guesses[1].contains("header cell is empty"));

    let (n, d, data, guesses) = read("b.tsv", "0\t1.5\t2\n1\t3\t4.25\n2\t5\t6\n");
    assert_eq!((n, d, data), (3, 2, vec![1.5, 2.0, 3.0, 4.25, 5.0, 6.0]));
    assert_eq!(guesses.len(), 1);
    assert!(guesses[0].contains("it counts 0, 1, 2, …"), "{guesses:?}");

    // A first column 0, 1, 2 written as floats is a unit (a sweep parameter, say), not an index.
    let (_, d, _, guesses) = read("c.csv", "0.0,1.5,2\n1.0,3,4.25\n2.0,5,6\n");
    assert_eq!((d, guesses.len()), (3, 0));

    let (n, d, data, _) = read("q.csv", "\"x\",\"y\"\r\n\"1.5\",\"-2e-3\"\r\n\"3\",\"4\"\r\n");
    assert_eq!((n, d, data), (2, 2, vec![1.5, -2e-3, 3.0, 4.0]));

    // A row mixing text and numbers is data, and names its bad cell.
    let e = open_matrix(MemSource(b"layer,1,2\n3,4,5\n"), "m.csv", None, None)
        .map(|mut o| eigenlens::matrix::Matrix::read_all(o.rows.as_mut(), 100).map(|_| ()))
        .and_then(|r| r)
        .unwrap_err();
    assert_eq!(e.to_string(), "line 1, column 1: 'layer' is not a number");
}
