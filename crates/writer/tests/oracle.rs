//! End-to-end multisession with independent tools: genisoimage builds each session with
//! `-C START,NWA -M disc` from the writer's StartAddressOfPreviousSession and
//! NextWritableAddress, the writer records it on an emulated disc, and isoinfo
//! (genisoimage's reader) lists the merged tree of the last session from the sparse
//! image file and extracts every file; on BD-R the Linux kernel mounts the last
//! session (shared/tools/kernel-read). Needs genisoimage/isoinfo (installed by
//! scripts/test.sh) and the kernel-read VM.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use discburn_emu::MediaType;

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install genisoimage)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn genisoimage_sessions(media: MediaType) {
    let d = disc(media);
    let work = tempfile::tempdir().unwrap();
    let w = writer(&d.path);
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for k in 1..=3u8 {
        let src = work.path().join(format!("s{k}"));
        std::fs::create_dir(&src).unwrap();
        let name = format!("file{k}.bin");
        let body: Vec<u8> = (0..(30_000 * k as usize)).map(|i| (i as u8) ^ k).collect();
        std::fs::write(src.join(&name), &body).unwrap();
        files.push((name, body));
        let iso = work.path().join(format!("s{k}.iso"));
        let mut g = Command::new("genisoimage");
        g.args(["-quiet", "-R", "-o"]).arg(&iso);
        if k > 1 {
            let start = w.start_address_of_previous_session().unwrap();
            let nwa = w.next_writable_address().unwrap();
            g.arg("-C")
                .arg(format!("{start},{nwa}"))
                .arg("-M")
                .arg(&d.path);
        }
        g.arg(&src);
        run(&mut g);
        let image = std::fs::read(&iso).unwrap();
        write(&w, &image).unwrap();
    }
    let last = w.start_address_of_previous_session().unwrap();
    let listing = String::from_utf8(run(Command::new("isoinfo")
        .args(["-R", "-f", "-i"])
        .arg(&d.path)
        .arg("-T")
        .arg(last.to_string())))
    .unwrap();
    for (name, body) in &files {
        assert!(listing.contains(name.as_str()), "{media}: {listing}");
        let got = run(Command::new("isoinfo")
            .args(["-R", "-i"])
            .arg(&d.path)
            .arg("-T")
            .arg(last.to_string())
            .arg("-x")
            .arg(format!("/{name}")));
        assert!(got == *body, "{media}: {name} differs");
    }
    if media == MediaType::BdR {
        kernel_reads(&d.path, last, work.path(), &files);
    }
}

/// The Linux isofs driver (in a VM, shared/tools/kernel-read) mounts the last session
/// with `sbsector=` and sees every file of the three sessions with the same md5.
fn kernel_reads(image: &Path, sbsector: i32, work: &Path, files: &[(String, Vec<u8>)]) {
    let tool = discburn_testkit::oracle::kernel_read_script();
    let out = String::from_utf8(run(Command::new(&tool)
        .arg("--opts")
        .arg(format!("ro,sbsector={sbsector}"))
        .arg(image)))
    .unwrap();
    assert!(out.contains("mount: rc=0"), "{out}");
    for (name, body) in files {
        let f = work.join(name);
        std::fs::write(&f, body).unwrap();
        let sum = String::from_utf8(run(Command::new("md5sum").arg(&f))).unwrap();
        let md5 = sum.split_whitespace().next().unwrap();
        assert!(out.contains(&format!("{md5}  ./{name}")), "{name}: {out}");
    }
}

#[test]
fn w_05_genisoimage_sessions_on_cd_r_read_by_isoinfo() {
    genisoimage_sessions(MediaType::CdR);
}

#[test]
fn w_05_genisoimage_sessions_on_dvd_plus_r_read_by_isoinfo() {
    genisoimage_sessions(MediaType::DvdPlusR);
}

#[test]
fn w_05_genisoimage_sessions_on_bd_r_read_by_isoinfo() {
    genisoimage_sessions(MediaType::BdR);
}
