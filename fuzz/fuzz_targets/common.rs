// Shared by every target: open the bytes as a file of the given name, read every block, and
// analyse small matrices all the way to α, with the default reading and with each read-time
// option (transpose, skipped positions, a forced header and index column). Any panic, hang or
// huge allocation is a bug; errors are the expected answer to bad bytes.
use eigenlens::analysis::{self, Options};
use eigenlens::read::{self, Header, IndexCol, MemSource, ReadOptions};

pub fn read_all(name: &str, data: &[u8], key: Option<&str>) {
    let _ = read::list_arrays(MemSource(data), name);
    let options = [
        ReadOptions::default(),
        ReadOptions { transpose: true, ..Default::default() },
        ReadOptions { skip_positions: 1, ..Default::default() },
        ReadOptions { header: Header::No, index_col: IndexCol::Col(0), ..Default::default() },
    ];
    for o in &options {
        let Ok(mut opened) = read::open_matrix_with(MemSource(data), name, key, None, o) else { continue };
        if opened.rows.cols() <= 64 {
            let _ = analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true);
        } else {
            let mut block = Vec::new();
            while let Ok(n) = opened.rows.next_block(&mut block) {
                if n == 0 {
                    break;
                }
            }
        }
    }
}
