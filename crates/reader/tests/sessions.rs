//! Session discovery and opening sessions, against `xorriso -toc`, `xorriso -load`,
//! and `isoinfo -T` on multi-session images made by xorriso (emulated TOC on a plain
//! file) and by genisoimage `-C a,b -M` (sessions placed with dd).

mod common;

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use common::{Names, assert_same, manifest, read, scratch, subdir, tool};
use discburn_reader::sessions::{
    DataKind, DiscoveryMethod, SessionSelector, find_data_at_or_after, list_sessions, open_session,
    scan_sessions,
};
use discburn_reader::{Displaced, FileSource, ReadError, ReadOptions, SectorSource, View, Volume};
use discburn_testkit::generate::TreeWriter;
use discburn_testkit::oracle::{self, Image, IsoinfoView};

/// (number, start, size, volume id) from `xorriso -indev IMG -toc`.
fn xorriso_toc(img: &Path) -> Vec<(u32, u64, u64, String)> {
    let out = tool("xorriso", &["-indev", img.to_str().unwrap(), "-toc"]);
    out.lines()
        .filter_map(|l| l.strip_prefix("ISO session"))
        .map(|l| {
            let f: Vec<&str> = l
                .trim_start_matches([' ', ':'])
                .split(',')
                .map(str::trim)
                .collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].trim_end_matches('s').parse().unwrap(),
                f.get(3).map_or(String::new(), |s| s.to_string()),
            )
        })
        .collect()
}

fn files(dir: &Path, seed: u64, names: &[&str]) {
    let mut w = TreeWriter::new(dir, seed);
    for (i, n) in names.iter().enumerate() {
        w.file(n, 100 + 3000 * i);
    }
    w.symlink(&format!("link{seed}"), names[0]);
}

/// Three sessions appended by xorriso to a plain file (overwriteable-media emulation).
fn xorriso_three_sessions(dir: &Path) -> std::path::PathBuf {
    let img = dir.join("ms.iso");
    let dev = format!("stdio:{}", img.display());
    for (i, names) in [
        &["a.txt", "dir/b.txt", "big.bin"][..],
        &["c.txt", "dir/d.txt"][..],
        &["e.txt"][..],
    ]
    .iter()
    .enumerate()
    {
        let s = subdir(dir, &format!("s{i}"));
        files(&s, i as u64 + 1, names);
        let target = format!("/s{i}");
        let drive = if i == 0 { "-outdev" } else { "-dev" };
        tool(
            "xorriso",
            &[
                drive,
                &dev,
                "-joliet",
                "on",
                "-volid",
                &format!("VOL_{i}"),
                "-map",
                s.to_str().unwrap(),
                &target,
                "-commit",
            ],
        );
    }
    img
}

#[test]
fn xorriso_emulated_toc_matches_xorriso_toc_and_each_session_reads_like_xorriso_load() {
    let dir = scratch();
    let img = xorriso_three_sessions(dir.path());
    let mut src = FileSource::open(&img).unwrap();
    let list = list_sessions(&mut src).unwrap();
    assert_eq!(list.method, DiscoveryMethod::EmulatedToc);
    let ours: Vec<_> = list
        .sessions
        .iter()
        .map(|s| (s.number, s.start, s.size, s.volume_identifier.clone()))
        .collect();
    let theirs = xorriso_toc(&img);
    assert_eq!(ours, theirs);
    assert_eq!(theirs.len(), 3);
    assert_eq!(ours[0].1, 32, "xorriso's first session starts at LBA 32");
    for s in &list.sessions {
        let (vol, rr) = read(&img, s.start, View::RockRidge);
        assert_eq!(vol.primary.volume_space_size as u64, s.size);
        let xo = oracle::xorriso_list(Image {
            path: &img,
            sbsector: s.start,
        });
        assert_eq!(xo.tree.entries.len() + 1, rr.len(), "session {}", s.number);
        assert_same(
            &format!("session {} RR view vs xorriso -load sbsector", s.number),
            &manifest(&rr, Names::View, None),
            &xo.tree,
        );
        // Older sessions' files stay readable from the newer trees at their old extents.
        let a = rr.find("/s0/a.txt").unwrap();
        assert_eq!(a.extents()[0].lba, {
            let (_, first) = read(&img, 32, View::RockRidge);
            first.find("/s0/a.txt").unwrap().extents()[0].lba
        });
        let (_, joliet) = read(&img, s.start, View::Joliet);
        assert_same(
            "Joliet names equal RR names here",
            &manifest(&joliet, Names::View, Some(&img)),
            &manifest(&rr, Names::View, Some(&img))
                .entries
                .into_iter()
                .filter(|(_, n)| !matches!(n, discburn_testkit::tree::Node::Symlink { .. }))
                .fold(discburn_testkit::tree::Tree::new(), |mut t, (p, n)| {
                    t.insert(&p, n);
                    t
                }),
        );
    }
    // The head at LBA 0-31 describes the newest session, with the overall size.
    let (head, head_tree) = read(&img, 0, View::RockRidge);
    let last = list.last().unwrap();
    assert_eq!(
        head.primary.volume_space_size as u64,
        last.start + last.size
    );
    assert_eq!(list.head_end, Some(last.start + last.size));
    let (_, last_tree) = read(&img, last.start, View::RockRidge);
    assert_same(
        "head copy vs last session",
        &manifest(&head_tree, Names::View, None),
        &manifest(&last_tree, Names::View, None),
    );
    // Opening by number, by start and the last one.
    let o = ReadOptions::default();
    assert_eq!(
        open_session(&mut src, SessionSelector::Number(2), &o)
            .unwrap()
            .session_start,
        ours[1].1
    );
    assert_eq!(
        open_session(&mut src, SessionSelector::Last, &o)
            .unwrap()
            .session_start,
        ours[2].1
    );
    assert_eq!(
        open_session(&mut src, SessionSelector::Start(ours[0].1), &o)
            .unwrap()
            .primary
            .volume_identifier,
        "VOL_0"
    );
    assert!(matches!(
        open_session(&mut src, SessionSelector::Number(4), &o),
        Err(ReadError::NoSuchSession { found: 3, .. })
    ));
    assert_eq!(list.next_session_start(), xorriso_nwa(&img));
    // Nothing readable after the end (xorriso's padding is zeros).
    assert_eq!(
        find_data_at_or_after(&mut src, list.next_session_start()).unwrap(),
        None
    );
    assert_eq!(
        find_data_at_or_after(&mut src, ours[0].1 + 1)
            .unwrap()
            .map(|f| f.start),
        Some(ours[1].1)
    );
}

fn xorriso_nwa(img: &Path) -> u64 {
    let out = tool("xorriso", &["-indev", img.to_str().unwrap(), "-toc"]);
    let l = out
        .lines()
        .find(|l| l.starts_with("Media nwa"))
        .expect("Media nwa line");
    l.split(':')
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches('s')
        .parse()
        .unwrap()
}

#[test]
fn zeroed_and_blanked_heads_are_found_by_the_scan() {
    let dir = scratch();
    let img = xorriso_three_sessions(dir.path());
    let expected = {
        let mut src = FileSource::open(&img).unwrap();
        list_sessions(&mut src).unwrap().sessions
    };
    // A zeroed head (peers.md §6 item 10): xorriso calls this blank; we find the sessions.
    let zeroed = dir.path().join("zeroed.iso");
    fs::copy(&img, &zeroed).unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(&zeroed).unwrap();
    f.write_all(&[0u8; 65536]).unwrap();
    drop(f);
    let mut src = FileSource::open(&zeroed).unwrap();
    assert!(matches!(
        Volume::open(&mut src, 0, &ReadOptions::default()),
        Err(ReadError::NoVolume { .. })
    ));
    let list = list_sessions(&mut src).unwrap();
    assert_eq!(list.method, DiscoveryMethod::Scan);
    assert_eq!(list.sessions, expected);
    let found = find_data_at_or_after(&mut src, 0).unwrap().unwrap();
    assert_eq!(
        (found.start, found.descriptor_lba, found.kind),
        (32, 48, DataKind::Iso9660)
    );
    let vol = open_session(&mut src, SessionSelector::Last, &ReadOptions::default()).unwrap();
    assert_eq!(vol.session_start, expected[2].start);

    // xorriso -blank renames CD001 to CDXX1 at the head: "blank", but the data is there.
    let blanked = dir.path().join("blanked.iso");
    fs::copy(&img, &blanked).unwrap();
    tool(
        "xorriso",
        &[
            "-dev",
            &format!("stdio:{}", blanked.display()),
            "-blank",
            "as_needed",
        ],
    );
    let mut src = FileSource::open(&blanked).unwrap();
    let err = Volume::open(&mut src, 0, &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("CDXX1"), "{err}");
    let found = find_data_at_or_after(&mut src, 0).unwrap().unwrap();
    assert_eq!((found.start, found.kind), (0, DataKind::Invalidated));
    assert_eq!(scan_sessions(&mut src, 0, u64::MAX).unwrap(), expected);
}

fn iso_size(img: &Path) -> u64 {
    let mut src = FileSource::open(img).unwrap();
    Volume::open(&mut src, 0, &ReadOptions::default())
        .unwrap()
        .primary
        .volume_space_size as u64
}

fn place(into: &Path, piece: &Path, lba: u64) {
    let data = fs::read(piece).unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(into).unwrap();
    f.seek(SeekFrom::Start(lba * 2048)).unwrap();
    f.write_all(&data).unwrap();
}

#[test]
fn genisoimage_c_m_sessions_open_at_their_start_and_are_found_past_the_claimed_end() {
    let dir = scratch();
    let img = dir.path().join("gms.iso");
    let s1 = subdir(dir.path(), "s1");
    files(&s1, 1, &["one.txt", "sub/two.txt"]);
    tool(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-o",
            img.to_str().unwrap(),
            s1.to_str().unwrap(),
        ],
    );
    let mut starts = vec![0u64];
    let mut end = iso_size(&img);
    for (i, name) in ["three.txt", "four.txt"].iter().enumerate() {
        let s = subdir(dir.path(), &format!("s{}", i + 2));
        files(&s, i as u64 + 2, &[name]);
        let nwa = (end + 16).next_multiple_of(16);
        let msinfo = format!("{},{nwa}", starts.last().unwrap());
        let piece = dir.path().join("piece.iso");
        tool(
            "genisoimage",
            &[
                "-quiet",
                "-R",
                "-J",
                "-C",
                &msinfo,
                "-M",
                img.to_str().unwrap(),
                "-o",
                piece.to_str().unwrap(),
                s.to_str().unwrap(),
            ],
        );
        place(&img, &piece, nwa);
        // A slice holding only the new session: its extents lie past the slice.
        let mut slice = FileSource::open(&piece).unwrap();
        let vol = Volume::open(&mut slice, 0, &ReadOptions::default());
        assert!(
            matches!(vol, Err(ReadError::ExtentPastEnd { .. })),
            "a session slice must fail loudly: {vol:?}"
        );
        // With the displacement (isoinfo -N, xorriso -displacement) the tree reads; old
        // files' data lies before the slice.
        let mut slice = Displaced::new(FileSource::open(&piece).unwrap(), nwa);
        let vol = Volume::open(&mut slice, nwa, &ReadOptions::default()).unwrap();
        let t = vol.read_tree(&mut slice, View::RockRidge).unwrap();
        let one = t.find("/one.txt").unwrap();
        assert!(u64::from(one.extents()[0].lba) < nwa);
        let mut b = vec![0u8; 2048];
        let err = slice
            .read_sectors(u64::from(one.extents()[0].lba), &mut b)
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        let ii = oracle::run(
            "isoinfo",
            &[
                "-i".as_ref(),
                piece.as_os_str(),
                "-N".as_ref(),
                nwa.to_string().as_ref(),
                "-R".as_ref(),
                "-f".as_ref(),
            ],
        );
        let mut listed: Vec<String> = String::from_utf8(ii.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        listed.sort();
        let mut ours: Vec<String> = t.walk().into_iter().skip(1).map(|(p, _)| p).collect();
        ours.sort();
        assert_eq!(ours, listed, "slice tree vs isoinfo -N");
        starts.push(nwa);
        let mut src = FileSource::open(&img).unwrap();
        let v = Volume::open(&mut src, nwa, &ReadOptions::default()).unwrap();
        end = nwa + v.primary.volume_space_size as u64;
    }
    let mut src = FileSource::open(&img).unwrap();
    // LBA 16 still describes session 1 (sequential-media dump): a single session, as xorriso.
    let list = list_sessions(&mut src).unwrap();
    assert_eq!(list.method, DiscoveryMethod::Single);
    assert_eq!(list.sessions.len(), 1);
    assert_eq!(xorriso_toc(&img).len(), 1);
    // ... but the data after the claimed end is found (peers.md §6 item 11).
    let claimed_end = list.end();
    let found = find_data_at_or_after(&mut src, claimed_end)
        .unwrap()
        .unwrap();
    assert_eq!(found.start, starts[1]);
    let scanned: Vec<u64> = scan_sessions(&mut src, 0, u64::MAX)
        .unwrap()
        .iter()
        .map(|s| s.start)
        .collect();
    assert_eq!(scanned, starts);
    for &start in &starts {
        let (_, rr) = read(&img, start, View::RockRidge);
        let ii = oracle::isoinfo_list(
            Image {
                path: &img,
                sbsector: start,
            },
            IsoinfoView::RockRidge,
            true,
        );
        assert_same(
            &format!("session at {start} vs isoinfo -T"),
            &manifest(&rr, Names::View, Some(&img)),
            &ii.tree,
        );
    }
    let (_, last) = read(&img, starts[2], View::RockRidge);
    for p in [
        "/one.txt",
        "/sub/two.txt",
        "/three.txt",
        "/four.txt",
        "/link3",
    ] {
        assert!(last.find(p).is_some(), "{p} missing from the merged tree");
    }
}
