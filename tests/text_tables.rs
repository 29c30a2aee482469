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
