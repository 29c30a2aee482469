//! `eigenlens list`: the arrays in a file.

use crate::args::{file_name, print_json, Args, Failure};
use eigenlens::read::{self, source::FileSource};

pub fn cmd_list(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json"])?;
    let [path] = args.positional.as_slice() else {
        return Err(Failure::Usage("list takes exactly one FILE".into()));
    };
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let arrays = read::list_arrays(FileSource::open(path).map_err(input)?, &file_name(path)).map_err(input)?;
    if args.has("json") {
        print_json(&arrays)?;
    } else {
        for a in arrays {
            println!("{}\t{}\t{:?}\t{} × {}", a.name, a.dtype, a.shape, a.rows, a.cols);
        }
    }
    Ok(())
}
