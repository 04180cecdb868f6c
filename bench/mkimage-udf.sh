#!/usr/bin/env bash
# Benchmark: UDF mastering cost. On one real tree (the bench tree of bench/mkimage.sh:
# >= 50,000 files, >= 1 GB grafted from /usr/share/doc, the Python and Rust libraries,
# more of /usr), with a warm page cache, time
#   discburn mkimage --fs iso9660,joliet,rockridge            (the reference)
#   discburn mkimage --fs udf --udf-revision 2.01             (UDF only)
#   discburn mkimage --fs udf --udf-revision 2.50             (UDF only, metadata partition)
#   discburn mkimage --fs iso9660,joliet,rockridge,udf --udf-revision 2.50   (bridge)
# and print the wall time, peak RSS and image size of each and each one's time as a
# ratio of the reference (goal: <= 1.15). After one untimed warm-up round the variants
# take turns for RUNS rounds (default 3), the one starting a round rotating; medians are
# reported. Images go to OUT_DIR (deleted after each run).
#
# Usage: bench/mkimage-udf.sh   (env: RUNS=3, OUT_DIR=bench/out, MIN_FILES, MIN_BYTES,
#                               DISCBURN=path to use a given binary instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
OUT_DIR=${OUT_DIR:-bench/out}
MIN_FILES=${MIN_FILES:-50000}
MIN_BYTES=${MIN_BYTES:-1000000000}
mkdir -p "$OUT_DIR"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
command -v udfinfo >/dev/null || { echo "bench: udfinfo missing (apt-get install udftools)" >&2; exit 1; }

# shellcheck source=bench/common.sh
. bench/common.sh
bench_discburn
bench_tree
grafts=("${grafts_discburn[@]}")

declare -A FS=(
    [iso]="--fs iso9660,joliet,rockridge"
    [udf201]="--fs udf --udf-revision 2.01"
    [udf250]="--fs udf --udf-revision 2.50"
    [bridge]="--fs iso9660,joliet,rockridge,udf --udf-revision 2.50"
)
variants=(iso udf201 udf250 bridge)
declare -A WALLS RSSS SIZE
once() {
    local name=$1 round=$2 img="$OUT_DIR/udfbench-$1.img" log="$OUT_DIR/udfbench-$1.time"
    rm -f "$img"
    # shellcheck disable=SC2086
    if ! /usr/bin/time -v -o "$log" "$DISCBURN" mkimage -o "$img" ${FS[$name]} "${grafts[@]}" \
        >"$OUT_DIR/udfbench-$name.out" 2>&1; then
        echo "bench: $name failed:" >&2
        tail -5 "$OUT_DIR/udfbench-$name.out" >&2
        exit 1
    fi
    if [ "$round" = 0 ] && [ "$name" != iso ]; then
        # Sanity: udfinfo reads the volume and counts every file.
        udfinfo "$img" | grep -E '^(udfrev|udfwriterev|numfiles|numdirs|integrity)=' | tr '\n' ' ' >&2
        echo "($name)" >&2
    fi
    local wall rss
    wall=$(time_wall "$log")
    rss=$(time_rss "$log")
    WALLS[$name]+="$wall "
    RSSS[$name]+="$rss "
    SIZE[$name]=$(stat -c %s "$img")
    printf '   round %d  %-8s %6.2f s  %7d KiB  (%s bytes)\n' "$round" "$name" "$wall" "$rss" "${SIZE[$name]}" >&2
    rm -f "$img"
}

echo "== warm-up round (not measured)" >&2
for v in "${variants[@]}"; do once "$v" 0; done
unset WALLS RSSS
declare -A WALLS RSSS
echo "== $RUNS rounds" >&2
for ((round = 1; round <= RUNS; round++)); do
    for ((j = 0; j < ${#variants[@]}; j++)); do
        once "${variants[$(((round - 1 + j) % ${#variants[@]}))]}" "$round"
    done
done

echo
printf 'tree: %d files, %d dirs, %d symlinks, %d bytes; median of %d interleaved rounds, warm cache\n' \
    "$files" "$dirs" "$links" "$bytes" "$RUNS"
printf '%-8s %-55s %8s %12s %14s %10s\n' variant options wall_s peak_RSS_MiB image_bytes "x iso"
ref=$(median "${WALLS[iso]}")
for v in "${variants[@]}"; do
    w=$(median "${WALLS[$v]}")
    r=$(median "${RSSS[$v]}")
    awk -v v="$v" -v o="${FS[$v]}" -v w="$w" -v r="$r" -v s="${SIZE[$v]}" -v ref="$ref" \
        'BEGIN { printf "%-8s %-55s %8.2f %12.1f %14d %10.2f\n", v, o, w, r / 1024, s, w / ref }'
done
