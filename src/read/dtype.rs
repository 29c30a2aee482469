//! Element types as stored on disk, and their decoding to f64.
//!
//! Values are read as stored (f16, bf16, f32, f64, integers, bool) and computed in f64, as
//! METHODS.md requires.

use crate::error::FormatError;
use serde::Serialize;

/// The scalar kinds eigenlens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scalar {
    F16,
    BF16,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
}

/// A scalar kind with its byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DType {
    pub scalar: Scalar,
    pub big_endian: bool,
}

impl DType {
    pub const fn little(scalar: Scalar) -> Self {
        DType { scalar, big_endian: false }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        use Scalar::*;
        match self.scalar {
            I8 | U8 | Bool => 1,
            F16 | BF16 | I16 | U16 => 2,
            F32 | I32 | U32 => 4,
            F64 | I64 | U64 => 8,
        }
    }

    /// Short name for display: `f32`, `bf16`, `>f8` style byte order is not shown.
    pub fn name(self) -> &'static str {
        use Scalar::*;
        match self.scalar {
            F16 => "f16",
            BF16 => "bf16",
            F32 => "f32",
            F64 => "f64",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            I64 => "i64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            U64 => "u64",
            Bool => "bool",
        }
    }

    /// Parses a NumPy type string such as `<f4`, `>i8`, `|u1`, `|b1`.
    ///
    /// `<V2` is read as bfloat16: it is what NumPy writes for `ml_dtypes.bfloat16`.
    pub fn from_numpy_descr(descr: &str) -> Result<Self, FormatError> {
        let unsupported = || FormatError::UnsupportedDtype { dtype: descr.to_string() };
        let mut chars = descr.chars();
        let (order, rest) = match chars.next() {
            Some(c @ ('<' | '>' | '|' | '=')) => (c, chars.as_str()),
            _ => ('=', descr),
        };
        let big_endian = order == '>';
        use Scalar::*;
        let scalar = match rest {
            "f2" | "e" => F16,
            "f4" | "f" => F32,
            "f8" | "d" => F64,
            "i1" | "b" => I8,
            "i2" | "h" => I16,
            "i4" | "i" => I32,
            "i8" | "q" | "l" => I64,
            "u1" | "B" => U8,
            "u2" | "H" => U16,
            "u4" | "I" => U32,
            "u8" | "Q" | "L" => U64,
            "b1" | "?" => Bool,
            "V2" => BF16,
            _ => return Err(unsupported()),
        };
        Ok(DType { scalar, big_endian })
    }

    /// Decodes `out.len()` elements from `bytes` (exactly `out.len() * size()` bytes).
    pub fn decode(self, bytes: &[u8], out: &mut [f64]) {
        macro_rules! decode_as {
            ($t:ty, $n:expr, $conv:expr) => {{
                let chunks = bytes.chunks_exact($n);
                if self.big_endian {
                    for (o, c) in out.iter_mut().zip(chunks) {
                        let a: [u8; $n] = c.try_into().unwrap_or([0; $n]);
                        *o = $conv(<$t>::from_be_bytes(a));
                    }
                } else {
                    for (o, c) in out.iter_mut().zip(chunks) {
                        let a: [u8; $n] = c.try_into().unwrap_or([0; $n]);
                        *o = $conv(<$t>::from_le_bytes(a));
                    }
                }
            }};
        }
        use Scalar::*;
        match self.scalar {
            F16 => decode_as!(u16, 2, |b| half::f16::from_bits(b).to_f64()),
            BF16 => decode_as!(u16, 2, |b| half::bf16::from_bits(b).to_f64()),
            F32 => decode_as!(f32, 4, f64::from),
            F64 => decode_as!(f64, 8, |v| v),
            I8 => decode_as!(i8, 1, f64::from),
            I16 => decode_as!(i16, 2, f64::from),
            I32 => decode_as!(i32, 4, f64::from),
            I64 => decode_as!(i64, 8, |v| v as f64),
            U8 => decode_as!(u8, 1, f64::from),
            U16 => decode_as!(u16, 2, f64::from),
            U32 => decode_as!(u32, 4, f64::from),
            U64 => decode_as!(u64, 8, |v| v as f64),
            Bool => decode_as!(u8, 1, |v| if v != 0 { 1.0 } else { 0.0 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_descrs() {
        assert_eq!(DType::from_numpy_descr("<f4").unwrap(), DType::little(Scalar::F32));
        assert_eq!(DType::from_numpy_descr(">f8").unwrap(), DType { scalar: Scalar::F64, big_endian: true });
        assert_eq!(DType::from_numpy_descr("|b1").unwrap().scalar, Scalar::Bool);
        assert_eq!(DType::from_numpy_descr("<V2").unwrap().scalar, Scalar::BF16);
        assert!(matches!(DType::from_numpy_descr("<c8"), Err(FormatError::UnsupportedDtype { .. })));
        assert!(matches!(DType::from_numpy_descr("|O"), Err(FormatError::UnsupportedDtype { .. })));
    }

    #[test]
    fn decodes_both_byte_orders() {
        let mut out = [0.0; 2];
        DType::little(Scalar::F32).decode(&[0, 0, 128, 63, 0, 0, 0, 192], &mut out);
        assert_eq!(out, [1.0, -2.0]);
        DType { scalar: Scalar::I16, big_endian: true }.decode(&[0xff, 0xfe, 0, 7], &mut out);
        assert_eq!(out, [-2.0, 7.0]);
        DType::little(Scalar::F16).decode(&[0x00, 0x3c, 0x00, 0xc0], &mut out);
        assert_eq!(out, [1.0, -2.0]);
        DType::little(Scalar::BF16).decode(&[0x80, 0x3f, 0x00, 0xc0], &mut out);
        assert_eq!(out, [1.0, -2.0]);
    }
}
