//! Name mapping from host names (bytes, usually UTF-8) to ECMA-119 and Joliet file
//! identifiers: deterministic, collision-free and stable.
//!
//! # ECMA-119 (ISO 9660) scheme
//! 1. *Candidate*: ASCII letters are upper-cased; every other character outside the
//!    d-characters (`A–Z 0–9 _`, ECMA-119 7.4.1) becomes `_` (one `_` per character, not
//!    per byte). Files split at the last `.` (not a leading one) into name and extension;
//!    directories keep no extension. Lengths: level 1 is 8.3 (directories 8); levels 2
//!    and 3 allow name + extension ≤ 30 (ECMA-119 7.5.1) and directories ≤ 31 (7.6.3).
//!    Over-long names are truncated (extension to 8 first). Files get the `;1` version.
//! 2. A candidate is *lossless* when only upper-casing happened.
//! 3. *Collisions* are judged on the name a reader shows (`NAME.EXT`, `NAME`) within
//!    one directory. A candidate used by one item only is kept. Among colliding items,
//!    one lossless item keeps the candidate (a directory before a file, then the
//!    smaller host name); every other colliding item gets a hash suffix: its name is
//!    cut and `_` plus the first 6 (level 1: 4) upper-case hex digits of
//!    SHA-256(host name) are appended, the extension kept. If that is taken as well,
//!    the hash of (host name, n) for n = 1, 2, … is used.
//!
//!    So a host name maps to the same identifier whatever else is in the directory,
//!    unless it collides; and a collision never renumbers other items (there are no
//!    `~1`/`~2` counters).
//! 4. Strict compliance ([`crate::FileSystemImage::set_strict_file_system_compliance`]):
//!    a lossy candidate or any collision is [`crate::ImageError::NameNotRepresentable`].
//!
//! # Joliet scheme
//! Names are UCS-2 big-endian. Characters outside the Basic Multilingual Plane (UCS-2
//! cannot hold them), control characters and `* / : ; ? \` become `_`, and invalid UTF-8
//! becomes `_`. Identifiers are at most 64 UCS-2 units including the `;1` of files
//! (Joliet spec: 128 bytes). A name that had to change (a replaced character, or too
//! long) *always* gets the hash suffix `_XXXXXX` before its extension (the extension is
//! kept when it is ≤ 16 units), so it is stable independent of its siblings; a name that
//! fits unchanged is used as is. Names are unique without regard to case (Windows and
//! Linux's Joliet lookup ignore case): of names differing only in case, the first in
//! host-name byte order keeps its name and the others get the hash suffix. A hash that
//! is taken already is retried with a counter as above.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::IsoLevel;

/// Upper-case hex digits of SHA-256(name [|| salt]).
fn hash_hex(name: &[u8], salt: u32, len: usize) -> String {
    let mut h = Sha256::new();
    h.update(name);
    if salt > 0 {
        h.update(salt.to_le_bytes());
    }
    let d = h.finalize();
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02X}"));
    }
    s.truncate(len);
    s
}

#[derive(Debug, Clone)]
struct IsoCandidate {
    base: Vec<u8>,
    ext: Vec<u8>,
    lossless: bool,
}

fn d_map(s: &str) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(s.len());
    let mut lossless = true;
    for c in s.chars() {
        let u = c.to_ascii_uppercase();
        if u.is_ascii() && discburn_format::iso9660::is_d_character(u as u8) {
            out.push(u as u8);
        } else {
            out.push(b'_');
            lossless = false;
        }
    }
    (out, lossless)
}

fn split_ext(s: &str) -> (&str, Option<&str>) {
    match s.rfind('.') {
        Some(i) if i > 0 => (&s[..i], Some(&s[i + 1..])),
        _ => (s, None),
    }
}

fn iso_limits(level: IsoLevel, is_dir: bool) -> (usize, usize, usize) {
    // (max name, max extension, max name + extension)
    match (level, is_dir) {
        (IsoLevel::Level1, true) => (8, 0, 8),
        (IsoLevel::Level1, false) => (8, 3, 11),
        (_, true) => (31, 0, 31),
        (_, false) => (30, 30, 30),
    }
}

fn iso_candidate(name: &[u8], is_dir: bool, level: IsoLevel) -> IsoCandidate {
    let text = String::from_utf8_lossy(name);
    let valid_utf8 = matches!(text, std::borrow::Cow::Borrowed(_));
    let (base_s, ext_s) = if is_dir {
        (&*text, None)
    } else {
        split_ext(&text)
    };
    let (mut base, l1) = d_map(base_s);
    let (mut ext, l2) = ext_s.map(d_map).unwrap_or((Vec::new(), true));
    let (max_base, max_ext, max_total) = iso_limits(level, is_dir);
    let mut lossless = l1 && l2 && valid_utf8;
    if ext.len() > max_ext {
        ext.truncate(max_ext);
        lossless = false;
    }
    if base.len() + ext.len() > max_total && ext.len() > 8 {
        ext.truncate(8);
        lossless = false;
    }
    let room = max_base.min(max_total - ext.len());
    if base.len() > room {
        base.truncate(room);
        lossless = false;
    }
    if base.is_empty() {
        base.push(b'_');
        lossless = false;
    }
    IsoCandidate {
        base,
        ext,
        lossless,
    }
}

fn iso_hashed(
    name: &[u8],
    is_dir: bool,
    level: IsoLevel,
    c: &IsoCandidate,
    salt: u32,
) -> IsoCandidate {
    let (max_base, _, max_total) = iso_limits(level, is_dir);
    let hl = if level == IsoLevel::Level1 { 4 } else { 6 };
    // Leave room for "_" + hash in the name: shorten a very long extension first.
    let mut ext = c.ext.clone();
    ext.truncate(max_total - (hl + 1));
    let room = max_base.min(max_total - ext.len());
    let keep = room.saturating_sub(hl + 1).min(c.base.len());
    let mut base = c.base[..keep].to_vec();
    base.push(b'_');
    base.extend_from_slice(hash_hex(name, salt, hl).as_bytes());
    IsoCandidate {
        base,
        ext,
        lossless: false,
    }
}

/// What a reader shows: NAME.EXT (or NAME) — collisions are judged on this.
fn iso_key(c: &IsoCandidate, is_dir: bool) -> Vec<u8> {
    let mut k = c.base.clone();
    if !is_dir && !c.ext.is_empty() {
        k.push(b'.');
        k.extend_from_slice(&c.ext);
    }
    k
}

fn iso_identifier(c: &IsoCandidate, is_dir: bool) -> Vec<u8> {
    let mut k = c.base.clone();
    if !is_dir {
        k.push(b'.');
        k.extend_from_slice(&c.ext);
        k.extend_from_slice(b";1");
    }
    k
}

/// One item of a directory to be named.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameInput<'a> {
    /// Host name bytes.
    pub name: &'a [u8],
    /// Directory (no extension, no version).
    pub is_dir: bool,
    /// Wins collisions over everything else (the relocation directory).
    pub priority: bool,
    /// ECMA-119 identifier recorded by an imported session (kept as is).
    pub fixed_iso: Option<&'a [u8]>,
    /// Joliet name (without `;1`) recorded by an imported session (kept as is).
    pub fixed_joliet: Option<&'a [u16]>,
}

/// Whether a recorded ECMA-119 identifier is valid at `level` (d-characters, name and
/// extension lengths of ECMA-119 7.5/7.6 and 10); one that is not is named afresh.
fn fixed_iso_fits(ident: &[u8], is_dir: bool, level: IsoLevel) -> bool {
    let (max_base, max_ext, max_total) = iso_limits(level, is_dir);
    let d = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_';
    if is_dir {
        return !ident.is_empty() && ident.len() <= max_base && ident.iter().all(d);
    }
    let Some(semi) = ident.iter().rposition(|&c| c == b';') else {
        return false;
    };
    let name = &ident[..semi];
    let (base, ext) = match name.iter().position(|&c| c == b'.') {
        Some(p) => (&name[..p], &name[p + 1..]),
        None => return false,
    };
    !(base.is_empty() && ext.is_empty())
        && base.len() <= max_base
        && ext.len() <= max_ext
        && base.len() + ext.len() <= max_total
        && base.iter().chain(ext).all(d)
}

/// The collision key of a recorded ECMA-119 identifier: without the version, and
/// without the separator of an empty extension.
fn fixed_iso_key(ident: &[u8]) -> Vec<u8> {
    let mut k = match ident.iter().rposition(|&c| c == b';') {
        Some(i) => ident[..i].to_vec(),
        None => ident.to_vec(),
    };
    if k.last() == Some(&b'.') {
        k.pop();
    }
    k
}

/// Why strict mapping refused a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrictViolation {
    pub index: usize,
    pub reason: &'static str,
}

/// ECMA-119 identifiers for the items of one directory (same order as `items`), per
/// the module-level scheme.
pub(crate) fn resolve_iso(
    items: &[NameInput<'_>],
    level: IsoLevel,
    strict: bool,
) -> Result<Vec<Vec<u8>>, StrictViolation> {
    let cands: Vec<IsoCandidate> = items
        .iter()
        .map(|i| iso_candidate(i.name, i.is_dir, level))
        .collect();
    let mut groups: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    let mut out: Vec<Option<Vec<u8>>> = vec![None; items.len()];
    let mut taken: BTreeSet<Vec<u8>> = BTreeSet::new();
    let fixed: Vec<Option<&[u8]>> = items
        .iter()
        .map(|i| i.fixed_iso.filter(|f| fixed_iso_fits(f, i.is_dir, level)))
        .collect();
    for (i, f) in fixed.iter().enumerate() {
        if let Some(f) = f {
            let key = fixed_iso_key(f);
            // Two recorded names that now collide (a hostile or odd image): the second
            // is named afresh.
            if taken.insert(key) {
                out[i] = Some(f.to_vec());
            }
        }
    }
    for (i, c) in cands.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        groups
            .entry(iso_key(c, items[i].is_dir))
            .or_default()
            .push(i);
    }
    let mut to_hash = Vec::new();
    for (key, members) in &groups {
        if strict {
            if let Some(&i) = members
                .iter()
                .find(|&&i| !cands[i].lossless && !items[i].priority)
            {
                return Err(StrictViolation {
                    index: i,
                    reason: "characters outside the d-characters or name too long",
                });
            }
            if members.len() > 1 {
                let i = *members
                    .iter()
                    .find(|&&i| !items[i].priority)
                    .unwrap_or(&members[1]);
                return Err(StrictViolation {
                    index: i,
                    reason: "collides with another name after upper-casing",
                });
            }
        }
        let keeper = if taken.contains(key) {
            None
        } else if members.len() == 1 {
            Some(members[0])
        } else {
            members
                .iter()
                .copied()
                .filter(|&i| cands[i].lossless || items[i].priority)
                .min_by(|&a, &b| {
                    (!items[a].priority, !items[a].is_dir, items[a].name).cmp(&(
                        !items[b].priority,
                        !items[b].is_dir,
                        items[b].name,
                    ))
                })
        };
        if let Some(k) = keeper {
            out[k] = Some(iso_identifier(&cands[k], items[k].is_dir));
            taken.insert(key.clone());
        }
        to_hash.extend(members.iter().copied().filter(|&i| Some(i) != keeper));
    }
    to_hash.sort_by(|&a, &b| items[a].name.cmp(items[b].name).then(a.cmp(&b)));
    for i in to_hash {
        let mut salt = 0;
        loop {
            let h = iso_hashed(items[i].name, items[i].is_dir, level, &cands[i], salt);
            let key = iso_key(&h, items[i].is_dir);
            if !taken.contains(&key) && !groups.contains_key(&key) {
                taken.insert(key);
                out[i] = Some(iso_identifier(&h, items[i].is_dir));
                break;
            }
            salt += 1;
        }
    }
    Ok(out
        .into_iter()
        .map(|o| o.expect("every item named"))
        .collect())
}

/// Longest Joliet identifier in UCS-2 units, including `;1` for files.
pub(crate) const JOLIET_MAX_UNITS: usize = discburn_format::joliet::MAX_NAME_UNITS;

fn joliet_units(s: &str) -> (Vec<u16>, bool) {
    let mut lossless = true;
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match u16::try_from(u32::from(c)) {
            Ok(u)
                if discburn_format::joliet::is_allowed_unit(u)
                    && !(0xD800..0xE000).contains(&u) =>
            {
                out.push(u)
            }
            _ => {
                out.push(u16::from(b'_'));
                lossless = false;
            }
        }
    }
    (out, lossless)
}

/// The Joliet name (UCS-2 units, without `;1`) of one item, given a salt for retries.
fn joliet_name(name: &[u8], is_dir: bool, salt: u32, force_hash: bool) -> (Vec<u16>, bool) {
    let text = String::from_utf8_lossy(name);
    let valid_utf8 = matches!(text, std::borrow::Cow::Borrowed(_));
    let (units, lossless) = joliet_units(&text);
    // Readers drop trailing dots from Joliet names (Windows, Linux's Joliet lookup,
    // 7-Zip, libcdio): a name ending in '.' would read as another name, and "..." as
    // "." or "..". Such names are not kept as they are.
    let dot = u16::from(b'.');
    let trailing_dot = units.last() == Some(&dot);
    let lossless = lossless && valid_utf8 && !trailing_dot;
    let max = if is_dir {
        JOLIET_MAX_UNITS
    } else {
        JOLIET_MAX_UNITS - 2
    };
    if lossless && units.len() <= max && !force_hash {
        return (units, true);
    }
    let ext_at = if is_dir || trailing_dot {
        None
    } else {
        units
            .iter()
            .rposition(|&u| u == dot)
            .filter(|&i| i > 0 && units.len() - i <= 17)
    };
    let (base, ext) = match ext_at {
        Some(i) => (&units[..i], &units[i..]),
        None => (&units[..], &units[units.len()..]),
    };
    let suffix: Vec<u16> = std::iter::once(u16::from(b'_'))
        .chain(hash_hex(name, salt, 6).bytes().map(u16::from))
        .collect();
    let keep = (max - ext.len() - suffix.len()).min(base.len());
    let mut out = base[..keep].to_vec();
    out.extend_from_slice(&suffix);
    out.extend_from_slice(ext);
    (out, false)
}

/// Joliet names (UCS-2 units without the `;1` version) for the items of one directory,
/// per the module-level scheme.
pub(crate) fn resolve_joliet(items: &[NameInput<'_>]) -> Vec<Vec<u16>> {
    let first: Vec<(Vec<u16>, bool)> = items
        .iter()
        .map(|i| joliet_name(i.name, i.is_dir, 0, false))
        .collect();
    // Windows (and Linux's Joliet lookup) compare names without regard to case and
    // without trailing dots, so names that differ only in those collide: the first in
    // host-name order keeps its name, the others get the hash suffix.
    let mut lossless: Vec<usize> = (0..items.len()).filter(|&i| first[i].1).collect();
    lossless.sort_by(|&a, &b| items[a].name.cmp(items[b].name).then(a.cmp(&b)));
    let mut taken: BTreeSet<Vec<u16>> = BTreeSet::new();
    let mut out: Vec<Vec<u16>> = first.iter().map(|(u, _)| u.clone()).collect();
    // A recorded name is kept unless a reader would take it for "." or ".." (or show
    // it empty), or it collides with a recorded name kept before it (an odd image, or
    // one written before hard links were matched one-to-one): those are named afresh.
    // Of two items recorded with one name, the one this module would name so keeps it.
    let mut kept_fixed = vec![false; items.len()];
    let mut fixed: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].fixed_joliet.is_some())
        .collect();
    fixed.sort_by_key(|&i| {
        let f = items[i].fixed_joliet.unwrap_or_default();
        let own = first[i].0 == f || joliet_name(items[i].name, items[i].is_dir, 0, true).0 == f;
        (!own, i)
    });
    for i in fixed {
        if let Some(f) = items[i].fixed_joliet
            && fixed_joliet_fits(f)
            && taken.insert(joliet_key(f))
        {
            out[i] = f.to_vec();
            kept_fixed[i] = true;
        }
    }
    lossless.retain(|&i| items[i].fixed_joliet.is_none());
    let mut order: Vec<usize> = Vec::new();
    for i in lossless {
        if !taken.insert(joliet_key(&first[i].0)) {
            order.push(i);
        }
    }
    order.extend(
        (0..items.len())
            .filter(|&i| !kept_fixed[i] && (items[i].fixed_joliet.is_some() || !first[i].1)),
    );
    order.sort_by(|&a, &b| items[a].name.cmp(items[b].name).then(a.cmp(&b)));
    for i in order {
        let mut salt = 0;
        loop {
            let (u, _) = joliet_name(items[i].name, items[i].is_dir, salt, true);
            if taken.insert(joliet_key(&u)) {
                out[i] = u;
                break;
            }
            salt += 1;
        }
    }
    out
}

/// The name readers compare Joliet names by: trailing dots dropped, case folded.
fn joliet_key(units: &[u16]) -> Vec<u16> {
    let dot = u16::from(b'.');
    let end = units.iter().rposition(|&u| u != dot).map_or(0, |i| i + 1);
    fold_case(&units[..end])
}

/// Whether a recorded Joliet name (without `;1`) can be kept: not empty and not only
/// dots (readers would show "", "." or ".."). Other writers' names are kept as they
/// recorded them otherwise (longer names, other characters).
fn fixed_joliet_fits(units: &[u16]) -> bool {
    units.iter().any(|&u| u != u16::from(b'.'))
}

/// The Joliet names an item named `name` may have been given by this module (the plain
/// name and the first hashed ones), to find an imported item's record among several
/// candidates (hard links share their extent).
pub(crate) fn joliet_name_candidates(name: &[u8], is_dir: bool) -> Vec<Vec<u16>> {
    let text = String::from_utf8_lossy(name);
    let mut v = vec![text.encode_utf16().collect::<Vec<u16>>()];
    v.extend((0..4).map(|salt| joliet_name(name, is_dir, salt, true).0));
    v
}

/// Simple case folding of UCS-2 units (one-to-one lower-casing within the BMP).
fn fold_case(units: &[u16]) -> Vec<u16> {
    units
        .iter()
        .map(|&u| {
            char::from_u32(u32::from(u))
                .and_then(|c| {
                    let mut l = c.to_lowercase();
                    match (l.next(), l.next()) {
                        (Some(x), None) => u16::try_from(u32::from(x)).ok(),
                        _ => None,
                    }
                })
                .unwrap_or(u)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inp(name: &str, is_dir: bool) -> NameInput<'_> {
        NameInput {
            name: name.as_bytes(),
            is_dir,
            priority: false,
            fixed_iso: None,
            fixed_joliet: None,
        }
    }

    fn iso(names: &[(&str, bool)], level: IsoLevel) -> Vec<String> {
        let items: Vec<_> = names.iter().map(|(n, d)| inp(n, *d)).collect();
        resolve_iso(&items, level, false)
            .unwrap()
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn fixed_names_are_kept_and_avoided() {
        // An imported item keeps its mangled name; a new item whose plain mapping equals
        // it is hashed instead.
        let units: Vec<u16> = "Old Name.txt".encode_utf16().collect();
        let items = [
            NameInput {
                fixed_iso: Some(b"README.TXT;1"),
                fixed_joliet: Some(&units),
                ..inp("something else.txt", false)
            },
            inp("readme.txt", false),
            inp("Old Name.txt", false),
        ];
        let iso = resolve_iso(&items, IsoLevel::Level2, false).unwrap();
        assert_eq!(iso[0], b"README.TXT;1");
        assert_ne!(iso[1], b"README.TXT;1");
        assert!(
            iso[1].starts_with(b"README_"),
            "{:?}",
            String::from_utf8_lossy(&iso[1])
        );
        let j = resolve_joliet(&items);
        assert_eq!(j[0], units);
        assert_ne!(j[2], units);
        // A recorded name that does not fit the level is named afresh.
        let items = [NameInput {
            fixed_iso: Some(b"A_LONG_LEVEL2_NAME.TXT;1"),
            ..inp("x.txt", false)
        }];
        assert_eq!(
            resolve_iso(&items, IsoLevel::Level1, false).unwrap()[0],
            b"X.TXT;1"
        );
    }

    #[test]
    fn iso_basic_mapping() {
        assert_eq!(
            iso(&[("readme.txt", false), ("src", true)], IsoLevel::Level2),
            ["README.TXT;1", "SRC"]
        );
        assert_eq!(
            iso(&[("Makefile", false)], IsoLevel::Level1),
            ["MAKEFILE.;1"]
        );
        assert_eq!(
            iso(&[("my-file.tar.gz", false)], IsoLevel::Level2),
            ["MY_FILE_TAR.GZ;1"]
        );
        assert_eq!(
            iso(&[("a.very.long.directory.name", true)], IsoLevel::Level1),
            ["A_VERY_L"]
        );
        assert_eq!(
            iso(&[("longfilename.html", false)], IsoLevel::Level1),
            ["LONGFILE.HTM;1"]
        );
        assert_eq!(iso(&[(".bashrc", false)], IsoLevel::Level2), ["_BASHRC.;1"]);
        let long = "x".repeat(40) + ".txt";
        assert_eq!(
            iso(&[(&long, false)], IsoLevel::Level3)[0],
            format!("{}.TXT;1", "X".repeat(27))
        );
    }

    #[test]
    fn iso_collisions_get_hash_suffix_and_lossless_keeps() {
        let r = iso(
            &[("A.TXT", false), ("a.txt", false), ("a-txt", true)],
            IsoLevel::Level2,
        );
        assert_eq!(r[0], "A.TXT;1");
        assert!(r[1].starts_with("A_") && r[1].ends_with(".TXT;1"), "{r:?}");
        assert_eq!(r[2], "A_TXT");
        // Stability: the hashed name of "a.txt" does not depend on other members.
        let r2 = iso(
            &[("a.txt", false), ("A.TXT", false), ("zzz", false)],
            IsoLevel::Level2,
        );
        assert_eq!(r2[0], r[1]);
    }

    #[test]
    fn hashed_names_respect_limits_with_long_extensions() {
        let a = format!("a.{}", "e".repeat(28));
        let b = format!("A.{}", "E".repeat(28));
        let c = format!("a-.{}", "e".repeat(28));
        let r = iso(&[(&a, false), (&b, false), (&c, false)], IsoLevel::Level2);
        for id in &r {
            let (n, e, _) = discburn_format::iso9660::split_file_identifier(id.as_bytes());
            assert!(n.len() + e.len() <= 30, "{id}");
        }
        assert_eq!(r.iter().collect::<BTreeSet<_>>().len(), 3);
    }

    #[test]
    fn strict_rejects_lossy_and_collisions() {
        let items = [inp("ok.txt", false), inp("bad-name", false)];
        assert_eq!(
            resolve_iso(&items, IsoLevel::Level2, true)
                .unwrap_err()
                .index,
            1
        );
        let items = [inp("a", false), inp("A", false)];
        assert!(resolve_iso(&items, IsoLevel::Level2, true).is_err());
        let items = [inp("README.TXT", false), inp("docs", true)];
        assert!(resolve_iso(&items, IsoLevel::Level1, true).is_ok());
        let items = [inp("longfilename.txt", false)];
        assert!(resolve_iso(&items, IsoLevel::Level1, true).is_err());
    }

    #[test]
    fn joliet_mapping() {
        let n70 = "n".repeat(70);
        let items = [
            inp("Grüße.txt", false),
            inp("a:b", false),
            inp(&n70, true),
            inp("😀.txt", false),
        ];
        let r: Vec<String> = resolve_joliet(&items)
            .iter()
            .map(|u| String::from_utf16(u).unwrap())
            .collect();
        assert_eq!(r[0], "Grüße.txt");
        assert!(r[1].starts_with("a_b_") && r[1].len() == 10, "{r:?}");
        assert_eq!(r[2].chars().count(), 64);
        assert!(r[3].starts_with("__") && r[3].ends_with(".txt"), "{r:?}");
        let long = format!("{}.extension", "y".repeat(100));
        let r = resolve_joliet(&[inp(&long, false)]);
        assert_eq!(r[0].len(), 62);
        assert!(String::from_utf16(&r[0]).unwrap().ends_with(".extension"));
    }

    #[test]
    fn joliet_names_that_readers_would_cut_get_the_hash_suffix() {
        // Readers drop trailing dots: "..." must not read as "." or "..", and "a."
        // must not read as its sibling "a".
        let items = [
            inp("...", false),
            inp("..", true),
            inp("a.", false),
            inp("a", false),
            inp("x.tar.", false),
            inp("....", true),
        ];
        let r: Vec<String> = resolve_joliet(&items)
            .iter()
            .map(|u| String::from_utf16(u).unwrap())
            .collect();
        assert!(r[0].starts_with("..._") && r[0].len() == 10, "{r:?}");
        assert!(r[1].starts_with(".._"), "{r:?}");
        assert!(r[2].starts_with("a._"), "{r:?}");
        assert_eq!(r[3], "a");
        assert!(r[4].starts_with("x.tar._"), "{r:?}");
        for n in &r {
            assert!(!n.ends_with('.'), "{r:?}");
        }
        // A recorded name of dots only is named afresh; one recorded twice is kept once.
        let dots: Vec<u16> = "...".encode_utf16().collect();
        let same: Vec<u16> = "b2".encode_utf16().collect();
        let items = [
            NameInput {
                fixed_joliet: Some(&dots),
                ..inp("...", false)
            },
            NameInput {
                fixed_joliet: Some(&same),
                ..inp("b1", false)
            },
            NameInput {
                fixed_joliet: Some(&same),
                ..inp("b2", false)
            },
        ];
        let r = resolve_joliet(&items);
        assert_ne!(r[0], dots);
        assert_ne!(r[1], same);
        assert_eq!(r[2], same, "b2 is named so by this module");
        let keys: BTreeSet<_> = r.iter().map(|u| joliet_key(u)).collect();
        assert_eq!(keys.len(), 3);
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9._-]{1,40}",
            "[a-c.]{1,6}",
            "[A-Za-zäöü😀 ~:]{1,80}",
            "[a-cA-C-]{1,3}\\.[a-eA-E]{20,35}",
        ]
    }

    proptest! {
        #[test]
        fn iso_names_are_unique_valid_and_stable(
            names in proptest::collection::btree_set(name_strategy(), 1..40),
            level in prop_oneof![Just(IsoLevel::Level1), Just(IsoLevel::Level2), Just(IsoLevel::Level3)],
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let items: Vec<_> = names.iter().enumerate().map(|(i, n)| inp(n, i % 3 == 0)).collect();
            let ids = resolve_iso(&items, level, false).unwrap();
            let mut keys = BTreeSet::new();
            for (i, id) in ids.iter().enumerate() {
                let (n, e, v) = discburn_format::iso9660::split_file_identifier(id);
                prop_assert!(discburn_format::iso9660::is_d_string(n) && discburn_format::iso9660::is_d_string(e));
                if items[i].is_dir {
                    prop_assert!(v.is_empty() && e.is_empty());
                    let max = if level == IsoLevel::Level1 { 8 } else { 31 };
                    prop_assert!(n.len() <= max);
                } else {
                    prop_assert_eq!(v, b"1");
                    if level == IsoLevel::Level1 { prop_assert!(n.len() <= 8 && e.len() <= 3); } else { prop_assert!(n.len() + e.len() <= 30); }
                }
                let key = if e.is_empty() { n.to_vec() } else { [n, b".", e].concat() };
                prop_assert!(keys.insert(key), "duplicate {:?}", String::from_utf8_lossy(id));
            }
            // Stable: a subset that keeps an item's colliding partners gives the same id
            // for every item whose candidate is unique in both sets.
            let again = resolve_iso(&items, level, false).unwrap();
            prop_assert_eq!(&ids, &again);
            let rev: Vec<_> = items.iter().rev().copied().collect();
            let mut rev_ids = resolve_iso(&rev, level, false).unwrap();
            rev_ids.reverse();
            prop_assert_eq!(ids, rev_ids);
        }

        #[test]
        fn joliet_names_are_unique_bounded_and_order_independent(names in proptest::collection::btree_set(name_strategy(), 1..40)) {
            let names: Vec<String> = names.into_iter().collect();
            let items: Vec<_> = names.iter().enumerate().map(|(i, n)| inp(n, i % 4 == 0)).collect();
            let ids = resolve_joliet(&items);
            let set: BTreeSet<_> = ids.iter().map(|u| joliet_key(u)).collect();
            prop_assert_eq!(set.len(), ids.len());
            for (i, id) in ids.iter().enumerate() {
                let max = if items[i].is_dir { 64 } else { 62 };
                prop_assert!(id.len() <= max);
                prop_assert!(id.iter().all(|&u| discburn_format::joliet::is_allowed_unit(u)));
            }
            let rev: Vec<_> = items.iter().rev().copied().collect();
            let mut r = resolve_joliet(&rev);
            r.reverse();
            prop_assert_eq!(ids.clone(), r);
            // An item whose name is unique regardless of case keeps the name it has
            // when alone, whatever its siblings.
            for (i, it) in items.iter().enumerate() {
                let alone = &resolve_joliet(&[*it])[0];
                let clash = items.iter().enumerate().any(|(j, o)| j != i && joliet_key(&resolve_joliet(&[*o])[0]) == joliet_key(alone));
                if !clash {
                    prop_assert_eq!(alone, &ids[i]);
                }
            }
        }
    }
}
