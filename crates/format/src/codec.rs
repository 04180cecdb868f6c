//! A bounded cursor for decoding variable-length records (rustls `msgs/codec.rs` style):
//! every read is checked against the remaining length, sub-readers are bounded by length
//! fields, and [`Reader::finish`] rejects trailing data. Decoders never panic on hostile
//! input.

use crate::FormatError;

/// A cursor over a byte slice that names the structure it decodes, for errors.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    structure: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, decoding `structure` (used in error messages).
    pub fn new(buf: &'a [u8], structure: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            base: 0,
            structure,
        }
    }

    /// The structure name given at construction.
    pub fn structure(&self) -> &'static str {
        self.structure
    }

    /// Byte offset of the cursor from the start of the outermost buffer.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Consumes exactly `n` bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`] if fewer than `n` bytes remain.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if n > self.remaining() {
            return Err(FormatError::Short {
                structure: self.structure,
                offset: self.offset(),
                needed: n,
                available: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Consumes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// A sub-reader over the next `n` bytes (consumed from this reader), for another
    /// structure.
    ///
    /// # Errors
    /// [`FormatError::Short`] if fewer than `n` bytes remain.
    pub fn sub(&mut self, n: usize, structure: &'static str) -> Result<Reader<'a>, FormatError> {
        let base = self.offset();
        let buf = self.take(n)?;
        Ok(Reader {
            buf,
            pos: 0,
            base,
            structure,
        })
    }

    /// Reads one byte.
    ///
    /// # Errors
    /// [`FormatError::Short`] at the end of the data.
    pub fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    /// Reads a fixed-size array.
    ///
    /// # Errors
    /// [`FormatError::Short`] if fewer than `N` bytes remain.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], FormatError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// ECMA-119 7.3.3 both-byte-order 32-bit number (little-endian half first). The
    /// little-endian half is returned; a disagreeing big-endian half is an error.
    ///
    /// # Errors
    /// [`FormatError::Short`], or [`FormatError::Invalid`] if the halves disagree.
    pub fn both_u32(&mut self, field: &'static str) -> Result<u32, FormatError> {
        let off = self.offset();
        let a = self.array::<8>()?;
        let le = u32::from_le_bytes([a[0], a[1], a[2], a[3]]);
        let be = u32::from_be_bytes([a[4], a[5], a[6], a[7]]);
        if le != be {
            return Err(self.invalid_at(off, field, format!("LE {le} != BE {be}")));
        }
        Ok(le)
    }

    /// ECMA-119 7.2.3 both-byte-order 16-bit number. The little-endian half is returned;
    /// a disagreeing big-endian half is an error.
    ///
    /// # Errors
    /// [`FormatError::Short`], or [`FormatError::Invalid`] if the halves disagree.
    pub fn both_u16(&mut self, field: &'static str) -> Result<u16, FormatError> {
        let off = self.offset();
        let a = self.array::<4>()?;
        let le = u16::from_le_bytes([a[0], a[1]]);
        let be = u16::from_be_bytes([a[2], a[3]]);
        if le != be {
            return Err(self.invalid_at(off, field, format!("LE {le} != BE {be}")));
        }
        Ok(le)
    }

    /// Little-endian u16 (ECMA-119 7.2.1).
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn le_u16(&mut self) -> Result<u16, FormatError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// Big-endian u16 (ECMA-119 7.2.2).
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn be_u16(&mut self) -> Result<u16, FormatError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Little-endian u32 (ECMA-119 7.3.1).
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn le_u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Big-endian u32 (ECMA-119 7.3.2).
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn be_u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// An [`FormatError::Invalid`] at the current offset.
    pub fn invalid(&self, field: &'static str, detail: impl Into<String>) -> FormatError {
        self.invalid_at(self.offset(), field, detail)
    }

    fn invalid_at(
        &self,
        offset: usize,
        field: &'static str,
        detail: impl Into<String>,
    ) -> FormatError {
        FormatError::Invalid {
            structure: self.structure,
            field,
            offset,
            detail: detail.into(),
        }
    }

    /// Succeeds only if every byte was consumed.
    ///
    /// # Errors
    /// [`FormatError::Trailing`] if bytes remain.
    pub fn finish(self) -> Result<(), FormatError> {
        if self.remaining() != 0 {
            return Err(FormatError::Trailing {
                structure: self.structure,
                offset: self.offset(),
                count: self.remaining(),
            });
        }
        Ok(())
    }
}

/// Appends an ECMA-119 7.3.3 both-byte-order 32-bit number.
pub fn put_both_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends an ECMA-119 7.2.3 both-byte-order 16-bit number.
pub fn put_both_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_trailing_and_mismatch_are_errors() {
        let mut r = Reader::new(&[1, 2, 3], "t");
        assert!(matches!(
            r.take(4),
            Err(FormatError::Short {
                needed: 4,
                available: 3,
                ..
            })
        ));
        assert_eq!(r.u8().unwrap(), 1);
        assert!(matches!(
            r.clone().finish(),
            Err(FormatError::Trailing { count: 2, .. })
        ));
        let mut v = Vec::new();
        put_both_u32(&mut v, 0x1234_5678);
        assert_eq!(Reader::new(&v, "t").both_u32("x").unwrap(), 0x1234_5678);
        v[7] ^= 1;
        assert!(matches!(
            Reader::new(&v, "t").both_u32("x"),
            Err(FormatError::Invalid { .. })
        ));
        let mut v = Vec::new();
        put_both_u16(&mut v, 0xBEEF);
        assert_eq!(Reader::new(&v, "t").both_u16("x").unwrap(), 0xBEEF);
    }

    #[test]
    fn sub_reader_is_bounded_and_tracks_offset() {
        let data = [9u8, 1, 2, 3, 4];
        let mut r = Reader::new(&data, "outer");
        r.u8().unwrap();
        let mut s = r.sub(2, "inner").unwrap();
        assert_eq!(s.offset(), 1);
        assert_eq!(s.take(2).unwrap(), &[1, 2]);
        assert!(s.u8().is_err());
        assert_eq!(r.remaining(), 2);
    }
}
