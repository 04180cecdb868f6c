//! The result stream: errors naming the file, progress, and `write_to` into every kind
//! of output file giving the same bytes as `Read`.

mod common;

use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use discburn_image::{FileSystemImage, ImageError, Progress};

/// A temporary directory with the [`make_tree`] tree in `src` and its image at block 0.
fn tree_image() -> (tempfile::TempDir, PathBuf, FileSystemImage) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let image = image_of(&src, 0);
    (dir, src, image)
}

/// The error of writing a new result stream of `image` to a new file `out`.
fn write_err(image: &FileSystemImage, out: &Path) -> ImageError {
    image
        .create_result_image()
        .unwrap()
        .write_to(&mut fs::File::create(out).unwrap())
        .unwrap_err()
}

/// The error of reading a new result stream of `image` to its end.
fn read_err(image: &FileSystemImage) -> std::io::Error {
    let mut v = Vec::new();
    image
        .create_result_image()
        .unwrap()
        .read_to_end(&mut v)
        .unwrap_err()
}

#[test]
fn changed_size_is_reported_with_the_file_name() {
    let (dir, src, image) = tree_image();
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(src.join("data.bin"))
        .unwrap();
    f.write_all(b"grown").unwrap();
    drop(f);
    let out = dir.path().join("o.iso");
    let err = write_err(&image, &out);
    match &err {
        ImageError::SourceChangedSize {
            host_path,
            expected,
            actual,
        } => {
            assert!(host_path.ends_with("data.bin") || host_path.ends_with("hardlink.bin"));
            assert_eq!((*expected, *actual), (300_000, 300_005));
        }
        e => panic!("{e:?}"),
    }
    assert!(
        err.to_string().contains("data.bin") || err.to_string().contains("hardlink.bin"),
        "{err}"
    );
    // Through Read: an io::Error carrying the ImageError.
    let e = read_err(&image);
    let inner = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<ImageError>())
        .expect("ImageError inside");
    assert!(matches!(inner, ImageError::SourceChangedSize { .. }));
}

#[test]
fn vanished_file_is_a_source_read_error() {
    let (dir, src, image) = tree_image();
    fs::remove_file(src.join("readme.txt")).unwrap();
    let out = dir.path().join("o.iso");
    let err = write_err(&image, &out);
    assert!(
        matches!(&err, ImageError::SourceRead { host_path, .. } if host_path.ends_with("readme.txt")),
        "{err:?}"
    );
    let e = read_err(&image);
    assert!(e.to_string().contains("readme.txt"), "{e}");
}

#[test]
fn progress_reaches_the_totals() {
    let (dir, _src, image) = tree_image();
    for via_read in [false, true] {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let s2 = seen.clone();
        let mut r = image.create_result_image().unwrap();
        r.set_progress_callback(Box::new(move |p| s2.lock().unwrap().push(p.clone())));
        let total = r.total_blocks();
        if via_read {
            std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        } else {
            r.write_to(&mut fs::File::create(dir.path().join("p.iso")).unwrap())
                .unwrap();
        }
        let seen = seen.lock().unwrap();
        let last = seen.last().unwrap();
        // Files with data: readme, README, unicode, long name, data.bin (hard link
        // shares it), 12 deep files.
        assert_eq!(last.files_total, 17);
        assert_eq!(last.files_done, 17);
        assert_eq!((last.blocks_done, last.blocks_total), (total, total));
        if via_read {
            assert!(
                seen.iter()
                    .any(|p| p.current_file.as_deref() == Some("/data.bin")),
                "{seen:?}"
            );
        }
        assert!(
            seen.windows(2)
                .all(|w| w[0].blocks_done <= w[1].blocks_done)
        );
    }
}

#[test]
fn write_to_any_output_equals_read() {
    let (dir, src, image) = tree_image();
    let want = result_bytes(&image);
    // New file.
    let p = dir.path().join("new.iso");
    write_result_to(&image, &mut fs::File::create(&p).unwrap());
    assert_eq!(fs::read(&p).unwrap(), want);
    // Existing file full of garbage, overwritten from 0 (padding must be written).
    let p = dir.path().join("old.iso");
    fs::write(&p, vec![0xEE; want.len() + 4096]).unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(&p).unwrap();
    write_result_to(&image, &mut f);
    assert_eq!(f.stream_position().unwrap(), want.len() as u64);
    assert_eq!(&fs::read(&p).unwrap()[..want.len()], &want[..]);
    // Opened for appending, after a prefix (positional writes are not possible).
    let p = dir.path().join("append.iso");
    fs::write(&p, b"prefix").unwrap();
    let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
    write_result_to(&image, &mut f);
    let got = fs::read(&p).unwrap();
    assert_eq!(&got[..6], b"prefix");
    assert_eq!(&got[6..], &want[..]);
    // At an offset inside a fresh file (a session at block 20000 of a disc image).
    let image = image_of(&src, 20_000);
    let want = result_bytes(&image);
    let p = dir.path().join("disc.iso");
    let mut f = fs::File::create(&p).unwrap();
    f.seek(std::io::SeekFrom::Start(20_000 * 2048)).unwrap();
    write_result_to(&image, &mut f);
    assert_eq!(&fs::read(&p).unwrap()[20_000 * 2048..], &want[..]);
    // A result cannot be written after it was partly read.
    let mut r = image.create_result_image().unwrap();
    let mut b = [0u8; 10];
    r.read_exact(&mut b).unwrap();
    assert!(matches!(
        r.write_to(&mut fs::File::create(dir.path().join("x")).unwrap()),
        Err(ImageError::Write { .. })
    ));
}

#[test]
fn sparse_sources_stay_sparse_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    let f = fs::File::create(src.join("sparse")).unwrap();
    f.set_len(64 << 20).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"middle", 20 << 20).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"end", (64 << 20) - 3).unwrap();
    drop(f);
    fs::write(src.join("after"), b"after").unwrap();
    let image = image_of(&src, 0);
    let want = result_bytes(&image);
    let p = dir.path().join("s.iso");
    write_result_to(&image, &mut fs::File::create(&p).unwrap());
    assert_eq!(fs::read(&p).unwrap(), want);
    use std::os::unix::fs::MetadataExt;
    let md = fs::metadata(&p).unwrap();
    assert!(
        md.blocks() * 512 < md.len() / 2,
        "holes were written out: {} of {}",
        md.blocks() * 512,
        md.len()
    );
    let x = dir.path().join("x");
    fs::create_dir(&x).unwrap();
    run(
        "bsdtar",
        &["-x", "-f", p.to_str().unwrap(), "-C", x.to_str().unwrap()],
    );
    assert_eq!(snapshot(&x), snapshot(&src));
}

#[test]
fn write_to_a_pipe_is_sequential() {
    let (_dir, _src, image) = tree_image();
    let want = result_bytes(&image);
    let (mut reader, writer) = std::io::pipe().unwrap();
    let reader_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        reader.read_to_end(&mut v).unwrap();
        v
    });
    let mut f = fs::File::from(std::os::fd::OwnedFd::from(writer));
    let n = write_result_to(&image, &mut f);
    drop(f);
    let got = reader_thread.join().unwrap();
    assert_eq!(n, want.len() as u64);
    assert!(got == want, "pipe output differs");
}

#[test]
fn seek_anywhere_then_read_matches_the_full_stream() {
    use std::io::SeekFrom;
    let (_dir, _src, image) = tree_image();
    let want = result_bytes(&image);
    let layout = image.plan().unwrap();
    let mut offsets: Vec<u64> = vec![
        0,
        1,
        16 * 2048 + 5,
        want.len() as u64 - 1,
        want.len() as u64,
        want.len() as u64 + 10,
    ];
    // The start, middle and last byte of every region (directories, continuation
    // areas, file data and its padding).
    for r in &layout.regions {
        let a = u64::from(r.lba) * 2048;
        let len = r.blocks * 2048;
        offsets.extend([a, a + len / 2 + 3, a + len - 1]);
    }
    let mut r = image.create_result_image().unwrap();
    for &o in offsets.iter().rev() {
        assert_eq!(r.seek(SeekFrom::Start(o)).unwrap(), o);
        let mut got = vec![0u8; 5000];
        let mut n = 0;
        while n < got.len() {
            let k = r.read(&mut got[n..]).unwrap();
            if k == 0 {
                break;
            }
            n += k;
        }
        let end = (o as usize + 5000).min(want.len());
        let expect = if (o as usize) < want.len() {
            &want[o as usize..end]
        } else {
            &[][..]
        };
        assert_eq!(&got[..n], expect, "at offset {o}");
    }
    assert_eq!(
        r.seek(SeekFrom::End(-2048)).unwrap(),
        want.len() as u64 - 2048
    );
    assert_eq!(
        r.seek(SeekFrom::Current(100)).unwrap(),
        want.len() as u64 - 1948
    );
    assert!(r.seek(SeekFrom::Current(-(want.len() as i64))).is_err());
}
