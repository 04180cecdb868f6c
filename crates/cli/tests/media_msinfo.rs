//! `discburn media` and `discburn msinfo` on emulated discs and image files. Oracles:
//! the mmc.md §6.1 CD vector (msinfo 0,11702 then 11702,19604) and xorriso's
//! `-as cdrecord -msinfo` on image files.

use std::io::Cursor;
use std::path::Path;
use std::process::Command as Proc;

use assert_cmd::Command;
use discburn::emu::{MediaType, create_disc};
use discburn::recorder::DiscRecorder;
use discburn::writer::DiscFormat2Data;

fn discburn() -> Command {
    Command::cargo_bin("discburn").unwrap()
}

/// `discburn ARGS --drive PATH`, which must succeed: its standard output.
fn stdout_of(args: &[&str], path: &Path) -> Vec<u8> {
    let out = discburn()
        .args(args)
        .arg("--drive")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn msinfo(path: &Path) -> String {
    String::from_utf8(stdout_of(&["msinfo"], path))
        .unwrap()
        .trim()
        .to_string()
}

/// `discburn CMD --json --drive PATH`, which must succeed, as JSON.
fn json(cmd: &str, path: &Path) -> serde_json::Value {
    serde_json::from_slice(&stdout_of(&[cmd, "--json"], path)).unwrap()
}

fn write_session(path: &Path, sectors: usize, close: bool) {
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open(path).unwrap()).unwrap();
    w.set_client_name("cli-test").unwrap();
    w.set_force_media_to_be_closed(close).unwrap();
    w.write(&mut Cursor::new(vec![0x5Au8; sectors * 2048]))
        .unwrap();
}

#[test]
fn msinfo_cd_r_follows_the_mmc_6_1_vector() {
    let dir = tempfile::tempdir().unwrap();
    let cd = dir.path().join("cd.img");
    create_disc(&cd, MediaType::CdR, None).unwrap();
    // Blank: no session to continue (cdrecord -msinfo fails too), exit status 1.
    discburn()
        .args(["msinfo", "--drive"])
        .arg(&cd)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("the disc is blank"));
    // With --json a blank disc is a state: valid JSON, exit 0.
    let v = json("msinfo", &cd);
    assert_eq!(v["blank"], serde_json::Value::Bool(true));
    assert!(v["start"].is_null() && v["next_writable_address"].is_null());
    // 150 sectors + the 150-sector post-gap = a 300-block track at 0.
    write_session(&cd, 150, false);
    assert_eq!(msinfo(&cd), "0,11702");
    // 850 + 150 = 1000 blocks at 11702; lead-out 12704; next session 6900 later.
    write_session(&cd, 850, false);
    assert_eq!(msinfo(&cd), "11702,19604");
    let v = json("msinfo", &cd);
    assert_eq!(
        (v["start"].as_u64(), v["next_writable_address"].as_u64()),
        (Some(11702), Some(19604))
    );
    // Closed: no next writable address, as cdrecord fails too.
    write_session(&cd, 10, true);
    discburn()
        .args(["msinfo", "--drive"])
        .arg(&cd)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
        ));
}

#[test]
fn msinfo_image_file_matches_xorriso() {
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("ms.iso");
    for (i, name) in ["one", "two"].iter().enumerate() {
        let src = dir.path().join(name);
        std::fs::create_dir(&src).unwrap();
        std::fs::write(src.join("f.txt"), vec![b'x'; 5000 * (i + 1)]).unwrap();
        let dev = format!("stdio:{}", iso.display());
        let st = Proc::new("xorriso")
            .args([if i == 0 { "-outdev" } else { "-dev" }, &dev, "-map"])
            .arg(&src)
            .arg(format!("/{name}"))
            .arg("-commit")
            .output()
            .expect("xorriso is installed by scripts/test.sh");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let x = Proc::new("xorriso")
            .args(["-as", "cdrecord"])
            .arg(format!("dev={dev}"))
            .args(["--grow_overwriteable_iso", "-msinfo"])
            .output()
            .unwrap();
        let want = String::from_utf8(x.stdout).unwrap().trim().to_string();
        assert!(want.starts_with("0,"), "{want}");
        assert_eq!(msinfo(&iso), want, "after session {}", i + 1);
        // IMultisessionRandomWrite::get_LastWrittenAddress: the image file's last block
        // (READ TRACK INFORMATION LRA, MMC-6 6.27.3.12), here the end of xorriso's session.
        let out = discburn()
            .args(["media", "--json", "--drive"])
            .arg(&iso)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let blocks = std::fs::metadata(&iso).unwrap().len().div_ceil(2048);
        let m = &v["multisession_interfaces"][0];
        assert_eq!(m["interface"], "IMultisessionRandomWrite", "{v:#}");
        assert_eq!(m["last_written_address"], blocks - 1, "{v:#}");
    }
}

#[test]
fn media_json_lists_sessions_tracks_and_mechanisms() {
    let dir = tempfile::tempdir().unwrap();
    let bd = dir.path().join("bd.img");
    create_disc(&bd, MediaType::BdR, None).unwrap();
    write_session(&bd, 100, false);
    write_session(&bd, 40, false);
    let v = json("media", &bd);
    assert_eq!(v["profile"]["number"], "0041h");
    assert_eq!(
        v["current_media_status"]["flags"],
        serde_json::json!(["APPENDABLE"])
    );
    let s = v["sessions"].as_array().unwrap();
    assert_eq!(s.len(), 3, "{v:#}");
    assert_eq!(
        (s[0]["start_lba"].as_i64(), s[0]["end_lba"].as_i64()),
        (Some(0), Some(127))
    );
    assert_eq!(
        (s[1]["start_lba"].as_i64(), s[1]["end_lba"].as_i64()),
        (Some(128), Some(191))
    );
    assert_eq!(s[2]["tracks"][0]["state"], "invisible");
    assert_eq!(s[2]["tracks"][0]["start_lba"], 192);
    let m = &v["multisession_interfaces"][0];
    assert_eq!(m["interface"], "IMultisessionSequential2");
    assert_eq!(m["start_address_of_previous_session"], 128);
    assert_eq!(m["last_written_address_of_previous_session"], 191);
    assert_eq!(m["next_writable_address"], 192);
    assert_eq!(m["next_writable_address"], v["next_writable_address"]);
    assert_eq!(m["free_sectors_on_media"], v["free_sectors_on_media"]);
    assert_eq!(m["write_unit_size"], 32);

    let text = discburn()
        .args(["media", "--drive"])
        .arg(&bd)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("status: APPENDABLE (0x0004)"), "{text}");
    assert!(
        text.contains("session 2 (complete): LBA 128..191"),
        "{text}"
    );
    assert!(text.contains("IMultisessionSequential2"), "{text}");
    assert_eq!(msinfo(&bd), "128,192");
}
