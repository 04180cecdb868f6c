//! Comparing what a reader listed with the manifest of the source tree, within the limits
//! of the view the reader shows.
//!
//! * Rock Ridge views must show every name exactly, every symlink with its target, every
//!   file with its size (and digest, when the reader extracted contents).
//! * Joliet views may shorten and map names. A name that Joliet can hold (no `* / : ; ? \`
//!   or control characters, only BMP characters, at most `max_units` UTF-16 units, and no
//!   sibling equal to it ignoring case) must be shown unchanged; every shown name must obey
//!   the Joliet rules; the other entries are matched by content (kind, size, digest, and
//!   recursively for directories). Symlinks do not exist in Joliet: they may be absent or
//!   shown as empty files.
//! * ECMA-119 views: every shown name must obey the interchange level's rules; entries are
//!   matched by content; symlinks are absent or empty files.
//!
//! In every view the directory structure, the number of entries per directory and every
//! file's size and contents must match.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::oracle::Reading;
use crate::tree::{Node, Tree, join};

/// The names a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// Rock Ridge (or host) names, exactly, except for the reader's known defects.
    RockRidge(RrQuirks),
    /// Joliet names.
    Joliet {
        /// Longest name in UTF-16 code units (64 per the Joliet specification; 103 for
        /// `mkisofs -joliet-long`).
        max_units: usize,
        /// The reader prints names in ISO 8859-1 (isoinfo): characters above U+00FF show
        /// as `_`.
        latin1: bool,
        /// Writer limit: entries whose path (from the root, '/'-separated) is longer than
        /// this many UTF-16 units may be left out of the Joliet tree (libisofs omits paths
        /// over 240 bytes).
        omits_paths_over: Option<usize>,
        /// Writer property: every name Joliet can hold is kept unchanged (libisofs gives
        /// up a fitting name when it has to mangle longer siblings sharing its prefix).
        keeps_fitting_names: bool,
        /// Reader quirk: a trailing `.` is dropped from names (7-Zip and libcdio, as
        /// Windows does).
        drops_trailing_dot: bool,
        /// Reader quirk: names may be cut short (libcdio converts a Joliet directory
        /// name into a UTF-8 buffer as long as its UCS-2 bytes, cutting CJK names, also
        /// inside a character, which then shows as U+FFFD).
        truncates: bool,
        /// Writer property: identifiers carry a `;1` version, which counts towards
        /// `max_units` (so names of up to `max_units` − 2 units are kept). Readers may
        /// show or drop it; it is ignored when names are compared.
        versioned: bool,
    },
    /// ECMA-119 names.
    Iso9660 {
        /// Interchange level 1, 2 or 3 (ECMA-119 10.1-10.3).
        level: u8,
        /// Names use only d-characters (A-Z 0-9 _), as ECMA-119 7.4.1 requires.
        dchars: bool,
    },
}

/// Known defects of a Rock Ridge reader, tolerated by the comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RrQuirks {
    /// Names and symlink targets longer than this many bytes may be shown truncated
    /// (libcdio and 7-Zip keep only the first NM / SL component). The shown name or target
    /// must then be a prefix of the real one.
    pub truncates_after: Option<usize>,
    /// A `;N` suffix may be dropped from names (7-Zip).
    pub drops_version: bool,
    /// Trailing dots may be dropped from names (7-Zip, as Windows does).
    pub drops_trailing_dot: bool,
    /// A symlink to "/" shows an empty target (isoinfo, pycdlib: an SL ROOT component
    /// alone).
    pub root_target_empty: bool,
    /// One '/' may be lost where a long symlink target is continued in a second SL entry
    /// (libarchive).
    pub split_target_loses_slash: bool,
    /// A target ending in '/' may be shown with one '/' less (isoinfo: an SL record
    /// ending with a ROOT or empty component, as genisoimage writes `a//`).
    pub drops_trailing_slash: bool,
    /// Targets holding a run of slashes (`a//b`, `//x`) are not compared (pycdlib starts
    /// the target afresh at every ROOT component, the record genisoimage and xorriso
    /// write for the second '/' of a run; it misreads their images the same way).
    pub slash_runs_unread: bool,
}

impl RrQuirks {
    /// No defects.
    pub const NONE: RrQuirks = RrQuirks {
        truncates_after: None,
        drops_version: false,
        drops_trailing_dot: false,
        root_target_empty: false,
        split_target_loses_slash: false,
        drops_trailing_slash: false,
        slash_runs_unread: false,
    };
}

/// How a reader shows an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Name rules.
    pub names: Names,
    /// Whether symlinks are shown as symlinks (Rock Ridge).
    pub symlinks: bool,
    /// Names are not checked (a listing by the same tool checks them, e.g. for an
    /// extraction whose names the extractor had to change); entries are matched by
    /// content, then by name.
    pub names_unchecked: bool,
    /// The reader shows Rock Ridge directory relocation (RRIP 4.1.5) as recorded: the
    /// relocated directories under a root `rr_moved` and, in their place, an empty file
    /// (ECMA-119 view) or empty directory (the CL entry, not followed). Such listings are
    /// put back together by [`unrelocate`] before the comparison. (Any view may show an
    /// empty `rr_moved` directory in the root.)
    pub shows_relocation: bool,
}

impl View {
    /// Rock Ridge, exact.
    pub const ROCK_RIDGE: View = View {
        names: Names::RockRidge(RrQuirks::NONE),
        symlinks: true,
        names_unchecked: false,
        shows_relocation: false,
    };

    /// Rock Ridge with a reader's known defects.
    pub fn rock_ridge(quirks: RrQuirks) -> View {
        View {
            names: Names::RockRidge(quirks),
            symlinks: true,
            names_unchecked: false,
            shows_relocation: false,
        }
    }

    /// Joliet with the given name limit, fitting names kept, no reader quirks.
    pub fn joliet(max_units: usize) -> View {
        View {
            names: Names::Joliet {
                max_units,
                latin1: false,
                omits_paths_over: None,
                keeps_fitting_names: true,
                drops_trailing_dot: false,
                truncates: false,
                versioned: false,
            },
            symlinks: false,
            names_unchecked: false,
            shows_relocation: false,
        }
    }

    /// ECMA-119 names at `level`.
    pub fn iso9660(level: u8, dchars: bool) -> View {
        View {
            names: Names::Iso9660 { level, dchars },
            symlinks: false,
            names_unchecked: false,
            shows_relocation: true,
        }
    }
}

struct Ctx<'a> {
    expected: &'a Tree,
    actual: &'a Tree,
    view: View,
    digests: bool,
    diffs: Vec<String>,
}

/// Compares `actual` (what a reader listed) with `expected` (the manifest) under `view`.
/// Returns the differences, one line each (empty when they agree).
pub fn compare(expected: &Tree, actual: &Tree, view: View) -> Vec<String> {
    let mut actual = if view.shows_relocation {
        unrelocate(actual)
    } else {
        actual.clone()
    };
    // An empty relocation directory left in the root (RRIP does not hide it).
    let empty_reloc: Vec<String> = actual
        .children("/")
        .into_iter()
        .filter(|(name, node)| {
            is_relocation_dir_name(name)
                && matches!(node, Node::Dir)
                && !expected.entries.contains_key(&format!("/{name}"))
        })
        .map(|(name, _)| format!("/{name}"))
        .filter(|p| actual.children(p).is_empty())
        .collect();
    for p in empty_reloc {
        actual.entries.remove(&p);
    }
    let actual = &actual;
    let digests = actual
        .entries
        .values()
        .any(|n| matches!(n, Node::File { md5: Some(_), .. }));
    let mut ctx = Ctx {
        expected,
        actual,
        view,
        digests,
        diffs: Vec::new(),
    };
    ctx.dir("/", "/");
    ctx.diffs
}

/// Compares each reading with `expected` under its view and panics with every difference,
/// naming the tool. `what` names the image (for the message).
pub fn assert_readings(what: &str, expected: &Tree, readings: &[(Reading, View)]) {
    let mut report = String::new();
    for (r, view) in readings {
        let diffs = compare(expected, &r.tree, *view);
        if !diffs.is_empty() {
            report.push_str(&format!(
                "\n== {} disagrees with the source tree ({} differences):\n",
                r.label,
                diffs.len()
            ));
            for d in diffs.iter().take(25) {
                report.push_str(&format!("   {d}\n"));
            }
            if diffs.len() > 25 {
                report.push_str(&format!("   ... and {} more\n", diffs.len() - 25));
            }
        }
    }
    assert!(report.is_empty(), "{what}:{report}");
}

fn is_relocation_dir_name(name: &str) -> bool {
    let n = strip_version(name).trim_end_matches('.');
    n.eq_ignore_ascii_case("rr_moved") || n.eq_ignore_ascii_case(".rr_moved")
}

fn same_name_loosely(a: &str, b: &str) -> bool {
    a == b || strip_version(a).eq_ignore_ascii_case(strip_version(b))
}

/// Puts a listing that shows Rock Ridge relocation as recorded back together: each
/// directory under the root `rr_moved` replaces the one entry elsewhere that stands for
/// it (same name, exactly or ignoring case and `;N`), an empty file (ECMA-119 view) or an
/// empty directory (a CL entry not followed). Entries without exactly one such
/// placeholder stay where they are (and show up as differences).
pub fn unrelocate(tree: &Tree) -> Tree {
    let Some(rdir) = tree
        .children("/")
        .into_iter()
        .find(|(n, node)| is_relocation_dir_name(n) && matches!(node, Node::Dir))
        .map(|(n, _)| format!("/{n}"))
    else {
        return tree.clone();
    };
    let mut t = tree.clone();
    let under_rdir = format!("{rdir}/");
    loop {
        let mut progress = false;
        let moved: Vec<String> = t
            .children(&rdir)
            .into_iter()
            .filter(|(_, n)| matches!(n, Node::Dir))
            .map(|(n, _)| n.to_string())
            .collect();
        for m in moved {
            let src = join(&rdir, &m);
            let is_placeholder = |p: &str, n: &Node| match n {
                Node::File { size: 0, .. } => true,
                Node::Dir => t.children(p).is_empty(),
                _ => false,
            };
            let named = |exact: bool| -> Vec<String> {
                t.entries
                    .iter()
                    .filter(|(p, n)| {
                        let base = p.rsplit('/').next().unwrap_or("");
                        !p.starts_with(&under_rdir)
                            && (if exact {
                                base == m
                            } else {
                                same_name_loosely(base, &m)
                            })
                            && is_placeholder(p, n)
                    })
                    .map(|(p, _)| p.clone())
                    .collect()
            };
            let mut cands = named(true);
            if cands.is_empty() {
                cands = named(false);
            }
            if cands.len() != 1 {
                continue;
            }
            let dst = cands.remove(0);
            let prefix = format!("{src}/");
            let sub: Vec<(String, Node)> = t
                .entries
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, n)| (p[src.len()..].to_string(), n.clone()))
                .collect();
            t.entries
                .retain(|p, _| *p != src && !p.starts_with(&prefix));
            t.entries.insert(dst.clone(), Node::Dir);
            for (rest, n) in sub {
                t.insert(&format!("{dst}{rest}"), n);
            }
            progress = true;
        }
        if !progress {
            break;
        }
    }
    if t.children(&rdir).is_empty() {
        t.entries.remove(&rdir);
    }
    t
}

/// Marks the second and later entries of one name in a listing (readers that map two
/// names to one, e.g. isoinfo printing non-Latin-1 characters as `_`).
pub const DUPLICATE_MARK: &str = " (duplicate ";

/// `name` without a [`DUPLICATE_MARK`] suffix.
pub fn strip_duplicate_mark(name: &str) -> &str {
    match name.find(DUPLICATE_MARK) {
        Some(i) if name.ends_with(')') => &name[..i],
        _ => name,
    }
}

/// Inserts `node` at `path`, or at `path (duplicate N)` when the listing already has
/// that path.
pub fn insert_unique(tree: &mut Tree, path: &str, node: Node) {
    let mut p = path.to_string();
    let mut n = 1;
    while tree.entries.contains_key(&p) {
        n += 1;
        p = format!("{path}{DUPLICATE_MARK}{n})");
    }
    tree.insert(&p, node);
}

fn strip_version(name: &str) -> &str {
    match name.rsplit_once(';') {
        Some((base, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    }
}

const JOLIET_FORBIDDEN: &[char] = &['*', '/', ':', ';', '?', '\\'];

impl Ctx<'_> {
    /// Whether the view may leave out the entry at `path` (of the expected tree).
    fn may_omit(&self, path: &str) -> bool {
        match self.view.names {
            Names::Joliet {
                omits_paths_over: Some(limit),
                ..
            } => path.encode_utf16().count() > limit,
            _ => false,
        }
    }

    fn hidden(&self, node: &Node) -> bool {
        !self.view.symlinks && matches!(node, Node::Symlink { .. })
    }

    /// Content signature, names excluded. In views without symlinks, symlinks and empty
    /// files are left out of directory signatures (a hidden symlink may show as an empty
    /// file); the per-directory matching still accounts for them.
    fn sig(&self, tree: &Tree, path: &str, node: &Node) -> u64 {
        let mut h = DefaultHasher::new();
        match node {
            Node::Dir => {
                let mut kids: Vec<u64> = tree
                    .children(path)
                    .into_iter()
                    .filter(|(_, n)| {
                        self.view.symlinks
                            || !matches!(n, Node::Symlink { .. } | Node::File { size: 0, .. })
                    })
                    .map(|(name, n)| self.sig(tree, &join(path, name), n))
                    .collect();
                kids.sort_unstable();
                ("dir", kids).hash(&mut h);
            }
            Node::File { size, md5 } => {
                ("file", size, if self.digests { *md5 } else { None }).hash(&mut h);
            }
            Node::Symlink { target } => ("symlink", target).hash(&mut h),
        }
        h.finish()
    }

    /// Whether the view must show `name` unchanged.
    fn must_keep(&self, name: &str, siblings: &BTreeMap<&str, &Node>) -> bool {
        match self.view.names {
            Names::RockRidge(_) => true,
            Names::Joliet {
                max_units,
                latin1,
                keeps_fitting_names,
                versioned,
                ..
            } => {
                keeps_fitting_names
                    && name.encode_utf16().count() + if versioned { 2 } else { 0 } <= max_units
                    && !name.chars().any(|c| {
                        JOLIET_FORBIDDEN.contains(&c)
                            || (c as u32) < 0x20
                            || (c as u32) > 0xFFFF
                            || (latin1 && (c as u32) > 0xFF)
                    })
                    // Readers drop trailing dots from Joliet names (Windows, Linux,
                    // 7-Zip): such a name, and one equal to a sibling without regard
                    // to case and trailing dots, cannot be shown as it is.
                    && !name.ends_with('.')
                    && !siblings.keys().any(|s| {
                        *s != name
                            && s.trim_end_matches('.').to_lowercase()
                                == name.trim_end_matches('.').to_lowercase()
                    })
            }
            Names::Iso9660 { .. } => false,
        }
    }

    /// Checks a shown name against the view's rules.
    fn check_name(&mut self, path: &str, name: &str, node: &Node) {
        let name = strip_duplicate_mark(name);
        if self.view.names_unchecked {
            return;
        }
        match self.view.names {
            Names::RockRidge(_) => {}
            Names::Joliet {
                max_units, latin1, ..
            } => {
                let units = if latin1 {
                    name.chars().count()
                } else {
                    name.encode_utf16().count()
                };
                if units > max_units {
                    self.diffs.push(format!(
                        "{path}: Joliet name of {units} UTF-16 units (limit {max_units})"
                    ));
                }
                if let Some(c) = strip_version(name)
                    .chars()
                    .find(|c| JOLIET_FORBIDDEN.contains(c) || (*c as u32) < 0x20)
                {
                    self.diffs
                        .push(format!("{path}: character {c:?} is not allowed in Joliet"));
                }
            }
            Names::Iso9660 { level, dchars } => {
                let is_dir = matches!(node, Node::Dir);
                let bare = if is_dir { name } else { strip_version(name) };
                let ok_char = |c: char| {
                    if dchars {
                        c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
                    } else {
                        c.is_ascii_graphic() && c != '/' && c != ';' && c != '.'
                    }
                };
                let (base, ext) = if is_dir {
                    (bare, "")
                } else {
                    bare.split_once('.').unwrap_or((bare, ""))
                };
                let chars_ok = base.chars().all(ok_char) && ext.chars().all(ok_char);
                let len_ok = match (level, is_dir) {
                    (1, true) => (1..=8).contains(&base.len()),
                    (1, false) => base.len() <= 8 && ext.len() <= 3,
                    (_, true) => (1..=31).contains(&base.len()),
                    (_, false) => base.len() + ext.len() <= 30,
                };
                if !chars_ok || !len_ok || (base.is_empty() && ext.is_empty()) {
                    self.diffs.push(format!(
                        "{path}: {name:?} is not a valid level-{level} ECMA-119 {} identifier",
                        if is_dir { "directory" } else { "file" }
                    ));
                }
            }
        }
    }

    fn node(&mut self, e_path: &str, a_path: &str, e: &Node, a: &Node) {
        match (e, a) {
            (Node::Dir, Node::Dir) => self.dir(e_path, a_path),
            (
                Node::File {
                    size: es,
                    md5: emd5,
                },
                Node::File {
                    size: as_,
                    md5: amd5,
                },
            ) => {
                if es != as_ {
                    self.diffs
                        .push(format!("{a_path}: size {as_}, expected {es} ({e_path})"));
                } else if let (Some(x), Some(y)) = (emd5, amd5)
                    && x != y
                {
                    self.diffs.push(format!(
                        "{a_path}: contents differ (md5 {y}, expected {x} of {e_path})"
                    ));
                }
            }
            (Node::Symlink { target: et }, Node::Symlink { target: at }) => {
                let tolerated = match self.view.names {
                    Names::RockRidge(q) => {
                        (q.truncates_after.is_some_and(|t| et.len() > t)
                            && !at.is_empty()
                            && et.starts_with(at.as_str()))
                            || (q.root_target_empty && et == "/" && at.is_empty())
                            || (q.drops_trailing_slash
                                && et.ends_with('/')
                                && et[..et.len() - 1] == **at)
                            || (q.slash_runs_unread && et.contains("//"))
                            || (q.split_target_loses_slash
                                && et.len() > 200
                                && at.len() + 1 == et.len()
                                && et
                                    .match_indices('/')
                                    .any(|(i, _)| et[..i] == at[..i] && et[i + 1..] == at[i..]))
                    }
                    _ => false,
                };
                if et != at && !tolerated {
                    self.diffs
                        .push(format!("{a_path}: symlink -> {at:?}, expected -> {et:?}"));
                }
            }
            (Node::Symlink { .. }, Node::File { size: 0, .. }) if !self.view.symlinks => {}
            _ => self
                .diffs
                .push(format!("{a_path}: is a {a}, expected a {e} ({e_path})")),
        }
    }

    /// Whether a Rock Ridge view may show `expected` as `shown`.
    fn rr_name_ok(q: RrQuirks, expected: &str, shown: &str) -> bool {
        let shown = strip_duplicate_mark(shown);
        // A name cut inside a UTF-8 sequence decodes with trailing U+FFFD.
        let cut = shown.trim_end_matches('\u{FFFD}');
        expected == shown
            || (q.drops_version && strip_version(expected) == shown)
            || (q.drops_trailing_dot && expected.trim_end_matches('.') == shown)
            || (q.drops_version
                && q.drops_trailing_dot
                && strip_version(expected).trim_end_matches('.') == shown)
            || (q.truncates_after.is_some_and(|t| expected.len() > t)
                && ((cut.len() >= 30 && expected.starts_with(cut))
                    || (!shown.is_empty()
                        && shown.chars().all(|c| {
                            c.is_ascii_uppercase() || c.is_ascii_digit() || "_.;".contains(c)
                        }))))
    }

    fn dir(&mut self, e_dir: &str, a_dir: &str) {
        let exp = self.expected.children(e_dir);
        // Shown names, normalized (Joliet: a file's `;N` version dropped) → as listed.
        let mut orig: BTreeMap<&str, &str> = BTreeMap::new();
        let mut act: BTreeMap<&str, &Node> = BTreeMap::new();
        for (name, node) in self.actual.children(a_dir) {
            let norm = match (self.view.names, node) {
                (Names::Joliet { .. }, Node::File { .. }) => strip_version(name),
                _ => name,
            };
            let key = if act.contains_key(norm) { name } else { norm };
            act.insert(key, node);
            orig.insert(key, name);
        }
        let a_join = |a: &str| join(a_dir, orig[a]);
        let mut a_left: BTreeMap<&str, &Node> = act.clone();
        let mut e_left: Vec<(&str, &Node)> = Vec::new();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let mut hidden = 0usize;

        // 1. Names the view must keep.
        for (&name, &node) in &exp {
            let found = match self.view.names {
                _ if self.view.names_unchecked => None,
                Names::RockRidge(q) => {
                    let cands: Vec<&str> = a_left
                        .keys()
                        .copied()
                        .filter(|a| Self::rr_name_ok(q, name, a))
                        .collect();
                    match cands.len() {
                        0 => None,
                        1 => Some(cands[0]),
                        // Several shown names fit (a reader's lossy quirks): the one with
                        // the same contents, else the same name.
                        _ => {
                            let s = self.sig(self.expected, &join(e_dir, name), node);
                            cands
                                .iter()
                                .copied()
                                .find(|a| self.sig(self.actual, &a_join(a), act[a]) == s)
                                .or_else(|| cands.iter().copied().find(|a| *a == name))
                        }
                    }
                }
                _ if self.must_keep(name, &exp) && !self.hidden(node) => {
                    let (dots, cuts) = match self.view.names {
                        Names::Joliet {
                            drops_trailing_dot,
                            truncates,
                            ..
                        } => (drops_trailing_dot, truncates),
                        _ => (false, false),
                    };
                    let trimmed = name.trim_end_matches('.');
                    let cut: Vec<&str> = a_left
                        .keys()
                        .copied()
                        .filter(|a| {
                            // A cut inside a UTF-8 sequence leaves bytes read as U+FFFD.
                            let a = a.trim_end_matches('\u{FFFD}');
                            cuts && !a.is_empty() && name.starts_with(a)
                        })
                        .collect();
                    if a_left.contains_key(name) {
                        Some(name)
                    } else if dots && !trimmed.is_empty() && a_left.contains_key(trimmed) {
                        Some(trimmed)
                    } else if cut.len() == 1 {
                        Some(cut[0])
                    } else if self.may_omit(&join(e_dir, name)) {
                        None
                    } else {
                        self.diffs.push(format!(
                            "{}: name must be kept unchanged but is not listed",
                            join(e_dir, name)
                        ));
                        None
                    }
                }
                _ => None,
            };
            match found {
                Some(a) => {
                    a_left.remove(a);
                    pairs.push((name, a));
                }
                None if self.hidden(node) => hidden += 1,
                None => e_left.push((name, node)),
            }
        }

        // 2. The rest by content signature (same name preferred).
        let mut a_by_sig: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for (&name, &node) in &a_left {
            let s = self.sig(self.actual, &a_join(name), node);
            a_by_sig.entry(s).or_default().push(name);
        }
        let mut unmatched = Vec::new();
        for (name, node) in e_left {
            let s = self.sig(self.expected, &join(e_dir, name), node);
            let cands = a_by_sig.get_mut(&s);
            let pick = cands.and_then(|c| {
                let i = c
                    .iter()
                    .position(|a| *a == name)
                    .or((!c.is_empty()).then_some(0))?;
                Some(c.remove(i))
            });
            match pick {
                Some(a) => {
                    a_left.remove(a);
                    pairs.push((name, a));
                }
                None => unmatched.push((name, node)),
            }
        }

        // 3. Leftovers: pair what is left by name (same name, or a truncation), or the
        // only leftover directory with the only leftover directory, so that differences
        // are reported inside rather than as "missing" + "unexpected".
        let mut still = Vec::new();
        for (name, node) in unmatched {
            let by_name = a_left.keys().copied().find(|a| {
                *a == name || {
                    let cut = strip_duplicate_mark(a).trim_end_matches('\u{FFFD}');
                    cut.len() >= 8 && name.starts_with(cut)
                }
            });
            match by_name {
                Some(a) => {
                    a_left.remove(a);
                    pairs.push((name, a));
                }
                None => still.push((name, node)),
            }
        }
        let e_dirs: Vec<usize> = (0..still.len())
            .filter(|&i| matches!(still[i].1, Node::Dir))
            .collect();
        let a_dirs: Vec<&str> = a_left
            .iter()
            .filter(|(_, n)| matches!(n, Node::Dir))
            .map(|(a, _)| *a)
            .collect();
        if e_dirs.len() == 1 && a_dirs.len() == 1 {
            let (name, _) = still.remove(e_dirs[0]);
            a_left.remove(a_dirs[0]);
            pairs.push((name, a_dirs[0]));
        }
        for (name, node) in still {
            if !self.may_omit(&join(e_dir, name)) {
                self.diffs
                    .push(format!("{}: missing ({node})", join(e_dir, name)));
            }
        }
        for (name, node) in a_left {
            let p = a_join(name);
            self.check_name(&p, name, node);
            if hidden > 0 && matches!(node, Node::File { size: 0, .. }) {
                hidden -= 1;
                continue;
            }
            self.diffs.push(format!("{p}: unexpected ({node})"));
        }

        // 4. Matched pairs.
        for (e, a) in pairs {
            let (ep, ap) = (join(e_dir, e), a_join(a));
            let an = act[a];
            if let (Names::RockRidge(q), false) = (self.view.names, self.view.names_unchecked)
                && !Self::rr_name_ok(q, e, a)
            {
                self.diffs
                    .push(format!("{ep}: listed under another name {a:?}"));
            }
            self.check_name(&ap, a, an);
            self.node(&ep, &ap, exp[e], an);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::Reading;

    fn tree(names: &[&str]) -> Tree {
        Tree {
            entries: names
                .iter()
                .map(|n| ((*n).to_owned(), Node::File { size: 3, md5: None }))
                .collect(),
        }
    }

    /// libcdio cut "日é日ü語語本ü;1" (20 UCS-2 bytes) to 20 UTF-8 bytes, inside the last
    /// "ü": seen in the 20-session reuse property (issue 15).
    #[test]
    fn a_joliet_name_cut_inside_a_character_matches_its_prefix() {
        let view = View {
            names: Names::Joliet {
                max_units: 64,
                latin1: false,
                omits_paths_over: None,
                keeps_fitting_names: true,
                drops_trailing_dot: true,
                truncates: true,
                versioned: true,
            },
            symlinks: false,
            names_unchecked: false,
            shows_relocation: false,
        };
        let reading = Reading {
            label: "iso-info".into(),
            tree: tree(&["d/日é日ü語語本\u{FFFD}"]),
        };
        let mut expected = tree(&["d/日é日ü語語本ü"]);
        expected.entries.insert("d".into(), Node::Dir);
        let mut shown = reading.tree.clone();
        shown.entries.insert("d".into(), Node::Dir);
        assert_readings(
            "cut",
            &expected,
            &[(
                Reading {
                    label: reading.label,
                    tree: shown,
                },
                view,
            )],
        );
    }
}
