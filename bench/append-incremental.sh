#!/usr/bin/env bash
# Benchmark (issue 15): the cost of a small append. A disc holding 50,000 files in 5,000
# directories (made by discburn, one session on an image file) gets one more file, with
#   discburn burn --drive IMG --reuse-directories   (unchanged directories kept)
#   discburn burn --drive IMG                       (every directory written again)
#   xorriso -dev IMG -joliet on -map FILE PATH -commit
# each on a copy of the same base; prints the sectors each appended (image growth) and the
# ratios. Goal: discburn with reuse <= 1/10 of xorriso's sectors. It then checks that
# xorriso, isoinfo (Rock Ridge, Joliet) and 7-Zip list the whole tree of the reused
# session; bsdtar is listed too, and misses the kept directories (see the image crate's
# `reuse` module: libarchive reads forward only).
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
echo "one more file" >"$dir/incr-one.txt"
dest=/top17/dir1742/added.txt
size() { echo $(($(stat -c %s "$1") / 2048)); }
b=$(size "$base")

cp --sparse=always "$base" "$dir/r.iso"
"$DISCBURN" burn --drive "$dir/r.iso" --reuse-directories "$dir/incr-one.txt=$dest" >/dev/null
cp --sparse=always "$base" "$dir/n.iso"
"$DISCBURN" burn --drive "$dir/n.iso" "$dir/incr-one.txt=$dest" >/dev/null
cp --sparse=always "$base" "$dir/x.iso"
xorriso -abort_on FAILURE -dev "$dir/x.iso" -joliet on -map "$dir/incr-one.txt" "$dest" -commit >/dev/null 2>&1
r=$(($(size "$dir/r.iso") - b)) n=$(($(size "$dir/n.iso") - b)) x=$(($(size "$dir/x.iso") - b))

printf '%-52s %10s\n' "append 1 file to 50,000 files / 5,000 dirs" "sectors"
printf '%-52s %10d\n' "discburn burn --reuse-directories" "$r"
printf '%-52s %10d\n' "discburn burn (directories written again)" "$n"
printf '%-52s %10d\n' "xorriso -joliet on -map -commit" "$x"
awk -v r="$r" -v n="$n" -v x="$x" 'BEGIN {
    printf "ratio discburn(reuse)/xorriso: %.4f (goal <= 0.1: %s)\n", r / x, (r * 10 <= x) ? "met" : "NOT met";
    printf "ratio discburn(no reuse)/xorriso: %.4f\n", n / x }'

echo "== entries each reader lists in the reused session (want $(( $(find "$tree" | wc -l) )) + 1, including /)"
printf '%-22s %s\n' "xorriso -find" "$(xorriso -indev "$dir/r.iso" -find / 2>/dev/null | wc -l)"
printf '%-22s %s\n' "isoinfo -R -f" "$(( $(isoinfo -R -f -i "$dir/r.iso" | wc -l) + 1 ))"
printf '%-22s %s\n' "isoinfo -J -f" "$(( $(isoinfo -J -f -i "$dir/r.iso" | wc -l) + 1 ))"
printf '%-22s %s\n' "7zz l" "$(( $(7zz l -slt "$dir/r.iso" | grep -c '^Path = ') ))"
printf '%-22s %s\n' "bsdtar tf" "$(bsdtar tf "$dir/r.iso" 2>/dev/null | wc -l)"
rm -f "$dir/r.iso" "$dir/n.iso" "$dir/x.iso"
