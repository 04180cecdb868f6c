#!/usr/bin/env bash
# Benchmark (issue 5): append a ~200 MB / 5,000-file session to an image file that already
# holds a >= 50k-file session, with discburn (`discburn burn --drive IMG`) and with xorriso
# (`xorriso -dev IMG -map NEW /new -commit`), both starting from byte-identical copies of the
# same base image (made by xorriso, first session at LBA 32 with its 64 KiB head), and print
# wall time, peak RSS (/usr/bin/time -v), blocks written, and the ratios. Both tools fsync.
# The loading half of the issue's benchmark is bench/load.sh.
#
# Usage: bench/append.sh   (env: RUNS=3, BENCH_DIR=/tmp/discburn-bench, DISCBURN=binary)
# Target: append <= 0.5 s (xorriso ~3 s on the peers.md machine).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/discburn-bench}
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
command -v xorriso >/dev/null || { echo "bench: xorriso missing (apt-get install xorriso)" >&2; exit 1; }

if [ -z "${DISCBURN:-}" ]; then
    cargo build -q --release --locked -p discburn-cli
    DISCBURN="${CARGO_TARGET_DIR:-target}/release/discburn"
fi

base=$dir/append-base.iso
if [ ! -s "$base" ]; then
    echo "== building the base: 56,000 files in 5,600 directories (xorriso, session at 32)" >&2
    rm -rf "$dir/base-tree"
    python3 - "$dir/base-tree" <<'PY'
import os, sys, random
root = sys.argv[1]; rnd = random.Random(50_000)
for d in range(5600):
    p = os.path.join(root, f"d{d // 100:03d}", f"sub{d:05d}")
    os.makedirs(p, exist_ok=True)
    for f in range(10):
        with open(os.path.join(p, f"file_{f:02d}_{rnd.randrange(10**6):06d}.txt"), "wb") as fh:
            fh.write(rnd.randbytes(rnd.randrange(0, 4096)))
PY
    xorriso -abort_on FAILURE -dev "$base" -map "$dir/base-tree" / -commit >/dev/null 2>&1
    rm -rf "$dir/base-tree"
fi
new=$dir/append-new
if [ ! -d "$new" ]; then
    echo "== building the new session's source: 5,000 files, ~200 MB" >&2
    python3 - "$new" <<'PY'
import os, sys, random
root = sys.argv[1]; rnd = random.Random(5_000)
for i in range(5000):
    p = os.path.join(root, f"batch{i // 250:02d}")
    os.makedirs(p, exist_ok=True)
    with open(os.path.join(p, f"new_{i:05d}.bin"), "wb") as fh:
        fh.write(rnd.randbytes(40_000))
PY
fi
cat "$new"/*/* >/dev/null  # warm cache

# One timed run: prints "wall_seconds peak_rss_kib"
timed() {
    local out t m
    out=$(/usr/bin/time -v "$@" 2>&1 >/dev/null) || { echo "bench: failed: $*" >&2; echo "$out" | tail -5 >&2; exit 1; }
    t=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' <<<"$out")
    m=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out")
    echo "$t $m"
}
best() { sort -n | head -1; }

ours=() theirs=()
for _ in $(seq "$runs"); do
    cp --sparse=always "$base" "$dir/a.iso"
    ours+=("$(timed env SOURCE_DATE_EPOCH=1700000000 "$DISCBURN" burn --drive "$dir/a.iso" "$new=/new")")
    cp --sparse=always "$base" "$dir/b.iso"
    theirs+=("$(timed xorriso -abort_on FAILURE -dev "$dir/b.iso" -map "$new" /new -commit)")
done
read -r our_t our_m < <(printf '%s\n' "${ours[@]}" | best)
read -r xo_t xo_m < <(printf '%s\n' "${theirs[@]}" | best)
base_blocks=$(( $(stat -c %s "$base") / 2048 ))
our_blocks=$(( $(stat -c %s "$dir/a.iso") / 2048 - base_blocks ))
xo_blocks=$(( $(stat -c %s "$dir/b.iso") / 2048 - base_blocks ))
echo "sessions after append (xorriso -toc of discburn's image):"
xorriso -indev "$dir/a.iso" -toc 2>/dev/null | grep -E '^(ISO session|Media summary)' || true
printf '%-34s %8s %12s %14s\n' "append 5,000 files / 200 MB" "wall s" "peak RSS" "blocks added"
printf '%-34s %8s %8d KiB %14d\n' "discburn burn --drive IMG" "$our_t" "$our_m" "$our_blocks"
printf '%-34s %8s %8d KiB %14d\n' "xorriso -dev IMG -map -commit" "$xo_t" "$xo_m" "$xo_blocks"
awk -v a="$our_t" -v b="$xo_t" -v c="$our_m" -v d="$xo_m" \
    'BEGIN { printf "ratio discburn/xorriso: time %.2f, RSS %.2f\n", (b > 0 ? a / b : 0), c / d;
             printf "target (append <= 0.5 s): %s\n", (a <= 0.5) ? "met" : "NOT met" }'
rm -f "$dir/a.iso" "$dir/b.iso"
