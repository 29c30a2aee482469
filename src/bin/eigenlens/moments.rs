//! `eigenlens moments`: a share of a matrix's rows reduced to a moments file (count, mean,
//! scatter, min, max; docs/MOMENTS.md), to be merged with other shares (`eigenlens merge`) and
//! analysed (`eigenlens analyze M.safetensors`) without the rows.

use crate::analyze::{accumulate_file, is_moments_file};
use crate::args::{emit, file_name, note_lines, split_key, Failure, ReadArgs, RowArgs};
use eigenlens::moments_file::{self, LayerMoments};
use std::path::Path;

/// Writes the moments (count, mean, scatter, min, max) of a matrix's rows as a moments file
/// (docs/MOMENTS.md), to merge with other shares and analyse without the rows
#[derive(clap::Args, Debug)]
pub struct MomentsArgs {
    /// The matrix: a file, or FILE:KEY for one array of a .npz or .safetensors file
    #[arg(value_name = "FILE[:KEY]")]
    pub file: String,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub rows: RowArgs,
    /// The moments file to write
    #[arg(long, value_name = "M.safetensors")]
    pub out: String,
    /// The layer's name in the file [default: KEY, else the file's name without its extension]
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
}

pub fn run(args: MomentsArgs) -> Result<(), Failure> {
    let (path, key) = split_key(&args.file);
    if is_moments_file(&args.file) {
        return Err(Failure::Input(format!(
            "{path}: this is already a moments file; merge moments files with `eigenlens merge`, or analyse it"
        )));
    }
    let layer = args.layer.clone().or(key.map(str::to_string)).unwrap_or_else(|| {
        let name = file_name(path);
        Path::new(&name).file_stem().map_or(name.clone(), |s| s.to_string_lossy().into_owned())
    });
    let pre = eigenlens::analysis::Preprocess::default();
    let (info, share) =
        accumulate_file(&args.file, args.rows.rows.clone(), args.rows.drop_nonfinite, &args.read.options(), &pre)?;
    let (acc, rounding) = (share.acc, share.rounding);
    let (n, d) = (acc.moments.count(), acc.moments.dim());
    let share = LayerMoments { layer, moments: acc.moments, source_dtype: info.dtype.clone(), cross_scatter: None };
    write_file(&args.out, &[share])?;
    let mut notes = Vec::new();
    if acc.rows_dropped > 0 {
        notes.push(format!("{} rows holding NaN/Inf were dropped and are not counted", acc.rows_dropped));
    }
    if rounding.is_some() {
        notes.push(format!(
            "{} rounds its values; the moments file does not keep that rounding noise, so `analyze` on it reports no \
             precision floor (analyze the rows for one)",
            info.dtype
        ));
    }
    emit(&format!("{}: {n} rows × {d} units of {} → {}\n{}", args.file, info.dtype, args.out, note_lines(&notes)))
}

/// Writes a moments file through a buffer; errors name the file.
pub fn write_file(out: &str, layers: &[moments_file::LayerMoments]) -> Result<(), Failure> {
    let failed = |e: String| Failure::Input(format!("{out}: cannot write the moments file: {e}"));
    let file = std::fs::File::create(out).map_err(|e| failed(e.to_string()))?;
    let mut writer = std::io::BufWriter::new(file);
    moments_file::write(layers, &mut writer).map_err(|e| failed(e.to_string()))
}
