# Shared by the benchmark scripts that master the bench tree (bench/mkimage.sh,
# bench/mkimage-udf.sh). Source it after `cd` to the repository root and after setting
# RUNS, OUT_DIR, MIN_FILES and MIN_BYTES.

# bench_discburn: builds discburn (release) unless DISCBURN names a binary; sets DISCBURN.
bench_discburn() {
    if [ -z "${DISCBURN:-}" ]; then
        echo "== building discburn (release)" >&2
        cargo build --release --locked -p discburn-cli >&2
        DISCBURN="${CARGO_TARGET_DIR:-target}/release/discburn"
    fi
    [ -x "$DISCBURN" ] || { echo "bench: $DISCBURN not built" >&2; exit 1; }
}

# bench_tree: the bench tree, grafted from real directories (nothing is copied):
# /usr/share/doc, the system Python libraries, a Python's lib and the Rust toolchain's
# lib, then more of /usr until MIN_FILES files and MIN_BYTES bytes are reached. Sets
# grafts_mkisofs (DEST=SRC), grafts_discburn (SRC=DEST), srcs, files, bytes, dirs,
# links; exits when the tree is too small; reads every file once to warm the cache.
bench_tree() {
    local rust_lib candidates d real n b dest
    rust_lib="$(rustc --print sysroot 2>/dev/null)/lib"
    candidates=(
        /usr/share/doc
        /usr/lib/python3
        /usr/lib/python3.11
        /usr/lib/python3.12
        "$(python3 -c 'import sys; print(sys.base_prefix)' 2>/dev/null)/lib"
        "$rust_lib"
        /usr/share/locale
        /usr/share/perl
        /usr/lib/gcc
        /usr/share/i18n
        /usr/lib/x86_64-linux-gnu
    )
    grafts_mkisofs=()
    grafts_discburn=()
    srcs=()
    files=0
    bytes=0
    declare -A seen=()
    for d in "${candidates[@]}"; do
        [ -d "$d" ] || continue
        real=$(readlink -f "$d")
        [ -n "${seen[$real]:-}" ] && continue
        seen[$real]=1
        if ((files >= MIN_FILES && bytes >= MIN_BYTES)); then break; fi
        n=$(find "$real" -type f | wc -l)
        b=$(find "$real" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
        dest="/$(echo "${d#/}" | tr '/' '_')"
        grafts_mkisofs+=("$dest=$real")
        grafts_discburn+=("$real=$dest")
        srcs+=("$real")
        files=$((files + n))
        bytes=$((bytes + b))
        printf '   %-60s %7d files %12d bytes\n' "$real -> $dest" "$n" "$b" >&2
    done
    dirs=$(find "${srcs[@]}" -type d | wc -l)
    links=$(find "${srcs[@]}" -type l | wc -l)
    echo "== tree: $files files, $dirs dirs, $links symlinks, $bytes bytes" >&2
    if ((files < MIN_FILES || bytes < MIN_BYTES)); then
        echo "bench: tree too small ($files files, $bytes bytes; need $MIN_FILES / $MIN_BYTES)" >&2
        exit 1
    fi
    echo "== warm-up read of every file" >&2
    find "${srcs[@]}" -type f -print0 | xargs -0 cat >/dev/null
}

# time_wall LOG / time_rss LOG: wall seconds and peak RSS (KiB) from /usr/bin/time -v.
time_wall() {
    awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1" |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }'
}
time_rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

# median "V1 V2 ...": the median of the values.
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
