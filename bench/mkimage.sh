#!/usr/bin/env bash
# Benchmark: master one real tree (>= 50,000 files, >= 1 GB) with
#   discburn mkimage (release build; MD5 checksums, the default, and --no-md5),
#   xorriso -as mkisofs -R -J (and with --md5), genisoimage -R -J
# on a warm page cache, and print wall time, MB/s (file bytes / wall), peak RSS
# (/usr/bin/time -v) of each, and discburn's ratios against the others.
#
# The tree is grafted from real directories (nothing is copied): /usr/share/doc, the
# system Python libraries, a pyenv Python's lib and the Rust toolchain's lib, then more
# of /usr until the size is reached. After one untimed warm-up round, the tools take
# turns for RUNS rounds (default 3); the median is reported. Images go to bench/out/
# (deleted after each run).
#
# Usage: bench/mkimage.sh   (env: RUNS=3, OUT_DIR=bench/out, MIN_FILES, MIN_BYTES, and
#                           DISCBURN=path to use a given binary instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
OUT_DIR=${OUT_DIR:-bench/out}
MIN_FILES=${MIN_FILES:-50000}
MIN_BYTES=${MIN_BYTES:-1000000000}
mkdir -p "$OUT_DIR"

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 missing (apt-get install $2)" >&2; exit 1; }; }
need xorriso xorriso
need genisoimage genisoimage
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=bench/common.sh
. bench/common.sh
bench_discburn
bench_tree

# once NAME ROUND CMD... : one run under /usr/bin/time -v; records wall and max RSS.
declare -A WALLS RSSS
once() {
    local name=$1 round=$2
    shift 2
    rm -f "$OUT_DIR/$name.iso"
    local log="$OUT_DIR/$name.time"
    if ! /usr/bin/time -v -o "$log" "$@" >"$OUT_DIR/$name.out" 2>&1; then
        echo "bench: $name failed:" >&2
        tail -5 "$OUT_DIR/$name.out" >&2
        exit 1
    fi
    local wall rss
    wall=$(time_wall "$log")
    rss=$(time_rss "$log")
    WALLS[$name]+="$wall "
    RSSS[$name]+="$rss "
    printf '   round %d  %-12s %6.2f s  %7d KiB  (%s bytes)\n' "$round" "$name" "$wall" "$rss" \
        "$(stat -c %s "$OUT_DIR/$name.iso")" >&2
}

# -joliet-long: plain -J refuses trees whose names collide after the 64-character cut.
gen_args=(-quiet -R -J -graft-points)
if ! genisoimage "${gen_args[@]}" -print-size "${grafts_mkisofs[@]}" >/dev/null 2>&1; then
    gen_args+=(-joliet-long)
    echo "   (genisoimage -J refused the tree; using -joliet-long)" >&2
fi

# The first image written in a run is slow on this VM whichever tool writes it (4.5 s
# for discburn against 0.9-1.3 s in later rounds; an image-sized `dd` beforehand did
# not help), so one untimed round of all the tools comes first. Then the tools take
# turns, and the one that starts a round rotates (discburn, xorriso,
# genisoimage; then xorriso, genisoimage, discburn; ...), so that load from elsewhere
# on the machine, and the first run after the warm-up, fall on all of them alike. Each
# image is deleted before the next run.
run_tool() {
    case $1 in
    discburn)
        once discburn "$2" "$DISCBURN" mkimage -o "$OUT_DIR/discburn.iso" "${grafts_discburn[@]}"
        if [ -z "${checked:-}" ]; then
            # Sanity: xorriso sees every file, directory and link of the tree (plus the
            # root, the graft directories and rr_moved, if directories were relocated).
            listed=$(xorriso -indev "$OUT_DIR/discburn.iso" -find / 2>/dev/null | wc -l || true)
            echo "   discburn image: xorriso -find lists $listed nodes (tree: $((files + dirs + links)) + root + ${#srcs[@]} graft dirs)" >&2
            checked=1
        fi
        rm -f "$OUT_DIR/discburn.iso"
        ;;
    discburn-no-md5)
        once discburn-no-md5 "$2" "$DISCBURN" mkimage --no-md5 -o "$OUT_DIR/discburn-no-md5.iso" "${grafts_discburn[@]}"
        rm -f "$OUT_DIR/discburn-no-md5.iso"
        ;;
    xorriso)
        once xorriso "$2" xorriso -as mkisofs -R -J -graft-points -o "$OUT_DIR/xorriso.iso" "${grafts_mkisofs[@]}"
        rm -f "$OUT_DIR/xorriso.iso"
        ;;
    xorriso-md5)
        once xorriso-md5 "$2" xorriso -as mkisofs -R -J --md5 -graft-points -o "$OUT_DIR/xorriso-md5.iso" "${grafts_mkisofs[@]}"
        rm -f "$OUT_DIR/xorriso-md5.iso"
        ;;
    genisoimage)
        once genisoimage "$2" genisoimage "${gen_args[@]}" -o "$OUT_DIR/genisoimage.iso" "${grafts_mkisofs[@]}"
        rm -f "$OUT_DIR/genisoimage.iso"
        ;;
    esac
}
tools=(discburn discburn-no-md5 xorriso xorriso-md5 genisoimage)
echo "== warm-up round (not measured)" >&2
for t in "${tools[@]}"; do run_tool "$t" 0; done
unset WALLS RSSS
declare -A WALLS RSSS
echo "== $RUNS rounds: discburn mkimage (MD5 checksums, the default; and --no-md5), xorriso -as mkisofs -R -J (and --md5), genisoimage -R -J" >&2
for ((round = 1; round <= RUNS; round++)); do
    for ((j = 0; j < ${#tools[@]}; j++)); do
        run_tool "${tools[$(((round - 1 + j) % ${#tools[@]}))]}" "$round"
    done
done
declare -A WALL RSS
for t in "${tools[@]}"; do
    WALL[$t]=$(median "${WALLS[$t]}")
    RSS[$t]=$(median "${RSSS[$t]}")
done

echo
printf 'tree: %d files, %d dirs, %d symlinks, %d bytes; median of %d interleaved rounds, warm cache\n' \
    "$files" "$dirs" "$links" "$bytes" "$RUNS"
printf '%-16s %9s %9s %12s\n' tool wall_s MB/s peak_RSS_MiB
for t in "${tools[@]}"; do
    awk -v t="$t" -v w="${WALL[$t]}" -v r="${RSS[$t]}" -v b="$bytes" \
        'BEGIN { printf "%-16s %9.2f %9.0f %12.1f\n", t, w, b / w / 1e6, r / 1024 }'
done
# Like for like: with checksums against xorriso --md5, without against the others.
for pair in "discburn xorriso-md5" "discburn-no-md5 genisoimage" "discburn-no-md5 xorriso" "discburn discburn-no-md5"; do
    set -- $pair
    awk -v d="$1" -v t="$2" -v wd="${WALL[$1]}" -v wt="${WALL[$2]}" -v rd="${RSS[$1]}" -v rt="${RSS[$2]}" \
        'BEGIN { printf "%-15s vs %-15s speed x%.2f   peak RSS x%.2f\n", d, t, wt / wd, rd / rt }'
done
