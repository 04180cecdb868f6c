#!/usr/bin/env bash
# Loads one session of >= 70k nodes with discburn's reader (crates/reader/examples/isols,
# Rock Ridge tree, release build) and with `xorriso -indev IMG -toc` (which loads the
# Rock Ridge tree too), and prints wall time, peak RSS (/usr/bin/time -v) and the ratios.
# Issue 5 target: <= 0.1 s and <= 32 MiB; xorriso needs about 0.29 s / 45 MiB (peers.md §0).
#
# Usage: bench/load.sh [IMAGE]   (without IMAGE, a 70k-node image is built once in
# $BENCH_DIR, default /tmp/discburn-bench: 6,400 directories, 64,000 small files with
# 20-40 character names, 600 symlinks; xorriso -as mkisofs -R -J).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
img=${1:-}
if [ -z "$img" ]; then
    dir=${BENCH_DIR:-/tmp/discburn-bench}
    img=$dir/load70k.iso
    if [ ! -s "$img" ]; then
        mkdir -p "$dir"
        rm -rf "$dir/tree"
        python3 - "$dir/tree" <<'PY'
import os, sys, random
root = sys.argv[1]
rnd = random.Random(70_000)
words = ["alpha", "beta", "gamma", "delta", "module", "config", "share", "lib", "doc",
         "python", "locale", "data", "index", "readme", "changelog", "test", "util"]
def name(i):
    n = "_".join(rnd.choice(words) for _ in range(rnd.randint(2, 4)))
    return f"{n}_{i:05d}"[:40]
dirs = [root]
os.makedirs(root)
for d in range(6400):
    parent = dirs[rnd.randrange(len(dirs))] if d > 50 else root
    if parent.count("/") - root.count("/") > 12:
        parent = root
    p = os.path.join(parent, name(d))
    os.makedirs(p)
    dirs.append(p)
for f in range(64000):
    p = os.path.join(dirs[rnd.randrange(len(dirs))], name(f) + rnd.choice([".txt", ".py", ".html", ".gz", ""]))
    with open(p, "wb") as fh:
        fh.write(os.urandom(rnd.randrange(0, 64)))
for s in range(600):
    p = os.path.join(dirs[rnd.randrange(len(dirs))], f"link_{s:04d}")
    os.symlink("../" + name(s), p)
PY
        xorriso -as mkisofs -quiet -R -J -joliet-long -o "$img" "$dir/tree" 2>/dev/null
        rm -rf "$dir/tree"
    fi
fi
cargo build -q --release -p discburn-reader --example isols
ours=${CARGO_TARGET_DIR:-target}/release/examples/isols
echo "image: $img ($(du -h --apparent-size "$img" | cut -f1))"
"$ours" "$img" --count

# best wall time (s) and its peak RSS (KiB) over $runs runs
measure() {
    local best_t="" best_m=""
    for _ in $(seq "$runs"); do
        local out
        out=$(/usr/bin/time -v "$@" 2>&1 >/dev/null)
        local t m
        t=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' <<<"$out")
        m=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out")
        if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN{exit !(a<b)}'; then
            best_t=$t best_m=$m
        fi
    done
    echo "$best_t $best_m"
}
read -r our_t our_m < <(measure "$ours" "$img" --count)
read -r xo_t xo_m < <(measure xorriso -indev "$img" -toc)
printf '%-28s %8s %10s\n' "loader" "wall s" "peak RSS"
printf '%-28s %8s %7d KiB\n' "discburn reader (RR tree)" "$our_t" "$our_m"
printf '%-28s %8s %7d KiB\n' "xorriso -indev -toc" "$xo_t" "$xo_m"
awk -v a="$our_t" -v b="$xo_t" -v c="$our_m" -v d="$xo_m" \
    'BEGIN { printf "ratio discburn/xorriso: time %.2f, RSS %.2f\n", (b > 0 ? a / b : 0), c / d;
             printf "target (<= 0.1 s, <= 32 MiB): %s\n", (a <= 0.1 && c <= 32768) ? "met" : "NOT met" }'
