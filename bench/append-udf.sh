#!/usr/bin/env bash
# Benchmark (issue 14): the cost of a small UDF append on write-once media. An emulated
# BD-R holding one UDF session (a VAT volume, UDF 2.60 2.2.11) of 50,000 files in 5,000
# directories gets one more file with `discburn burn --fs udf`: the new session holds the
# recognition sequence and anchor, the one directory that changed, the new File Entry and
# data, and the new VAT. The same append to a UDF volume alone in an image file (type 1
# partition: a new volume after the last whose FIDs name the unchanged files' File
# Entries where they are; every directory is written again). Printed next to the same append as an ISO 9660 session (discburn
# on an emulated BD-R, with and without --reuse-directories) and xorriso's (on an image
# file; xorriso cannot drive the emulator). Goal: the UDF append <= 512 sectors. Then
# udfinfo reads the dumped disc (file count from the VAT header, the VAT at the last
# block) and discburn lists the appended session. (kernel-read lists 55,000 entries over
# a serial console in more than 6 minutes: tests/udf_multisession.rs checks the kernel.)
#
# Usage: bench/append-udf.sh   (env: BENCH_DIR=/tmp/discburn-bench, DISCBURN=binary)
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

# The same source as bench/append-incremental.sh.
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
echo "one more file" >"$dir/incr-one.txt"
dest=/top17/dir1742/added.txt
work=$(mktemp -d "$dir/udf.XXXXXX")
trap 'rm -rf "$work"' EXIT

# "session N at LBA S: B blocks written; ..." -> B
written() { sed -n 's/^session [0-9]* at LBA [0-9]*: \([0-9]*\) blocks written.*/\1/p'; }

echo "== session 1: UDF 2.01 (VAT) and ISO 9660 on emulated BD-Rs" >&2
"$DISCBURN" disc create --media bd-r "$work/udf.bd" >/dev/null
"$DISCBURN" burn --drive "$work/udf.bd" --fs udf --udf-revision 2.01 "$tree=/" >/dev/null
"$DISCBURN" disc create --media bd-r "$work/iso.bd" >/dev/null
"$DISCBURN" burn --drive "$work/iso.bd" "$tree=/" >/dev/null
"$DISCBURN" disc create --media bd-r "$work/isor.bd" >/dev/null
"$DISCBURN" burn --drive "$work/isor.bd" "$tree=/" >/dev/null
"$DISCBURN" burn --drive "$work/x.iso" "$tree=/" >/dev/null
"$DISCBURN" burn --drive "$work/udf.img1" --fs udf --udf-revision 2.01 "$tree=/" >/dev/null
size() { echo $(($(stat -c %s "$1") / 2048)); }
xb=$(size "$work/x.iso")

echo "== appending one file" >&2
u=$("$DISCBURN" burn --drive "$work/udf.bd" --fs udf --udf-revision 2.01 "$dir/incr-one.txt=$dest" | written)
i=$("$DISCBURN" burn --drive "$work/iso.bd" --reuse-directories=never "$dir/incr-one.txt=$dest" | written)
r=$("$DISCBURN" burn --drive "$work/isor.bd" "$dir/incr-one.txt=$dest" | written)
f=$("$DISCBURN" burn --drive "$work/udf.img1" "$dir/incr-one.txt=$dest" | written)
xorriso -abort_on FAILURE -dev "$work/x.iso" -joliet on -map "$dir/incr-one.txt" "$dest" -commit >/dev/null 2>&1
x=$(($(size "$work/x.iso") - xb))

printf '%-56s %10s\n' "append 1 file to 50,000 files / 5,000 dirs" "sectors"
printf '%-56s %10d\n' "discburn burn --fs udf (VAT session, BD-R)" "$u"
printf '%-56s %10d\n' "discburn burn (UDF alone, image file: new volume)" "$f"
printf '%-56s %10d\n' "discburn burn --reuse-directories=never (ISO 9660)" "$i"
printf '%-56s %10d\n' "discburn burn (ISO 9660, default: unchanged dirs kept)" "$r"
printf '%-56s %10d\n' "xorriso -joliet on -map -commit (image file)" "$x"
awk -v u="$u" -v i="$i" -v x="$x" 'BEGIN {
    printf "UDF VAT append: %d sectors (goal <= 512: %s)\n", u, (u <= 512) ? "met" : "NOT met";
    printf "ratio discburn(UDF VAT)/discburn(ISO): %.4f\n", u / i;
    printf "ratio discburn(UDF VAT)/xorriso: %.4f\n", u / x }'

"$DISCBURN" dump --drive "$work/udf.bd" -o "$work/udf.img" >/dev/null
want=$(find "$tree" -type f | wc -l)
echo "udfinfo after the append (want numfiles=$((want + 1)), vatblock = last block $(( $(size "$work/udf.img") - 1 ))):"
udfinfo "$work/udf.img" 2>&1 | grep -E '^(numfiles|numdirs|vatblock|udfwriterev)='
echo "discburn ls of the appended session: $("$DISCBURN" ls --drive "$work/udf.bd" | grep -c '^-') files"
