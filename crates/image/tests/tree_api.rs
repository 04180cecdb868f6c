//! The item tree API (IMAPI2 IFsiDirectoryItem semantics, imapi2.md §13 and §19.11).

use std::fs;

use discburn_image::{FileSystemImage, ImageError};

#[test]
fn t01_duplicate_name_is_path_exists() {
    let mut i = FileSystemImage::new();
    i.add_bytes("/a", b"x".to_vec()).unwrap();
    assert!(matches!(
        i.add_bytes("/a", vec![]),
        Err(ImageError::PathExists { .. })
    ));
    assert!(matches!(
        i.add_directory("/a"),
        Err(ImageError::PathExists { .. })
    ));
    assert!(matches!(
        i.add_symlink("/a", "t"),
        Err(ImageError::PathExists { .. })
    ));
}

#[test]
fn t03_remove_non_empty_directory_fails_and_t05_remove_tree_on_file() {
    let mut i = FileSystemImage::new();
    i.add_directory("/d").unwrap();
    i.add_bytes("/d/f", b"x".to_vec()).unwrap();
    assert!(matches!(
        i.remove("/d"),
        Err(ImageError::DirectoryNotEmpty { .. })
    ));
    assert!(matches!(
        i.remove_tree("/d/f"),
        Err(ImageError::NotADirectory { .. })
    ));
    i.remove("/d/f").unwrap();
    i.remove("/d").unwrap();
    assert_eq!(i.file_count(), 0);
    assert_eq!(i.directory_count(), 1);
}

#[test]
fn t04_remove_tree_of_root_empties_the_image() {
    let mut i = FileSystemImage::new();
    i.add_directory("/d").unwrap();
    i.add_directory("/d/e").unwrap();
    i.add_bytes("/d/e/f", vec![1]).unwrap();
    i.remove_tree("/d").unwrap();
    assert_eq!((i.file_count(), i.directory_count()), (0, 1));
    i.add_bytes("/x", vec![1]).unwrap();
    i.remove_tree("/").unwrap();
    assert_eq!((i.file_count(), i.directory_count()), (0, 1));
}

#[test]
fn t06_t07_missing_items_and_parents_are_not_found() {
    let mut i = FileSystemImage::new();
    assert!(matches!(
        i.remove("/nope"),
        Err(ImageError::NotFound { .. })
    ));
    assert!(matches!(
        i.add_bytes("/no/parent", vec![]),
        Err(ImageError::NotFound { .. })
    ));
    assert!(matches!(
        i.add_directory("/no/parent"),
        Err(ImageError::NotFound { .. })
    ));
    i.add_bytes("/file", vec![]).unwrap();
    assert!(matches!(
        i.add_bytes("/file/x", vec![]),
        Err(ImageError::NotADirectory { .. })
    ));
}

#[test]
fn invalid_paths_are_refused() {
    let mut i = FileSystemImage::new();
    for p in [
        "relative",
        "/a/../b",
        "/./a",
        &format!("/{}", "n".repeat(256)),
    ] {
        assert!(
            matches!(i.add_directory(p), Err(ImageError::InvalidPath { .. })),
            "{p}"
        );
    }
    assert!(matches!(i.remove("/"), Err(ImageError::InvalidPath { .. })));
}

#[test]
fn t08_failing_add_tree_leaves_the_image_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"x").unwrap();
    let mut i = FileSystemImage::new();
    i.add_bytes("/keep", b"k".to_vec()).unwrap();
    let before = (i.file_count(), i.directory_count());
    assert!(matches!(
        i.add_tree(&dir.path().join("missing"), "/x"),
        Err(ImageError::DirectoryRead { .. })
    ));
    // Destination below a file: refused before anything changes.
    assert!(matches!(
        i.add_tree(dir.path(), "/keep/sub"),
        Err(ImageError::NotADirectory { .. })
    ));
    assert_eq!((i.file_count(), i.directory_count()), before);
    // An unreadable directory inside the walk is checked through the CLI, which can
    // drop root's privileges: crates/cli/tests/mkimage.rs
    // unreadable_source_directory_fails_naming_it_and_leaves_nothing.
}

#[test]
fn t09_t10_add_tree_puts_contents_under_dest_and_the_source_wins() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/f"), b"new").unwrap();
    fs::write(dir.path().join("g"), b"g").unwrap();
    let mut i = FileSystemImage::new();
    i.add_directory("/dest").unwrap();
    i.add_directory("/dest/g").unwrap(); // a directory that a source file replaces
    i.add_bytes("/dest/g/old", b"old".to_vec()).unwrap();
    i.add_directory("/dest/sub").unwrap();
    i.add_bytes("/dest/sub/other", b"o".to_vec()).unwrap();
    i.add_tree(dir.path(), "/dest").unwrap();
    // /dest/sub merged (other kept, f added), /dest/g is now the file.
    assert_eq!(i.file_count(), 3);
    assert!(matches!(
        i.remove_tree("/dest/g"),
        Err(ImageError::NotADirectory { .. })
    ));
    assert!(i.remove("/dest/sub/other").is_ok());
    // Destination created with parents when missing.
    i.add_tree(dir.path(), "/a/b/c").unwrap();
    assert!(i.remove("/a/b/c/sub/f").is_ok());
}

#[test]
fn add_file_keeps_symlinks_and_refuses_directories() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("target", dir.path().join("l")).unwrap();
    let mut i = FileSystemImage::new();
    i.add_file("/l", &dir.path().join("l")).unwrap();
    assert_eq!(i.file_count(), 1);
    assert!(matches!(
        i.add_file("/d", dir.path()),
        Err(ImageError::SourceIsDirectory { .. })
    ));
    assert!(matches!(
        i.add_file("/m", &dir.path().join("missing")),
        Err(ImageError::SourceRead { .. })
    ));
}

#[test]
fn volume_names() {
    let mut i = FileSystemImage::new();
    i.set_volume_name("My Disc-1").unwrap();
    assert_eq!(i.volume_name_iso9660(), "MY_DISC_1");
    assert_eq!(i.volume_name_joliet(), "My Disc-1");
    assert!(matches!(
        i.set_volume_name(&"x".repeat(33)),
        Err(ImageError::InvalidVolumeName { .. })
    ));
    assert!(matches!(
        i.set_volume_name("a\nb"),
        Err(ImageError::InvalidVolumeName { .. })
    ));
    // O-05: no name → generated from the timestamp input (no clock).
    i.set_volume_name("").unwrap();
    i.set_timestamp(discburn_image::Timestamp {
        unix_seconds: 1_700_000_000,
        utc_offset_minutes: 0,
    });
    assert_eq!(i.volume_name(), "20231114_221320");
    // O-04 in strict mode: IMAPI's 15-character rule.
    i.set_volume_name("Way too long name").unwrap();
    i.set_strict_file_system_compliance(true);
    assert!(matches!(
        i.create_result_image(),
        Err(ImageError::InvalidVolumeName { .. })
    ));
}

#[test]
fn o01_o02_free_media_blocks_limit() {
    let mut i = FileSystemImage::new();
    assert_eq!(i.free_media_blocks(), 0);
    i.add_bytes("/f", vec![7; 10 * 2048]).unwrap();
    let used = i.used_blocks().unwrap();
    assert!(used > 10);
    i.set_free_media_blocks(used as u32);
    assert!(i.create_result_image().is_ok());
    i.set_free_media_blocks(used as u32 - 1);
    assert!(matches!(
        i.create_result_image(),
        Err(ImageError::ExceedsFreeMediaBlocks { .. })
    ));
    i.set_free_media_blocks(0);
    assert!(i.create_result_image().is_ok());
}

#[test]
fn t13_file_system_names_and_their_stability_across_sessions() {
    use discburn_image::FileSystems as F;
    let mut i = FileSystemImage::new();
    i.set_file_systems_to_create(F::ISO9660 | F::JOLIET | F::ROCK_RIDGE);
    i.add_directory("/docs").unwrap();
    i.add_bytes("/docs/read me.txt", vec![1]).unwrap();
    i.add_bytes("/docs/a.txt", vec![1]).unwrap();
    assert_eq!(
        i.file_system_path("/docs/read me.txt", F::ISO9660).unwrap(),
        "/DOCS/READ_ME.TXT;1"
    );
    assert_eq!(
        i.file_system_name("/docs/read me.txt", F::JOLIET).unwrap(),
        "read me.txt;1"
    );
    assert_eq!(
        i.file_system_path("/docs/read me.txt", F::ROCK_RIDGE)
            .unwrap(),
        "/docs/read me.txt"
    );
    assert_eq!(i.file_system_path("/", F::ISO9660).unwrap(), "/");
    assert!(matches!(
        i.file_system_path("/nope", F::ISO9660),
        Err(ImageError::NotFound { .. })
    ));
    assert!(matches!(
        i.file_system_path("/docs", F::UDF),
        Err(ImageError::InvalidFileSystems { .. })
    ));
    // A later "session" adds unrelated items: existing names do not move.
    let before: Vec<String> = ["/docs/read me.txt", "/docs/a.txt"]
        .iter()
        .map(|p| i.file_system_path(p, F::ISO9660).unwrap())
        .collect();
    for n in 0..50 {
        i.add_bytes(&format!("/docs/other{n}.txt"), vec![]).unwrap();
    }
    i.add_bytes("/docs/read-me.txt", vec![]).unwrap(); // collides with READ_ME.TXT
    let after: Vec<String> = ["/docs/read me.txt", "/docs/a.txt"]
        .iter()
        .map(|p| i.file_system_path(p, F::ISO9660).unwrap())
        .collect();
    assert_eq!(before[1], after[1]);
    // Both colliding lossy names get hash suffixes; read-me.txt's is its own.
    let x = i.file_system_name("/docs/read-me.txt", F::ISO9660).unwrap();
    assert!(x.starts_with("READ_ME_") && x.ends_with(".TXT;1"), "{x}");
    assert_ne!(x, after[0]);
    // A relocated directory's ECMA-119 path leads through RR_MOVED.
    let mut p = String::new();
    for k in 0..9 {
        p = format!("{p}/d{k}");
        i.add_directory(&p).unwrap();
    }
    assert_eq!(
        i.file_system_path(&p, F::ISO9660).unwrap(),
        "/RR_MOVED/D7/D8"
    );
    assert_eq!(i.file_system_path(&p, F::JOLIET).unwrap(), p);
}

/// AddTree's source may be a symbolic link to a directory (followed, as walkdir and
/// mkisofs graft points do); links found inside the tree stay links.
#[test]
fn t09_add_tree_follows_a_symlinked_source_but_not_links_inside() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir_all(real.join("sub")).unwrap();
    fs::write(real.join("sub/f"), b"f").unwrap();
    std::os::unix::fs::symlink("sub", real.join("inner-link")).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let mut i = FileSystemImage::new();
    i.add_tree(&link, "/t").unwrap();
    // sub/f and inner-link (a link, not a second copy of sub).
    assert_eq!((i.file_count(), i.directory_count()), (2, 3));
    assert!(matches!(
        i.remove_tree("/t/inner-link"),
        Err(ImageError::NotADirectory { .. })
    ));
    i.remove("/t/sub/f").unwrap();
}
