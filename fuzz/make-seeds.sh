#!/usr/bin/env bash
# Regenerates the seed corpus of the reader's fuzz targets (fuzz/corpus/<target>/seed-*)
# from small images made by xorriso, genisoimage, pycdlib and mkudffs. The seeds are committed; rerun this
# only to refresh them. Needs xorriso, genisoimage, python3 (pycdlib), udftools.
#
# Layouts (see crates/reader/src/fuzzing.rs):
#   volume_descriptors          sectors 16..63 of an image
#   directory_records, joliet,
#   path_table                  an image without its system area (from LBA 16 on)
#   whole_image                 whole images (one with three xorriso sessions)
#   udf                         whole UDF images (genisoimage, pycdlib, mkudffs)
#   el_torito                   the boot catalog sector of bootable images
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=$work/src
mkdir -p "$src/a/b/c/d/e/f/g/h/i/j" "$src/empty dir"
echo deep > "$src/a/b/c/d/e/f/g/h/i/j/deep.txt"
echo one > "$src/One file.txt"
printf 'x%.0s' {1..3000} > "$src/three thousand.bin"
ln "$src/One file.txt" "$src/hard link"
ln -s "../One file.txt" "$src/a/rel link"
ln -s /usr/share/doc "$src/abs link"
long=$(printf 'n%.0s' {1..240})
echo long > "$src/$long.txt"
ln -s "$(printf 'seg%02d/' {1..40})end" "$src/long target"
: > "$src/empty"
echo ü > "$src/Grüße ünïcödé.txt"

img=$work/img
mkdir "$img"
xorriso -as mkisofs -quiet -R -J -joliet-long -no-pad -o "$img/xorriso-rr-joliet.iso" "$src" 2>/dev/null
xorriso -as mkisofs -quiet -R -no-pad -iso-level 3 -o "$img/xorriso-rr.iso" "$src" 2>/dev/null
genisoimage -quiet -no-pad -R -J -joliet-long -o "$img/genisoimage-rr-joliet.iso" "$src" 2>/dev/null
genisoimage -quiet -no-pad -J -o "$img/genisoimage-joliet.iso" "$src/a" 2>/dev/null
genisoimage -quiet -no-pad -o "$img/genisoimage-plain.iso" "$src/a" 2>/dev/null
genisoimage -quiet -no-pad -R -J -udf -o "$img/genisoimage-udf.iso" "$src/a" 2>/dev/null
ms=$img/xorriso-3-sessions.iso
for i in 1 2 3; do
    mkdir -p "$work/s$i"
    echo "session $i" > "$work/s$i/f$i.txt"
    drive=-dev; [ "$i" = 1 ] && drive=-outdev
    xorriso -abort_on FAILURE $drive "stdio:$ms" -padding 0 -joliet on -map "$work/s$i" "/s$i" -commit >/dev/null 2>&1
done

# A genisoimage image (session at LBA 0) with two sessions appended by discburn in the
# random-write layout: the head replaces the first session's descriptors
# (DiscoveryMethod::HeadOverFirstSession). DISCBURN=path/to/discburn, else cargo run.
appended=$img/genisoimage-appended-sessions.iso
genisoimage -quiet -R -J -o "$appended" "$src/a" 2>/dev/null
discburn() {
    if [ -n "${DISCBURN:-}" ]; then "$DISCBURN" "$@"; else
        (cd .. && cargo run -q --release -p discburn-cli -- "$@"); fi
}
for i in 2 3; do
    mkdir -p "$work/m$i"
    echo "session $i" > "$work/m$i/m$i.txt"
    SOURCE_DATE_EPOCH=1700000000 discburn burn --drive "$appended" "$work/m$i=/m$i" >/dev/null
done

# UDF images for the udf target: genisoimage's 1.02 bridge, pycdlib's UDF with
# symlinks, mkudffs volumes with a VAT (CD-R 1.50 and 2.01, BD-R 2.50).
udf=$work/udf
mkdir "$udf"
cp "$img/genisoimage-udf.iso" "$udf/genisoimage-udf-bridge.iso"
python3 - "$udf/pycdlib-udf.iso" <<'PY'
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(udf='2.60')
iso.add_directory(udf_path='/dir1')
for i, name in enumerate(['f.txt', 'Grüße.txt', 'x' * 120]):
    d = (name * (i * 300 + 1)).encode()
    iso.add_fp(io.BytesIO(d), len(d), udf_path='/dir1/' + name)
iso.add_symlink(udf_symlink_path='/sl', udf_target='dir1/f.txt')
iso.add_symlink(udf_symlink_path='/dir1/up', udf_target='../dir1')
iso.write(sys.argv[1])
PY
for spec in cdr:1.50 cdr:2.01 bdr:2.50; do
    mkudffs --new-file --blocksize=2048 --media-type="${spec%%:*}" --udfrev="${spec#*:}" \
        "$udf/mkudffs-${spec%%:*}-${spec#*:}.img" 2000 >/dev/null
done

rm -rf corpus/*/seed-*
python3 - "$img" <<'PY'
import os, sys, pathlib
img = pathlib.Path(sys.argv[1])
out = pathlib.Path("corpus")
def put(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
for f in sorted(img.iterdir()):
    data = f.read_bytes()
    stem = f.stem
    put("whole_image", f"seed-{stem}", data)
    if "sessions" in stem or "udf" in stem:
        continue
    put("volume_descriptors", f"seed-{stem}", data[16 * 2048 : 64 * 2048])
    body = data[16 * 2048 :]
    for t in ("directory_records", "path_table"):
        put(t, f"seed-{stem}", body)
    if "joliet" in stem:
        put("joliet", f"seed-{stem}", body)
    # A truncated and a bit-flipped variant of each body.
    put("directory_records", f"seed-{stem}-truncated", body[: len(body) * 3 // 4])
    flipped = bytearray(body)
    for i in range(4 * 2048, min(len(flipped), 16 * 2048), 97):
        flipped[i] ^= 0x10
    put("directory_records", f"seed-{stem}-flipped", bytes(flipped))
PY
for f in "$udf"/*; do
    mkdir -p corpus/udf
    cp "$f" "corpus/udf/seed-$(basename "${f%.*}")"
done

# Bootable images: BIOS + EFI (xorriso), floppy emulation and hard-disk emulation
# (genisoimage); the seed is the catalog sector the boot record names.
boot=$work/boot
mkdir -p "$boot/src"
head -c 6000 /dev/urandom > "$boot/src/boot.bin"
head -c 40000 /dev/urandom > "$boot/src/efi.img"
truncate -s 1474560 "$boot/src/floppy.img"
xorriso -as mkisofs -quiet -b boot.bin -no-emul-boot -boot-load-size 4 -boot-info-table \
    -eltorito-alt-boot -e efi.img -no-emul-boot -o "$boot/bios-efi.iso" "$boot/src" 2>/dev/null
genisoimage -quiet -b floppy.img -c boot.cat -o "$boot/floppy.iso" "$boot/src" 2>/dev/null
mkdir -p corpus/el_torito
for f in "$boot"/*.iso; do
    lba=$(od -An -t u4 -j $((17 * 2048 + 71)) -N 4 "$f" | tr -d ' ')
    dd if="$f" of="corpus/el_torito/seed-$(basename "$f" .iso)" bs=2048 skip="$lba" count=1 status=none
done
# Debian's grub-rescue-pc (GRUB's eltorito.img, boot-info-table).
g=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
lba=$(od -An -t u4 -j $((17 * 2048 + 71)) -N 4 "$g" | tr -d ' ')
dd if="$g" of=corpus/el_torito/seed-grub-rescue bs=2048 skip="$lba" count=1 status=none
du -sh corpus/*
