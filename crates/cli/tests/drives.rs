//! `discburn drives`: lists recorders; on a machine without optical drives it says so
//! and succeeds; a device named with --device that does not exist fails. `burn --rm /`
//! is refused.

use assert_cmd::Command;

#[test]
fn drives_lists_or_says_none_and_exits_0() {
    let out = Command::cargo_bin("discburn")
        .unwrap()
        .arg("drives")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let any_sr = std::fs::read_dir("/sys/class/block")
        .map(|rd| {
            rd.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("sr"))
        })
        .unwrap_or(false)
        || std::fs::read_dir("/dev")
            .map(|rd| {
                rd.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("sr"))
            })
            .unwrap_or(false);
    if any_sr {
        assert!(text.lines().all(|l| l.starts_with('/')), "{text}");
    } else {
        assert_eq!(text, "no optical drives found\n");
    }
}

#[test]
fn drives_json_is_an_array() {
    let out = Command::cargo_bin("discburn")
        .unwrap()
        .args(["drives", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = v.as_array().expect("JSON array");
    for d in a {
        assert!(d["device"].as_str().unwrap().starts_with('/'));
    }
}

#[test]
fn drives_shows_an_emulated_disc_given_by_path() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("disc.img");
    discburn::emu::create_disc(&disc, discburn::emu::MediaType::BdR, None).unwrap();
    let out = Command::cargo_bin("discburn")
        .unwrap()
        .args(["drives", "--json", "--device"])
        .arg(&disc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = v.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["device"], disc.display().to_string());
    assert_eq!(last["current_profile"], "0041h");
    assert_eq!(last["media_type"], "IMAPI_MEDIA_TYPE_BDR");
    assert!(last["error"].is_null(), "{last}");

    let out = Command::cargo_bin("discburn")
        .unwrap()
        .args(["drives", "--device"])
        .arg(&disc)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().last().unwrap();
    assert!(line.starts_with(&disc.display().to_string()), "{line}");
    assert!(
        line.contains("BD-R SRM (0041h, IMAPI_MEDIA_TYPE_BDR)"),
        "{line}"
    );
}

#[test]
fn drives_reports_a_device_that_does_not_exist_and_fails() {
    for json in [false, true] {
        let mut c = Command::cargo_bin("discburn").unwrap();
        c.args(["drives", "--device", "/nonexistent/sr9"]);
        if json {
            c.arg("--json");
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("no such device or file"), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("/nonexistent/sr9: no such device"), "{err}");
    }
}

#[test]
fn burn_refuses_to_hide_the_root() {
    let t = tempfile::tempdir().unwrap();
    let img = t.path().join("a.iso");
    std::fs::write(t.path().join("f"), b"f\n").unwrap();
    let burn = |args: &[&std::ffi::OsStr]| {
        Command::cargo_bin("discburn")
            .unwrap()
            .arg("burn")
            .arg("--drive")
            .arg(&img)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(burn(&[t.path().join("f").as_os_str()]).status.success());
    let before = std::fs::read(&img).unwrap();
    for root in ["/", "//"] {
        let out = burn(&["--rm".as_ref(), root.as_ref()]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("the root cannot be hidden"), "{err}");
    }
    assert_eq!(std::fs::read(&img).unwrap(), before, "nothing written");
}
