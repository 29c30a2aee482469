//! `eigenlens merge`: moments files over disjoint rows merged into one (the Chan update, layer
//! by layer), equal to the moments of all the rows in one pass up to round-off, in any order.

use crate::args::{emit, note_lines, Failure};
use crate::moments::write_file;
use eigenlens::moments_file;
use eigenlens::read::source::FileSource;

/// Merges moments files over disjoint rows of the same layers into one (docs/MOMENTS.md)
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The moments files to merge (written by `eigenlens moments` or the Python package)
    #[arg(value_name = "M", required = true, num_args = 1..)]
    pub files: Vec<String>,
    /// The merged moments file to write
    #[arg(long, value_name = "M.safetensors")]
    pub out: String,
}

pub fn run(args: MergeArgs) -> Result<(), Failure> {
    let mut shares = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
        let mut source = FileSource::open(path).map_err(input)?;
        shares.push(moments_file::read(&mut source).map_err(input)?);
    }
    let (merged, notes) = moments_file::merge(shares).map_err(|e| Failure::Input(e.to_string()))?;
    write_file(&args.out, &merged)?;
    let mut text = format!("merged {} files → {}\n", args.files.len(), args.out);
    for l in &merged {
        let name = if l.layer.is_empty() { "(unnamed)" } else { &l.layer };
        text.push_str(&format!("  {name}: {} rows × {} units\n", l.moments.count(), l.moments.dim()));
    }
    text.push_str(&note_lines(&notes));
    emit(&text)
}
