//! `eigenlens list`: the arrays in a file, each marked analysable or not (and why not).
//!
//! A file with nothing to analyse (an empty .npz, a zip without .npy members, a torch.save
//! file that holds no tensors, a file whose arrays are all 1-D) is bad input: the arrays it does
//! hold are listed, then the command exits 1 with one line saying so.

use crate::args::{emit, file_name, print_json, Failure};
use eigenlens::read::{self, source::FileSource, ArrayInfo};

/// The arrays in a .npz, .safetensors, .pt (torch.save) or .npy file (name, dtype, shape,
/// rows × units, or why an array cannot be analysed)
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The file to look into
    pub file: String,
    /// Print the arrays as one JSON array of objects
    #[arg(long)]
    pub json: bool,
}

/// The matrix an array is analysed as (`N × D`), or why it cannot be analysed.
fn status(a: &ArrayInfo) -> Result<String, String> {
    if a.analysable {
        Ok(format!("{} × {}", a.rows, a.cols))
    } else {
        Err(a.why.clone().unwrap_or_else(|| "not a 2-D [N, D] matrix or a 3-D [S, T, H] tensor".into()))
    }
}

pub fn run(args: ListArgs) -> Result<(), Failure> {
    let path = args.file.as_str();
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let arrays = read::list_arrays(FileSource::open(path).map_err(input)?, &file_name(path)).map_err(input)?;
    if arrays.is_empty() {
        return Err(Failure::Input(format!(
            "{path}: the file holds no arrays (an empty archive, a zip without .npy members, or a torch.save \
             file that holds no tensors); save a 2-D [N, D] matrix or a 3-D [S, T, H] tensor with numpy or \
             safetensors"
        )));
    }
    if args.json {
        print_json(&arrays)?;
    } else {
        let mut out = String::new();
        for a in &arrays {
            let shape = status(a).unwrap_or_else(|why| format!("not analysable: {why}"));
            out.push_str(&format!("{}\t{}\t{:?}\t{shape}\n", a.name, a.dtype, a.shape));
        }
        emit(&out)?;
    }
    if arrays.iter().all(|a| status(a).is_err()) {
        return Err(Failure::Input(format!(
            "{path}: none of the file's {} arrays can be analysed; eigenlens needs a 2-D [N, D] matrix or a \
             3-D [S, T, H] tensor",
            arrays.len()
        )));
    }
    Ok(())
}
