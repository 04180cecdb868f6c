//! Every fuzz target (`discburn_reader::fuzzing`) over its corpus — the committed seeds
//! and minimized regressions in `fuzz/corpus/<target>/` — and over deterministic
//! mutations of the seeds (seeded SplitMix64: bit flips, interesting bytes and 32-bit
//! both-endian values, sector copies, truncations, insertions and deletions). A panic in
//! a target fails the test with the target, the seed and the mutation number, so the
//! input can be rebuilt. No cargo-fuzz needed.

use std::fs;
use std::path::{Path, PathBuf};

use discburn_reader::fuzzing;
use discburn_testkit::generate::Rng;

const MUTATIONS_PER_TARGET: usize = 3000;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out = Vec::new();
    for sub in [dir.clone(), dir.join("regressions")] {
        let Ok(rd) = fs::read_dir(&sub) else { continue };
        let mut files: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            out.push((f.display().to_string(), fs::read(&f).unwrap()));
        }
    }
    assert!(
        out.iter().any(|(n, _)| n.contains("seed-")),
        "no seeds in {} (run fuzz/make-seeds.sh)",
        dir.display()
    );
    out
}

const INTERESTING_U8: [u8; 8] = [0, 1, 0x7F, 0x80, 0xFE, 0xFF, 0x22, 0x21];
const INTERESTING_U32: [u32; 8] = [
    0,
    1,
    16,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_F800,
    0xFFFF_FFFF,
    2048,
];

/// One deterministic mutation of `data`.
fn mutate(data: &mut Vec<u8>, rng: &mut Rng) {
    if data.is_empty() {
        data.push(rng.below(256) as u8);
        return;
    }
    let len = data.len() as u64;
    // Structures sit in the first sectors: bias offsets toward them.
    let at = |rng: &mut Rng| -> usize {
        if rng.below(4) == 0 {
            rng.below(len) as usize
        } else {
            rng.below(len.min(32 * 2048)) as usize
        }
    };
    match rng.below(9) {
        0 | 1 => {
            let i = at(rng);
            data[i] ^= 1 << rng.below(8);
        }
        2 => {
            let i = at(rng);
            data[i] = INTERESTING_U8[rng.below(8) as usize];
        }
        3 | 4 => {
            // A both-endian 32-bit field (ECMA-119 7.3.3) or a plain LE one.
            let i = at(rng);
            let v = match rng.below(3) {
                0 => INTERESTING_U32[rng.below(8) as usize],
                1 => (len / 2048) as u32 + rng.below(4) as u32,
                _ => rng.below(len / 2048 + 1) as u32,
            };
            let mut b = v.to_le_bytes().to_vec();
            if rng.below(2) == 0 {
                b.extend_from_slice(&v.to_be_bytes());
            }
            for (k, x) in b.into_iter().enumerate() {
                if let Some(d) = data.get_mut(i + k) {
                    *d = x;
                }
            }
        }
        5 => {
            let sectors = data.len() / 2048;
            if sectors >= 2 {
                let a = rng.below(sectors as u64) as usize * 2048;
                let b = rng.below(sectors as u64) as usize * 2048;
                let s = data[a..a + 2048].to_vec();
                data[b..b + 2048].copy_from_slice(&s);
            }
        }
        6 => {
            let n = rng.below(len + 1) as usize;
            data.truncate(n);
        }
        7 => {
            let i = at(rng);
            let n = 1 + rng.below(64) as usize;
            let bytes = rng.bytes(n);
            data.splice(i..i, bytes);
        }
        _ => {
            let i = at(rng);
            let n = (1 + rng.below(64) as usize).min(data.len() - i);
            data.drain(i..i + n);
        }
    }
}

fn run_target(target: &str, f: fn(&[u8]) -> usize) {
    let inputs = corpus(target);
    for (name, data) in &inputs {
        match std::panic::catch_unwind(|| f(data)) {
            Err(_) => panic!("fuzz target {target} panicked on {name}"),
            // Untouched seeds must reach the directory walk (truncated and flipped
            // variants may be refused).
            Ok(0)
                if name.contains("seed-")
                    && !name.ends_with("truncated")
                    && !name.ends_with("flipped") =>
            {
                panic!("fuzz target {target} read nothing from {name}")
            }
            Ok(_) => {}
        }
    }
    let seeds: Vec<&(String, Vec<u8>)> =
        inputs.iter().filter(|(n, _)| n.contains("seed-")).collect();
    let mut rng = Rng::new(0x5EED_0000 ^ target.len() as u64);
    let mut reached = 0usize;
    for m in 0..MUTATIONS_PER_TARGET {
        let (name, seed) = seeds[m % seeds.len()];
        let mut data = seed.clone();
        let mut step_rng = Rng::new(rng.next_u64());
        let steps = 1 + step_rng.below(4);
        for _ in 0..steps {
            mutate(&mut data, &mut step_rng);
        }
        let res = std::panic::catch_unwind(|| f(&data));
        if let Ok(n) = res {
            reached += usize::from(n > 0);
        } else {
            let out = std::env::temp_dir().join(format!("discburn-fuzz-{target}-{m}"));
            fs::write(&out, &data).unwrap();
            panic!(
                "fuzz target {target} panicked on mutation {m} of {name}; input saved to {}",
                out.display()
            );
        }
    }
    // Most mutants must still get through to a tree, or the mutations test nothing deep.
    assert!(
        reached > MUTATIONS_PER_TARGET / 4,
        "{target}: only {reached} of {MUTATIONS_PER_TARGET} mutants reached a tree"
    );
}

#[test]
fn volume_descriptors() {
    run_target("volume_descriptors", fuzzing::volume_descriptors);
}

#[test]
fn directory_records() {
    run_target("directory_records", fuzzing::directory_records);
}

#[test]
fn joliet() {
    run_target("joliet", fuzzing::joliet);
}

#[test]
fn path_table() {
    run_target("path_table", fuzzing::path_table);
}

#[test]
fn whole_image() {
    run_target("whole_image", fuzzing::whole_image);
}

#[test]
fn udf() {
    run_target("udf", fuzzing::udf);
}

#[test]
fn el_torito() {
    run_target("el_torito", fuzzing::el_torito);
}
