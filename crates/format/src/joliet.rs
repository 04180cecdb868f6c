//! Joliet (Microsoft "Joliet Specification", 1995): a Supplementary Volume Descriptor
//! whose Escape Sequences field selects UCS-2, with file identifiers in UCS-2
//! big-endian. The directory and path table structures are those of ECMA-119.

use crate::FormatError;

/// Escape sequence "%/@": UCS-2 level 1 (Joliet spec, SVD BP 89–91).
pub const ESCAPE_SEQUENCE_LEVEL_1: [u8; 3] = *b"%/@";
/// Escape sequence "%/C": UCS-2 level 2.
pub const ESCAPE_SEQUENCE_LEVEL_2: [u8; 3] = *b"%/C";
/// Escape sequence "%/E": UCS-2 level 3 (what genisoimage and xorriso write).
pub const ESCAPE_SEQUENCE_LEVEL_3: [u8; 3] = *b"%/E";
/// Longest file identifier in UCS-2 code units (Joliet spec: 64 characters, 128 bytes).
pub const MAX_NAME_UNITS: usize = 64;

/// Whether the escape sequences field of an SVD announces Joliet (any UCS-2 level).
pub fn is_joliet_escape_sequences(field: &[u8; 32]) -> bool {
    let e = &field[..3];
    e == ESCAPE_SEQUENCE_LEVEL_1 || e == ESCAPE_SEQUENCE_LEVEL_2 || e == ESCAPE_SEQUENCE_LEVEL_3
}

/// Whether a UCS-2 code unit may appear in a Joliet file identifier: everything except
/// U+0000–U+001F and `*` `/` `:` `;` `?` `\` (Joliet spec "Allowed characters";
/// `;` only as the version separator).
pub fn is_allowed_unit(u: u16) -> bool {
    u >= 0x20 && !matches!(u, 0x2A | 0x2F | 0x3A | 0x3B | 0x3F | 0x5C)
}

/// Appends UCS-2 big-endian code units.
pub fn encode_ucs2_be(units: &[u16], out: &mut Vec<u8>) {
    for u in units {
        out.extend_from_slice(&u.to_be_bytes());
    }
}

/// UCS-2 code units of `s`, or `None` if it holds a character outside the Basic
/// Multilingual Plane (UCS-2 cannot represent it).
pub fn str_to_ucs2(s: &str) -> Option<Vec<u16>> {
    s.chars()
        .map(|c| u16::try_from(u32::from(c)).ok())
        .collect()
}

/// Decodes UCS-2 big-endian bytes into code units.
///
/// # Errors
/// [`FormatError::Invalid`] if the length is odd.
pub fn decode_ucs2_be(bytes: &[u8]) -> Result<Vec<u16>, FormatError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(FormatError::Invalid {
            structure: "Joliet file identifier",
            field: "Length of File Identifier",
            offset: 0,
            detail: format!("{} is odd", bytes.len()),
        });
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// A Joliet identifier as text; unpaired surrogates become U+FFFD.
///
/// # Errors
/// [`FormatError::Invalid`] if the length is odd.
pub fn decode_name(bytes: &[u8]) -> Result<String, FormatError> {
    Ok(String::from_utf16_lossy(&decode_ucs2_be(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucs2_round_trip() {
        let u = str_to_ucs2("Grüße.txt;1").unwrap();
        let mut b = Vec::new();
        encode_ucs2_be(&u, &mut b);
        assert_eq!(&b[..4], &[0, b'G', 0, b'r']);
        assert_eq!(decode_name(&b).unwrap(), "Grüße.txt;1");
        assert!(decode_ucs2_be(&b[..3]).is_err());
        assert_eq!(str_to_ucs2("a😀"), None);
    }

    #[test]
    fn allowed_units() {
        assert!(is_allowed_unit(u16::from(b'a')));
        assert!(is_allowed_unit(0x00FC));
        for c in [0u16, 0x1F, 0x2A, 0x2F, 0x3A, 0x3B, 0x3F, 0x5C] {
            assert!(!is_allowed_unit(c));
        }
        let mut f = [0u8; 32];
        f[..3].copy_from_slice(&ESCAPE_SEQUENCE_LEVEL_3);
        assert!(is_joliet_escape_sequences(&f));
        assert!(!is_joliet_escape_sequences(&[0; 32]));
    }
}
