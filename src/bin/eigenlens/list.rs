//! `eigenlens list`: the arrays in a file.

use crate::args::{emit, file_name, print_json, Failure};
use eigenlens::read::{self, source::FileSource};

/// The arrays in a .npz, .safetensors or .npy file (name, dtype, shape, rows × units)
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The file to look into
    pub file: String,
    /// Print the arrays as one JSON array of objects
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ListArgs) -> Result<(), Failure> {
    let path = args.file.as_str();
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let arrays = read::list_arrays(FileSource::open(path).map_err(input)?, &file_name(path)).map_err(input)?;
    if arrays.is_empty() {
        return Err(Failure::Input(format!(
            "{path}: the file holds no arrays; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor"
        )));
    }
    if args.json {
        return print_json(&arrays);
    }
    let mut out = String::new();
    for a in &arrays {
        out.push_str(&format!("{}\t{}\t{:?}\t{} × {}\n", a.name, a.dtype, a.shape, a.rows, a.cols));
    }
    emit(&out)
}
