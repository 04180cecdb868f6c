//! Continuing discs that hold UDF (imapi2.md §19 I-13, I-14, I-18): `burn` appends an
//! ISO 9660 session to a genisoimage `-udf -R -J` bridge, importing the previous session
//! through its UDF file set, and every old file stays visible, with its contents, to
//! the Linux kernel's isofs, xorriso and isoinfo; `sessions`, `ls` and `extract` show a
//! UDF volume alone (mkudffs) as a UDF session.

#[macro_use]
mod common;

use std::fs;

use common::ok;
use discburn_testkit::compare::{View, assert_readings};
use discburn_testkit::generate;
use discburn_testkit::oracle::{self, Image, IsoinfoView};
use discburn_testkit::tree::scan_dir;

#[test]
fn i13_i14_i18_burn_appends_an_iso_session_to_a_genisoimage_udf_bridge_imported_via_udf() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let old = model.join("old");
    fs::create_dir_all(old.join("deep")).unwrap();
    generate::empty_and_hard_linked(&old);
    generate::deep_tree(&old.join("deep"));
    fs::write(old.join("Grüße ünïcödé.txt"), "ü\n").unwrap();
    fs::write(old.join("日本語.txt"), "日本\n").unwrap();
    // genisoimage leaves symlinks out of its UDF tree (empty files there); the import
    // takes them from Rock Ridge.
    std::os::unix::fs::symlink("日本語.txt", old.join("link")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", old.join("deep/abs link")).unwrap();
    let img = dir.path().join("bridge.iso");
    let g = oracle::run(
        "genisoimage",
        &[
            "-quiet".as_ref(),
            "-R".as_ref(),
            "-J".as_ref(),
            "-joliet-long".as_ref(),
            "-udf".as_ref(),
            "-V".as_ref(),
            "BRIDGE".as_ref(),
            "-o".as_ref(),
            img.as_os_str(),
            model.as_os_str(),
        ],
    );
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    // IdentifyFileSystemsOnDisc: the bridge's session holds UDF 1.02 and the ISO family.
    let json: serde_json::Value =
        serde_json::from_str(&ok(args!["sessions", "--drive", &img, "--json"])).unwrap();
    let fs_list = json["sessions"][0]["file_systems"].as_array().unwrap();
    assert!(
        fs_list.iter().any(|f| f == "UDF") && fs_list.iter().any(|f| f == "JOLIET"),
        "{json}"
    );

    let new = dir.path().join("new");
    fs::create_dir(&new).unwrap();
    fs::write(new.join("added.txt"), "added\n").unwrap();
    let report: serde_json::Value = serde_json::from_str(&ok(args![
        "burn",
        "--drive",
        &img,
        "--json",
        &format!("{}=/new", new.display())
    ]))
    .unwrap();
    assert!(report["start_lba"].as_u64().unwrap() > 0, "{report}");

    // What every reader must show: the old tree and the new directory.
    fs::create_dir(model.join("new")).unwrap();
    fs::write(model.join("new/added.txt"), "added\n").unwrap();
    let expected = scan_dir(&model).unwrap();
    let plain = Image::plain(&img);
    assert_readings(
        "genisoimage -udf bridge + discburn session (imported via UDF)",
        &expected,
        &[
            (oracle::kernel_list(plain), View::ROCK_RIDGE),
            (oracle::xorriso_list(plain), View::ROCK_RIDGE),
            // isoinfo shows Rock Ridge relocation (the deep directories) as recorded.
            (
                oracle::isoinfo_list(plain, IsoinfoView::RockRidge, true),
                View {
                    shows_relocation: true,
                    ..View::ROCK_RIDGE
                },
            ),
        ],
    );
    // Hard links of the UDF file set (one ICB) stay one file: one extent in session 2.
    let ls = ok(args!["ls", "--drive", &img, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&ls).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "/old/sub/hl_c"),
        "{ls}"
    );
}

#[test]
fn i13_sessions_ls_and_extract_show_a_mkudffs_volume_as_a_udf_session() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("udf.img");
    let o = oracle::run(
        "mkudffs",
        &[
            "--new-file".as_ref(),
            "--blocksize=2048".as_ref(),
            "--media-type=hd".as_ref(),
            "--udfrev=2.01".as_ref(),
            "--label=Alone".as_ref(),
            img.as_os_str(),
            "3000".as_ref(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = ok(args!["sessions", "--drive", &img]);
    assert_eq!(
        listed.trim(),
        "UDF session  :   1 ,         0 ,      3000s , Alone",
        "{listed}"
    );
    let ls = ok(args!["ls", "--drive", &img]);
    assert_eq!(ls.trim(), "d 0755           40 /", "{ls}");
    let dest = dir.path().join("x");
    ok(args!["extract", "--drive", &img, &dest]);
    assert!(dest.is_dir());
    assert_eq!(fs::read_dir(&dest).unwrap().count(), 0);
}
