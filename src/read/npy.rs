//! NumPy `.npy` files, format versions 1.0, 2.0 and 3.0.
//!
//! The header is a Python dict literal, `{'descr': '<f4', 'fortran_order': False, 'shape': (540, 256), }`,
//! parsed here by a small literal parser (no eval); the data that follows is a [`DenseArray`].

use super::dense::DenseArray;
use super::dtype::DType;
use super::source::Source;
use crate::error::{FormatError, Result};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// NumPy itself refuses headers past this size by default; a larger one is a corrupt file.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Reads the header of the `.npy` stored at `base` in `source` and returns where its data is.
pub fn open_at<S: Source>(source: &mut S, base: u64, available: u64) -> Result<DenseArray> {
    const FORMAT: &str = "npy";
    if available == 0 {
        return Err(FormatError::Empty.into());
    }
    let mut preamble = [0u8; 12];
    let got = source.read_at(base, &mut preamble[..(available.min(12) as usize)])?;
    if got < MAGIC.len() || &preamble[..6] != MAGIC {
        return Err(FormatError::BadMagic { format: FORMAT }.into());
    }
    if got < 10 {
        return Err(FormatError::TruncatedHeader { format: FORMAT }.into());
    }
    let (major, minor) = (preamble[6], preamble[7]);
    let (header_len, header_start) = match major {
        1 => (u64::from(u16::from_le_bytes([preamble[8], preamble[9]])), 10u64),
        2 | 3 => {
            if got < 12 {
                return Err(FormatError::TruncatedHeader { format: FORMAT }.into());
            }
            (u64::from(u32::from_le_bytes([preamble[8], preamble[9], preamble[10], preamble[11]])), 12u64)
        }
        _ => {
            return Err(FormatError::BadHeader {
                format: FORMAT,
                detail: format!("unknown format version {major}.{minor}"),
            }
            .into())
        }
    };
    if header_len > MAX_HEADER_BYTES {
        return Err(
            FormatError::Limit { what: format!("an npy header of {header_len} bytes (the limit is 1 MiB)") }.into()
        );
    }
    if header_start + header_len > available {
        return Err(FormatError::TruncatedHeader { format: FORMAT }.into());
    }
    let mut header = vec![0u8; header_len as usize];
    source
        .read_exact_at(base + header_start, &mut header, |_| FormatError::TruncatedHeader { format: FORMAT }.into())?;
    // Versions 1 and 2 are latin-1, version 3 is UTF-8; the keys and values we read are ASCII.
    let text: String = if major == 3 {
        String::from_utf8_lossy(&header).into_owned()
    } else {
        header.iter().map(|&b| b as char).collect()
    };
    let (descr, fortran_order, shape) = parse_header(&text)?;
    Ok(DenseArray::new(base + header_start + header_len, descr, shape, fortran_order))
}

/// Reads a whole `.npy` source.
pub fn open<S: Source>(source: &mut S) -> Result<DenseArray> {
    let len = source.len();
    open_at(source, 0, len)
}

fn bad(detail: impl Into<String>) -> FormatError {
    FormatError::BadHeader { format: "npy", detail: detail.into() }
}

/// A Python literal as it appears in an npy header.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    Int(u64),
    Tuple(Vec<Literal>),
    List(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn consume(&mut self, c: u8) -> Result<(), FormatError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(bad(format!("expected '{}' at byte {}", c as char, self.i)))
        }
    }

    fn value(&mut self) -> Result<Literal, FormatError> {
        self.depth += 1;
        if self.depth > 32 {
            return Err(bad("nesting too deep"));
        }
        let v = match self.peek() {
            Some(b'\'') | Some(b'"') => self.string(),
            Some(b'(') => self.seq(b'(', b')').map(Literal::Tuple),
            Some(b'[') => self.seq(b'[', b']').map(Literal::List),
            Some(b'{') => self.dict(),
            Some(c) if c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => Err(bad(format!("unexpected '{}' at byte {}", c as char, self.i))),
            None => Err(bad("the header ends early")),
        };
        self.depth -= 1;
        v
    }

    fn string(&mut self) -> Result<Literal, FormatError> {
        let quote = self.s[self.i];
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != quote {
            self.i += 1;
        }
        if self.i >= self.s.len() {
            return Err(bad("unterminated string"));
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1;
        Ok(Literal::Str(text))
    }

    fn int(&mut self) -> Result<Literal, FormatError> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        // Python 2 era writers may append 'L'.
        let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        if self.s.get(self.i) == Some(&b'L') {
            self.i += 1;
        }
        digits.parse().map(Literal::Int).map_err(|_| bad(format!("integer {digits} out of range")))
    }

    fn word(&mut self) -> Result<Literal, FormatError> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
            self.i += 1;
        }
        match &self.s[start..self.i] {
            b"True" => Ok(Literal::Bool(true)),
            b"False" => Ok(Literal::Bool(false)),
            w => Err(bad(format!("unexpected word '{}'", String::from_utf8_lossy(w)))),
        }
    }

    fn seq(&mut self, open: u8, close: u8) -> Result<Vec<Literal>, FormatError> {
        self.consume(open)?;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {}
                _ => return Err(bad(format!("expected ',' or '{}' at byte {}", close as char, self.i))),
            }
        }
    }

    fn dict(&mut self) -> Result<Literal, FormatError> {
        self.consume(b'{')?;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(Literal::Dict(items));
            }
            let key = self.value()?;
            self.consume(b':')?;
            let value = self.value()?;
            items.push((key, value));
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err(bad(format!("expected ',' or '}}' at byte {}", self.i))),
            }
        }
    }
}

/// Parses the header dict into (descr, fortran_order, shape).
fn parse_header(text: &str) -> Result<(DType, bool, Vec<u64>), FormatError> {
    let mut parser = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    if parser.peek() != Some(b'{') {
        return Err(bad("the header is not a dict"));
    }
    let Literal::Dict(items) = parser.value()? else {
        return Err(bad("the header is not a dict"));
    };
    let get = |key: &str| {
        items.iter().find_map(|(k, v)| match k {
            Literal::Str(s) if s == key => Some(v),
            _ => None,
        })
    };
    let descr = match get("descr") {
        Some(Literal::Str(s)) => DType::from_numpy_descr(s)?,
        Some(Literal::List(_)) => {
            return Err(FormatError::UnsupportedDtype { dtype: "structured (record) array".into() })
        }
        Some(_) => return Err(bad("'descr' is not a string")),
        None => return Err(bad("no 'descr' key")),
    };
    let fortran_order = match get("fortran_order") {
        Some(Literal::Bool(b)) => *b,
        Some(_) => return Err(bad("'fortran_order' is not True or False")),
        None => return Err(bad("no 'fortran_order' key")),
    };
    let shape = match get("shape") {
        Some(Literal::Tuple(dims)) => dims
            .iter()
            .map(|d| match d {
                Literal::Int(n) => Ok(*n),
                _ => Err(bad("'shape' holds something other than integers")),
            })
            .collect::<Result<Vec<u64>, _>>()?,
        Some(_) => return Err(bad("'shape' is not a tuple")),
        None => return Err(bad("no 'shape' key")),
    };
    Ok((descr, fortran_order, shape))
}

/// Writes a version-1.0 `.npy` header for a C-ordered f32/f64 array (tests, synthetic codes).
pub fn header_bytes(descr: &str, shape: &[u64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Pad so that the data starts on a 64-byte boundary, ending with a newline.
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::dtype::Scalar;
    use crate::read::source::MemSource;

    #[test]
    fn parses_a_numpy_header() {
        let (d, f, s) = parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (540, 256), }").unwrap();
        assert_eq!((d.scalar, f, s), (Scalar::F32, false, vec![540, 256]));
        let (_, f, s) = parse_header("{\"descr\": \">i8\", \"fortran_order\": True, \"shape\": (3,)}").unwrap();
        assert_eq!((f, s), (true, vec![3]));
    }

    #[test]
    fn rejects_headers_that_are_not_dicts() {
        assert_eq!(parse_header("[1, 2]").unwrap_err(), bad("the header is not a dict"));
        assert!(matches!(
            parse_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2)}"),
            Err(FormatError::UnsupportedDtype { .. })
        ));
    }

    #[test]
    fn written_headers_read_back() {
        let mut bytes = header_bytes("<f8", &[2, 3]);
        assert_eq!(bytes.len() % 64, 0);
        bytes.extend(std::iter::repeat_n(0u8, 48));
        let a = open(&mut MemSource(bytes)).unwrap();
        assert_eq!((a.shape.clone(), a.offset % 64), (vec![2, 3], 0));
    }
}
