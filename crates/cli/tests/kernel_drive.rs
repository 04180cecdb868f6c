//! The real Linux kernel in front of the emulated recorder (`scripts/kernel-drive.sh`:
//! a QEMU VM in which `discburn disc serve` makes an emulated disc /dev/sr0 through
//! target_core_user + tcm_loop). Independent MMC clients — the kernel's cdrom layer and
//! isofs (`mount`), libburn (`xorriso`) and discburn's own SG_IO transport — read and
//! write emulated media, and discburn on the host reads the result. One VM boot per
//! medium; every check of that medium runs in it.

#[macro_use]
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{EPOCH, ok};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/kernel-drive.sh")
}

/// Runs `cmd` in the VM with `disc` as /dev/sr0 and `share` at /share; returns the
/// output between the markers and CMD's exit status.
fn kernel_drive(disc: &Path, share: &Path, cmd: &str) -> (String, i32) {
    let o = Command::new("bash")
        .arg(script())
        .arg(disc)
        .arg("--share")
        .arg(share)
        .arg("--bin")
        .arg("mount")
        .arg("--discburn")
        .arg(env!("CARGO_BIN_EXE_discburn"))
        .arg("--")
        .arg(cmd)
        .output()
        .expect("run kernel-drive.sh");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let code = o.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        125,
        "kernel-drive.sh could not set up the VM or the drive:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (out, code)
}

/// The output of the section `name` of the command run in the VM (lines between
/// `--- name ---` and the next `--- `).
fn section<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    let start = format!("--- {name} ---");
    out.lines()
        .skip_while(|l| *l != start)
        .skip(1)
        .take_while(|l| !l.starts_with("--- "))
        .collect()
}

/// Session start LBAs as `discburn sessions` reads them from the disc on the host.
fn host_session_lbas(disc: &Path) -> Vec<u64> {
    let json = ok(args!("sessions", "--drive", disc, "--json"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("sessions JSON");
    v["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["start_lba"].as_u64().expect("start_lba"))
        .collect()
}

/// Session start LBAs of `xorriso -toc` ("ISO session  :   2 ,     11702 , ...").
fn xorriso_session_lbas(lines: &[&str]) -> Vec<u64> {
    lines
        .iter()
        .filter(|l| l.starts_with("ISO session"))
        .map(|l| {
            l.split(',')
                .nth(1)
                .expect("LBA column")
                .trim()
                .parse()
                .expect("LBA")
        })
        .collect()
}

/// A disc of `media` with three sessions burnt by discburn on the host: s1/a.txt,
/// s2/b.txt, s3/c.txt (each session imports the earlier ones).
fn three_session_disc(dir: &Path, media: &str) -> PathBuf {
    let disc = dir.join(format!("{media}.img"));
    ok(args!("disc", "create", &disc, "--media", media));
    for (i, name) in ["a.txt", "b.txt", "c.txt"].iter().enumerate() {
        let src = dir.join(format!("s{i}"));
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join(name), format!("session {}\n", i + 1)).unwrap();
        ok(args!("burn", "--drive", &disc, &src));
    }
    disc
}

fn share_dir(dir: &Path) -> PathBuf {
    let share = dir.join("share");
    fs::create_dir_all(share.join("kernel")).unwrap();
    fs::write(share.join("kernel/d.txt"), "burnt through SG_IO\n").unwrap();
    fs::write(share.join("e.txt"), "burnt by libburn\n").unwrap();
    // larger than one transfer of the emulated drive (256 KiB): split WRITEs
    let big: Vec<u8> = (0..600_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(share.join("kernel/big.bin"), big).unwrap();
    share
}

/// (a) `mount /dev/sr0` shows the newest session; (b) `xorriso -toc` lists every
/// session at the LBAs `discburn sessions` gives; (c) on CD-R also `discburn drives`
/// and `discburn burn --drive /dev/sr0`; (d) xorriso appends a session the host reads.
fn check_three_sessions(media: &str, sg_io_burn: bool) {
    let t = tempfile::tempdir().unwrap();
    let disc = three_session_disc(t.path(), media);
    let share = share_dir(t.path());
    let before = host_session_lbas(&disc);
    assert_eq!(before.len(), 3, "{media}: three sessions on the host");
    let burn = if sg_io_burn {
        format!(
            "echo '--- drives ---'; discburn drives; \
             echo '--- burn ---'; SOURCE_DATE_EPOCH={EPOCH} discburn burn --drive /dev/sr0 /share/kernel >/dev/null 2>&1; echo burn=$?; "
        )
    } else {
        String::new()
    };
    let cmd = format!(
        "mkdir -p /mnt; echo '--- mount ---'; mount /dev/sr0 /mnt && ls -1 /mnt; umount /mnt; \
         echo '--- toc ---'; xorriso -indev /dev/sr0 -toc 2>&1; \
         {burn}\
         echo '--- xorriso ---'; xorriso -dev /dev/sr0 -map /share/e.txt /e.txt -commit >/dev/null 2>&1; echo xorriso=$?; \
         echo '--- end ---'"
    );
    let (out, code) = kernel_drive(&disc, &share, &cmd);
    assert_eq!(code, 0, "{media}:\n{out}");

    let listing = section(&out, "mount");
    assert_eq!(
        listing,
        ["a.txt", "b.txt", "c.txt"],
        "{media}: mount without options shows the newest session (the kernel asks the \
         drive for the last session):\n{out}"
    );
    assert_eq!(
        xorriso_session_lbas(&section(&out, "toc")),
        before,
        "{media}: xorriso -toc through /dev/sr0 vs discburn sessions:\n{out}"
    );

    let after = host_session_lbas(&disc);
    let mut expect_sessions = 4;
    if sg_io_burn {
        let drives = section(&out, "drives").join("\n");
        assert!(
            drives.contains("/dev/sr0") && drives.contains("DISCBURN EMULATED RECORDR"),
            "{media}: discburn drives lists /dev/sr0 with INQUIRY's vendor/product:\n{out}"
        );
        assert_eq!(section(&out, "burn"), ["burn=0"], "{media}:\n{out}");
        expect_sessions = 5;
        let ls = ok(args!("ls", "--drive", &disc, "--session", "4"));
        assert!(
            ls.contains("big.bin") && ls.contains("d.txt") && ls.contains("c.txt"),
            "{media}: session 4 (SG_IO burn) on the host:\n{ls}"
        );
    }
    assert_eq!(section(&out, "xorriso"), ["xorriso=0"], "{media}:\n{out}");
    assert_eq!(
        after.len(),
        expect_sessions,
        "{media}: sessions on the host {after:?}"
    );
    assert_eq!(
        &after[..3],
        &before[..],
        "{media}: earlier sessions untouched"
    );
    let ls = ok(args!("ls", "--drive", &disc));
    assert!(
        ls.contains("e.txt"),
        "{media}: the session libburn appended through the kernel, read on the host:\n{ls}"
    );
}

#[test]
fn ms_kernel_drive_cd_r_mount_toc_drives_sg_io_and_libburn() {
    check_three_sessions("cd-r", true);
}

#[test]
fn ms_kernel_drive_dvd_plus_r_mount_toc_and_libburn() {
    check_three_sessions("dvd+r", false);
}

#[test]
fn ms_kernel_drive_bd_r_mount_toc_and_libburn() {
    check_three_sessions("bd-r", false);
}

/// (d) libburn records two sessions on a blank sequential DVD-RW through /dev/sr0; the
/// host reads both. In the same VM, `discburn disc serve` of a disc inside the VM (no
/// relay) becomes /dev/sr1, and SIGTERM ends it with its configfs objects removed.
#[test]
fn ms_kernel_drive_dvd_rw_libburn_sessions_and_local_serve() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("dvd-rw.img");
    ok(args!("disc", "create", &disc, "--media", "dvd-rw"));
    let share = share_dir(t.path());
    let cmd = "echo '--- libburn ---'; for f in e.txt kernel/d.txt; do \
               xorriso -dev /dev/sr0 -map /share/$f /$(basename $f) -commit >/dev/null 2>&1; echo xorriso=$?; done; \
               discburn disc create /tmp/l.img --media bd-r >/dev/null; \
               discburn disc serve /tmp/l.img 2>/tmp/l.log & p=$!; \
               while ! grep -qs serving /tmp/l.log && kill -0 $p 2>/dev/null; do usleep 50000; done; \
               echo '--- local ---'; grep serving /tmp/l.log; \
               xorriso -outdev /dev/sr1 -toc 2>&1 | grep -m 1 '^Media current'; \
               kill -TERM $p; wait $p; echo serve=$?; \
               echo '--- configfs ---'; ls -1 /sys/kernel/config/target/core/user_0 /sys/kernel/config/target/loopback; \
               echo '--- end ---'";
    let (out, code) = kernel_drive(&disc, &share, cmd);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        section(&out, "libburn"),
        ["xorriso=0", "xorriso=0"],
        "{out}"
    );
    let lbas = host_session_lbas(&disc);
    assert_eq!(
        lbas.len(),
        2,
        "dvd-rw: two libburn sessions on the host {lbas:?}\n{out}"
    );
    let ls = ok(args!("ls", "--drive", &disc));
    assert!(ls.contains("e.txt") && ls.contains("d.txt"), "{ls}\n{out}");

    assert_eq!(
        section(&out, "local"),
        [
            "discburn: serving /tmp/l.img as /dev/sr1",
            "Media current: BD-R sequential recording",
            "serve=0"
        ],
        "{out}"
    );
    // only the relay's server (still running) is left in configfs
    let configfs = section(&out, "configfs");
    let backstores = configfs
        .iter()
        .filter(|l| l.starts_with("discburn_"))
        .count();
    let targets = configfs.iter().filter(|l| l.starts_with("naa.")).count();
    assert_eq!((backstores, targets), (1, 1), "{out}");
}
