//! Byte access to the memory shared with the kernel (bytes in memory order). The region is seen as 32-bit
//! atomic words so that the kernel's concurrent updates are never a data race; every
//! access is bounds-checked and a bad offset is an error, never a panic.

use std::sync::atomic::{AtomicU32, Ordering};

/// An offset or length outside the shared region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bytes {offset}..{offset}+{len} lie outside the {size}-byte TCMU region")]
pub struct OutOfRegion {
    /// First byte asked for.
    pub offset: u64,
    /// Bytes asked for.
    pub len: u64,
    /// Region size.
    pub size: usize,
}

/// The shared region as words (its size is a multiple of 4: uio maps whole pages).
#[derive(Debug, Clone, Copy)]
pub struct Region<'a> {
    words: &'a [AtomicU32],
}

impl<'a> Region<'a> {
    /// A region over these words.
    pub fn new(words: &'a [AtomicU32]) -> Self {
        Region { words }
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.words.len() * 4
    }

    fn check(&self, offset: u64, len: u64) -> Result<usize, OutOfRegion> {
        let err = OutOfRegion {
            offset,
            len,
            size: self.size(),
        };
        let end = offset.checked_add(len).ok_or(err)?;
        if end > self.size() as u64 {
            return Err(err);
        }
        usize::try_from(offset).map_err(|_| err)
    }

    /// Loads the aligned 32-bit word at byte `offset` (a multiple of 4).
    pub fn load_u32(&self, offset: usize, order: Ordering) -> Result<u32, OutOfRegion> {
        self.check(offset as u64, 4)?;
        Ok(u32::from_le(self.words[offset / 4].load(order)))
    }

    /// Stores the aligned 32-bit word at byte `offset` (a multiple of 4).
    pub fn store_u32(&self, offset: usize, value: u32, order: Ordering) -> Result<(), OutOfRegion> {
        self.check(offset as u64, 4)?;
        self.words[offset / 4].store(value.to_le(), order);
        Ok(())
    }

    /// Copies `out.len()` bytes starting at `offset` out of the region.
    pub fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), OutOfRegion> {
        let start = self.check(offset, out.len() as u64)?;
        for (i, b) in out.iter_mut().enumerate() {
            let at = start + i;
            let word = self.words[at / 4].load(Ordering::Relaxed).to_ne_bytes();
            *b = word[at % 4];
        }
        Ok(())
    }

    /// Copies `bytes` into the region at `offset`. Whole words are stored directly;
    /// partial words at either end are merged with what is there.
    pub fn write(&self, offset: u64, bytes: &[u8]) -> Result<(), OutOfRegion> {
        let start = self.check(offset, bytes.len() as u64)?;
        let mut i = 0;
        while i < bytes.len() {
            let at = start + i;
            let w = at / 4;
            let lane = at % 4;
            let n = (4 - lane).min(bytes.len() - i);
            let word = &self.words[w];
            if n == 4 {
                let v = u32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
                word.store(v, Ordering::Relaxed);
            } else {
                let mut cur = word.load(Ordering::Relaxed).to_ne_bytes();
                cur[lane..lane + n].copy_from_slice(&bytes[i..i + n]);
                word.store(u32::from_ne_bytes(cur), Ordering::Relaxed);
            }
            i += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaligned_round_trip_and_bounds() {
        let words: Vec<AtomicU32> = (0..8).map(|_| AtomicU32::new(0)).collect();
        let r = Region::new(&words);
        r.write(3, &[1, 2, 3, 4, 5, 6]).unwrap();
        let mut b = [0u8; 8];
        r.read(2, &mut b).unwrap();
        assert_eq!(b, [0, 1, 2, 3, 4, 5, 6, 0]);
        assert_eq!(
            r.read(30, &mut b),
            Err(OutOfRegion {
                offset: 30,
                len: 8,
                size: 32
            })
        );
        assert!(r.write(u64::MAX, &[1]).is_err());
        r.store_u32(28, 0xDEAD_BEEF, Ordering::Release).unwrap();
        assert_eq!(r.load_u32(28, Ordering::Acquire), Ok(0xDEAD_BEEF));
        assert!(r.load_u32(32, Ordering::Acquire).is_err());
    }
}
