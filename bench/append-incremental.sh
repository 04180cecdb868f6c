#!/usr/bin/env bash
# Benchmark (issue 15): the cost of a small append. A disc holding 50,000 files in 5,000
# directories (made by discburn, one session) gets one more file, then another, with
#   discburn burn --drive BD-R.disc            (default reuse, emulated BD-R: every
#                                               unchanged directory kept)
#   discburn burn --drive IMG                  (default reuse, image file: kept where
#                                               libarchive reaches them; the first append
#                                               writes again the directories whose parent
#                                               lists no earlier file before them)
#   discburn burn --drive IMG --reuse-directories=never   (every directory written again)
#   xorriso -dev IMG -joliet on -map FILE PATH -commit
# each on a copy of the same base; prints the sectors each append wrote (discburn's
# blocks_written; xorriso's image growth) and the ratios. Goal: discburn on the disc
# <= 1/10 of xorriso's sectors (xorriso cannot drive the emulated BD-R; it writes the
# same directories on an image file). It then checks that xorriso, isoinfo (Rock Ridge,
# Joliet), 7-Zip and bsdtar list the whole tree of the image file's newest session, and
# bsdtar the first session on the BD-R (all it reads of sequential media).
#
# Usage: bench/append-incremental.sh   (env: BENCH_DIR=/tmp/discburn-bench, DISCBURN=binary)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/discburn-bench}
mkdir -p "$dir"
command -v xorriso >/dev/null || { echo "bench: xorriso missing (apt-get install xorriso)" >&2; exit 1; }
if [ -z "${DISCBURN:-}" ]; then
    cargo build -q --release --locked -p discburn-cli
    DISCBURN="${CARGO_TARGET_DIR:-target}/release/discburn"
fi
export SOURCE_DATE_EPOCH=1700000000

tree=$dir/incr-tree
if [ ! -d "$tree" ]; then
    echo "== building the source: 50,000 files in 5,000 directories" >&2
    python3 - "$tree.tmp" <<'PY'
import os, sys, random
root = sys.argv[1]; rnd = random.Random(15)
for d in range(5000):
    p = os.path.join(root, f"top{d // 100:02d}", f"dir{d:04d}")
    os.makedirs(p, exist_ok=True)
    for f in range(10):
        with open(os.path.join(p, f"file_{f:02d}_{rnd.randrange(10**6):06d}.txt"), "wb") as fh:
            fh.write(rnd.randbytes(rnd.randrange(0, 1024)))
PY
    mv "$tree.tmp" "$tree"
fi
base=$dir/incr-base.iso
if [ ! -s "$base" ]; then
    echo "== session 1 with discburn" >&2
    "$DISCBURN" burn --drive "$base" "$tree=/" >/dev/null
fi
bd=$dir/incr-base.disc
if [ ! -s "$bd" ]; then
    echo "== session 1 with discburn on an emulated BD-R" >&2
    rm -f "$bd"
    "$DISCBURN" disc create --media bd-r "$bd" >/dev/null
    "$DISCBURN" burn --drive "$bd" "$tree=/" >/dev/null
fi
echo "one more file" >"$dir/incr-one.txt"
echo "and another" >"$dir/incr-two.txt"
dest=/top17/dir1742/added.txt
dest2=/top42/dir4217/added2.txt
size() { echo $(($(stat -c %s "$1") / 2048)); }
written() { python3 -c 'import json,sys; print(json.load(sys.stdin)["blocks_written"])'; }
b=$(size "$base")

# An emulated disc is its sector file and its drive state.
cp --sparse=always "$bd" "$dir/d.disc"
cp "$bd.state.json" "$dir/d.disc.state.json"
if [ -e "$bd.wal" ]; then cp "$bd.wal" "$dir/d.disc.wal"; fi
d1=$("$DISCBURN" burn --json --drive "$dir/d.disc" "$dir/incr-one.txt=$dest" | written)
d2=$("$DISCBURN" burn --json --drive "$dir/d.disc" "$dir/incr-two.txt=$dest2" | written)
cp --sparse=always "$base" "$dir/r.iso"
r1=$("$DISCBURN" burn --json --drive "$dir/r.iso" "$dir/incr-one.txt=$dest" | written)
r2=$("$DISCBURN" burn --json --drive "$dir/r.iso" "$dir/incr-two.txt=$dest2" | written)
cp --sparse=always "$base" "$dir/n.iso"
n1=$("$DISCBURN" burn --json --drive "$dir/n.iso" --reuse-directories=never "$dir/incr-one.txt=$dest" | written)
cp --sparse=always "$base" "$dir/x.iso"
xorriso -abort_on FAILURE -dev "$dir/x.iso" -joliet on -map "$dir/incr-one.txt" "$dest" -commit >/dev/null 2>&1
x1=$(($(size "$dir/x.iso") - b))
xorriso -abort_on FAILURE -dev "$dir/x.iso" -joliet on -map "$dir/incr-two.txt" "$dest2" -commit >/dev/null 2>&1
x2=$(($(size "$dir/x.iso") - b - x1))

printf '%-60s %8s %8s\n' "append 1 file to 50,000 files / 5,000 dirs (sectors)" "1st" "2nd"
printf '%-60s %8d %8d\n' "discburn burn, emulated BD-R (default reuse)" "$d1" "$d2"
printf '%-60s %8d %8d\n' "discburn burn, image file (default reuse)" "$r1" "$r2"
printf '%-60s %8d %8s\n' "discburn burn --reuse-directories=never, image file" "$n1" "-"
printf '%-60s %8d %8d\n' "xorriso -joliet on -map -commit, image file" "$x1" "$x2"
awk -v d="$d1" -v r1="$r1" -v r2="$r2" -v n="$n1" -v x="$x1" -v x2="$x2" 'BEGIN {
    printf "ratio discburn(BD-R)/xorriso: %.4f (goal <= 0.1: %s)\n", d / x, (d * 10 <= x) ? "met" : "NOT met";
    printf "ratio discburn(image file, 1st append)/xorriso: %.4f\n", r1 / x;
    printf "ratio discburn(image file, 2nd append)/xorriso: %.4f\n", r2 / x2;
    printf "ratio discburn(never)/xorriso: %.4f\n", n / x }'

# The same tree with a file in the root and in every top directory: there an image file
# keeps directories from the second append on (each parent lists a file of session 1).
ftree=$dir/incr-tree-files
if [ ! -d "$ftree" ]; then
    cp -al "$tree" "$ftree.tmp"
    echo readme >"$ftree.tmp/readme.txt"
    for t in "$ftree.tmp"/top*; do echo readme >"$t/readme.txt"; done
    mv "$ftree.tmp" "$ftree"
fi
fbase=$dir/incr-base-files.iso
if [ ! -s "$fbase" ]; then
    echo "== session 1 with discburn (a file in every directory)" >&2
    "$DISCBURN" burn --drive "$fbase" "$ftree=/" >/dev/null
fi
cp --sparse=always "$fbase" "$dir/f.iso"
f1=$("$DISCBURN" burn --json --drive "$dir/f.iso" "$dir/incr-one.txt=$dest" | written)
f2=$("$DISCBURN" burn --json --drive "$dir/f.iso" "$dir/incr-two.txt=$dest2" | written)
fb=$(( $(bsdtar tf "$dir/f.iso" 2>/dev/null | grep -vc '^\./\?$') + 1 ))
printf '%-60s %8d %8d\n' "discburn burn, image file, a file in every directory" "$f1" "$f2"
printf '%-60s %8s\n' "  entries bsdtar lists after the 2nd (want $(( $(find "$ftree" | wc -l) + 2 )))" "$fb"
rm -f "$dir/f.iso"

want=$(( $(find "$tree" | wc -l) + 2 ))
echo "== entries each reader lists in the image file's newest session (want $want, including /)"
printf '%-22s %s\n' "xorriso -find" "$(xorriso -indev "$dir/r.iso" -find / 2>/dev/null | wc -l)"
printf '%-22s %s\n' "isoinfo -R -f" "$(( $(isoinfo -R -f -i "$dir/r.iso" | wc -l) + 1 ))"
printf '%-22s %s\n' "isoinfo -J -f" "$(( $(isoinfo -J -f -i "$dir/r.iso" | wc -l) + 1 ))"
printf '%-22s %s\n' "7zz l" "$(( $(7zz l -slt "$dir/r.iso" | grep -c '^Path = ') ))"
printf '%-22s %s\n' "bsdtar tf" "$(( $(bsdtar tf "$dir/r.iso" 2>/dev/null | grep -vc '^\./\?$') + 1 ))"
echo "== bsdtar on the BD-R (first session: want $(( want - 2 )))"
printf '%-22s %s\n' "bsdtar tf" "$(( $(bsdtar tf "$dir/d.disc" 2>/dev/null | grep -vc '^\./\?$') + 1 ))"
rm -f "$dir/r.iso" "$dir/n.iso" "$dir/x.iso" "$dir"/d.disc*
