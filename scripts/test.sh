#!/usr/bin/env bash
# The whole test suite. Installs the independent oracle tools the tests read our images
# with (xorriso, genisoimage/isoinfo, iso-info, bsdtar, 7-Zip, udftools, pycdlib; e2fsprogs
# makes a foreign target; isolinux, syslinux-common and grub-rescue-pc are booted in QEMU)
# when they are missing, then runs formatting and lint checks and every test. No test is
# skipped for a missing tool: a missing tool is installed here or the suite fails.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have xorriso || missing+=(xorriso)
have genisoimage || missing+=(genisoimage)
have isoinfo || missing+=(genisoimage)
have iso-info || missing+=(libcdio-utils)
have bsdtar || missing+=(libarchive-tools)
have 7zz || missing+=(7zip)
have udfinfo || missing+=(udftools)
have python3 || missing+=(python3 python3-pip)
have setpriv || missing+=(util-linux) # runs discburn as nobody in a root-run test
have mkfs.ext4 || PATH="$PATH:/usr/sbin:/sbin" have mkfs.ext4 || missing+=(e2fsprogs) # a foreign target
# Boot loaders the El Torito tests boot in QEMU/SeaBIOS (crates/cli/tests/el_torito.rs).
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || missing+=(isolinux)
[ -f /usr/lib/syslinux/modules/bios/ldlinux.c32 ] || missing+=(syslinux-common)
[ -f /usr/lib/grub-rescue/grub-rescue-cdrom.iso ] || missing+=(grub-rescue-pc)
if ((${#missing[@]})); then
    echo "test.sh: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import pycdlib' 2>/dev/null; then
    echo "test.sh: installing pycdlib" >&2
    python3 -m pip install -q pycdlib 2>/dev/null || python3 -m pip install -q --break-system-packages pycdlib
fi

# The Linux kernel's isofs/udf drivers in a small VM (shared/tools/kernel-read, beside
# the repository) are an oracle too; set it up once here rather than from parallel tests.
KREAD="$(cd .. && pwd)/shared/tools/kernel-read/kernel-read.sh"
[ -x "$KREAD" ] || KREAD=/work/shared/tools/kernel-read/kernel-read.sh
if [ -x "$KREAD" ]; then
    bash "$KREAD" --setup >/dev/null
else
    echo "test.sh: shared/tools/kernel-read not found beside the repository; kernel tests will fail" >&2
fi
# The same kernel's SCSI target modules for scripts/kernel-drive.sh (crates/cli/tests/kernel_drive.rs).
bash scripts/kernel-drive.sh --setup

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The recorder without its `emu` and `sgio` features: image files and block devices only.
cargo build -p discburn-recorder --no-default-features --locked
cargo clippy -p discburn-recorder --no-default-features --all-targets --locked -- -D warnings
cargo test -p discburn-recorder --no-default-features --locked
# The public docs of the library crates (what a docs.rs reader sees) build without
# warnings: no broken links.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p discburn -p discburn-format \
    -p discburn-reader -p discburn-image -p discburn-mmc -p discburn-sgio -p discburn-emu \
    -p discburn-recorder -p discburn-writer -p discburn-tcmu
cargo test --workspace --locked
