#!/usr/bin/env bash
# Times `discburn verify` (full: every block against the session MD5, every file against
# its own MD5; release build) against `md5sum` over the same image, warm cache, and
# prints both side by side with the ratio. Issue 11 goal: verify <= 1.2 x md5sum.
#
# Usage: bench/verify.sh [IMAGE]   (without IMAGE, a >= 1 GB image with MD5 checksums is
# built once in $BENCH_DIR, default /tmp/discburn-bench: 8 files of 64-200 MiB and 2,000
# small ones, written by `discburn mkimage --md5`). RUNS (default 5) rounds, interleaved;
# the median of each is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
cargo build -q --release -p discburn-cli
bin=target/release/discburn
img=${1:-}
if [ -z "$img" ]; then
    dir=${BENCH_DIR:-/tmp/discburn-bench}
    img=$dir/verify1g.iso
    if [ ! -s "$img" ]; then
        mkdir -p "$dir/verify-tree/small"
        for i in 1 2 3 4 5 6 7 8; do
            mb=$((64 + i * 17))
            head -c $((mb << 20)) /dev/urandom >"$dir/verify-tree/big$i.bin"
        done
        for i in $(seq 1 2000); do
            head -c $((i * 37 % 9000 + 1)) /dev/urandom >"$dir/verify-tree/small/f$i"
        done
        SOURCE_DATE_EPOCH=1700000000 "$bin" mkimage --md5 -o "$img" "$dir/verify-tree"
    fi
fi
size=$(stat -c %s "$img")
echo "image: $img ($((size >> 20)) MiB)"
cat "$img" >/dev/null # warm the cache
t_verify=()
t_md5=()
now() { date +%s.%N; }
for _ in $(seq 1 "$runs"); do
    a=$(now); "$bin" verify --drive "$img" >/dev/null; b=$(now)
    t_verify+=("$(echo "$b - $a" | bc)")
    a=$(now); md5sum "$img" >/dev/null; b=$(now)
    t_md5+=("$(echo "$b - $a" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mv=$(median "${t_verify[@]}")
mm=$(median "${t_md5[@]}")
mbs() { echo "scale=0; $size / 1048576 / $1" | bc; }
printf '%-22s %8s %10s %8s\n' tool seconds MiB/s ratio
printf '%-22s %8.2f %10s %8.2f\n' "discburn verify" "$mv" "$(mbs "$mv")" "$(echo "$mv / $mm" | bc -l)"
printf '%-22s %8.2f %10s %8.2f\n' "md5sum" "$mm" "$(mbs "$mm")" 1
