//! Issue 14 (appends to a mkudffs VAT volume, UDF 2.60 2.2.11): `mkudffs
//! --media-type=bdr --vat` (udftools) formats an empty VAT volume in an image file; its
//! blocks recorded as the first session of an emulated BD-R (through the library's
//! DiscFormat2Data::write, as `cdrecord`/`growisofs` would record the image) are a
//! UDF-only disc whose VAT is the last recorded block. `burn` appends a VAT session to
//! it, and the kernel's udf driver reads the new files from the dumped disc.

#[macro_use]
mod common;

use std::fs;
use std::io::Cursor;

use common::ok;
use discburn_testkit::oracle;

#[test]
fn append_to_a_mkudffs_vat_volume_recorded_on_bd_r() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("mkudffs.img");
    let o = oracle::run(
        "mkudffs",
        &[
            "--media-type=bdr".as_ref(),
            "--vat".as_ref(),
            "--label=MKUDFFS".as_ref(),
            img.as_os_str(),
            "2000".as_ref(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let disc = dir.path().join("bdr");
    ok(args!["disc", "create", "--media", "bd-r", &disc]);
    {
        let d = discburn::Disc::open(&disc).unwrap();
        d.writer().set_client_name("test").unwrap();
        d.writer()
            .write(&mut Cursor::new(fs::read(&img).unwrap()))
            .unwrap();
    }
    let sessions = ok(args!["sessions", "--drive", &disc]);
    assert!(sessions.contains("MKUDFFS"), "{sessions}");

    // Two appends (plain `burn`: the UDF volume alone stays UDF alone).
    for (n, name) in [(1, "new"), (2, "newer")] {
        let src = dir.path().join(format!("s{n}"));
        fs::create_dir_all(src.join("d")).unwrap();
        fs::write(src.join("d").join(name), name.as_bytes()).unwrap();
        let out = ok(args!["burn", "--drive", &disc, &src]);
        assert!(out.contains("1 added"), "{out}");
    }
    let dump = dir.path().join("dump.img");
    ok(args!["dump", "--drive", &disc, "-o", &dump]);
    let info =
        String::from_utf8_lossy(&oracle::run("udfinfo", &[dump.as_os_str()]).stdout).into_owned();
    let blocks = fs::metadata(&dump).unwrap().len() / 2048;
    assert!(
        info.contains(&format!("vatblock={}\n", blocks - 1)) && info.contains("label=MKUDFFS"),
        "{info}"
    );
    let out = std::process::Command::new(oracle::kernel_read_script())
        .args(["--fstype", "udf"])
        .arg(&dump)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run kernel-read");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("mount: rc=0"),
        "kernel udf mount failed:\n{text}"
    );
    let md5 = text
        .split("--- md5 ---\n")
        .nth(1)
        .and_then(|r| r.split("--- df ---").next())
        .unwrap_or_default();
    let mut paths: Vec<&str> = md5
        .lines()
        .filter_map(|l| l.split_once("  ./"))
        .map(|(_, p)| p)
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["d/new", "d/newer"], "{text}");
}
