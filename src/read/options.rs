//! How to read a file, where eigenlens would otherwise guess or read the array as stored.
//!
//! - `header`, `index_col`: for text tables, whether the first row is a header and which
//!   column (if any) is a row index rather than a unit. `Auto` guesses (see [`super::csv`])
//!   and states the guess in [`ArrayInfo::guesses`](super::ArrayInfo::guesses).
//! - `transpose`: the file stores units × samples (Suite2p's `F.npy` is neurons × time): read
//!   its columns as rows. For a 2-D `.npy`, `.safetensors` or stored `.npz` member this is free
//!   (a C-order [D, N] array is a Fortran-order [N, D] one, read in place); a text table or a
//!   compressed member is held in memory to transpose it, up to
//!   [`DEFAULT_MEMORY_LIMIT`](crate::matrix::DEFAULT_MEMORY_LIMIT) values.
//! - `skip_positions` k: for a 3-D [S, T, H] tensor, drop positions t < k of every sequence
//!   (a BOS token, say): the matrix is then [S·(T − k), H], row s·(T − k) + (t − k).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Whether the first row of a text table is a header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Header {
    /// Guess (and say so): see [`super::csv`].
    #[default]
    Auto,
    Yes,
    No,
}

/// Which column of a text table is a row index (not a unit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IndexCol {
    /// Guess (and say so): see [`super::csv`].
    #[default]
    Auto,
    /// Every column is a unit.
    None,
    /// This column (0-based) is an index: it is not read.
    Col(usize),
}

/// Settings of a read; the default reads as stored and guesses only for text tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadOptions {
    pub header: Header,
    pub index_col: IndexCol,
    /// Read a 2-D array's columns as rows (units × samples files).
    pub transpose: bool,
    /// Drop the first k positions of every sequence of a 3-D [S, T, H] tensor.
    pub skip_positions: usize,
}

impl ReadOptions {
    /// True when a text-only setting (header, index column) is not left to its guess.
    pub fn sets_text_only(&self) -> bool {
        self.header != Header::Auto || self.index_col != IndexCol::Auto
    }
}

impl FromStr for Header {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Header::Auto),
            "yes" | "true" => Ok(Header::Yes),
            "no" | "false" => Ok(Header::No),
            _ => Err(format!("header takes yes, no or auto, got '{s}'")),
        }
    }
}

impl FromStr for IndexCol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(IndexCol::Auto),
            "none" | "no" => Ok(IndexCol::None),
            n => n
                .parse()
                .map(IndexCol::Col)
                .map_err(|_| format!("index column takes a 0-based column number, none or auto, got '{s}'")),
        }
    }
}

impl fmt::Display for IndexCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexCol::Auto => write!(f, "auto"),
            IndexCol::None => write!(f, "none"),
            IndexCol::Col(n) => write!(f, "{n}"),
        }
    }
}

/// In JSON: `"auto"`, `"none"` or a column number.
impl Serialize for IndexCol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IndexCol::Col(n) => s.serialize_u64(*n as u64),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for IndexCol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => usize::try_from(n).map(IndexCol::Col).map_err(serde::de::Error::custom),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_from_json_and_flags() {
        let o: ReadOptions =
            serde_json::from_str(r#"{"header": "no", "index_col": 0, "transpose": true, "skip_positions": 1}"#)
                .unwrap();
        assert_eq!(
            o,
            ReadOptions { header: Header::No, index_col: IndexCol::Col(0), transpose: true, skip_positions: 1 }
        );
        let o: ReadOptions = serde_json::from_str(r#"{"index_col": "none"}"#).unwrap();
        assert_eq!((o.header, o.index_col), (Header::Auto, IndexCol::None));
        assert_eq!(serde_json::to_string(&IndexCol::Col(2)).unwrap(), "2");
        assert_eq!("auto".parse::<IndexCol>(), Ok(IndexCol::Auto));
        assert_eq!("YES".parse::<Header>(), Ok(Header::Yes));
        assert!("maybe".parse::<Header>().is_err());
        assert!("-1".parse::<IndexCol>().is_err());
    }
}
