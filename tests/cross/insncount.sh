#!/bin/sh
# insncount.sh [N]   (make cross-insn; not part of make test)
#
# Instructions per byte of ws's masking and UTF-8 loops, counted by qemu
# (-singlestep: one guest instruction per translation block; -d
# nochain,exec logs every block executed), for the arm64 generic Go paths
# against amd64's assembly (qemu-x86_64 -cpu max, so the AVX2 paths run) and
# amd64's generic paths (-tags purego). Counts, not times: emulator timings
# say nothing of real hardware, but the number of guest instructions is
# the program's own. Each figure is (count with 8 passes - count with 0
# passes) / (8 * N); N defaults to 65536.
set -eu
N=${1:-65536}
REPS=8
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
GO=${GO:-go}
sh "$top/scripts/need.sh" qemu-aarch64 qemu-user
sh "$top/scripts/need.sh" qemu-x86_64 qemu-user
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top"
CGO_ENABLED=0 GOARCH=arm64 $GO build -o "$tmp/arm64" ./tests/cross/insncount
CGO_ENABLED=0 GOARCH=amd64 $GO build -o "$tmp/amd64" ./tests/cross/insncount
CGO_ENABLED=0 GOARCH=amd64 $GO build -tags purego -o "$tmp/amd64-generic" ./tests/cross/insncount

count() { # QEMU BINARY LOOP REPS
	GOGC=off GOMAXPROCS=1 $1 -singlestep -d nochain,exec -D /dev/fd/3 "$2" "$3" "$N" "$4" 3>&1 >/dev/null |
		grep -c '^Trace'
}
per_byte() { # QEMU BINARY LOOP
	a=$(count "$1" "$2" "$3" 0)
	b=$(count "$1" "$2" "$3" $REPS)
	awk -v a="$a" -v b="$b" -v n="$N" -v r="$REPS" 'BEGIN { printf "%.3f", (b - a) / (n * r) }'
}
echo "instructions per byte, N=$N, $REPS passes (qemu $(qemu-aarch64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'))"
printf '%-34s %10s %10s %10s %8s\n' loop "arm64" "amd64 asm" "amd64 gen" "arm64/asm"
for loop in mask utf8 utf8-ascii; do
	a=$(per_byte qemu-aarch64 "$tmp/arm64" $loop)
	x=$(per_byte "qemu-x86_64 -cpu max" "$tmp/amd64" $loop)
	g=$(per_byte qemu-x86_64 "$tmp/amd64-generic" $loop)
	case $loop in
	mask) what="mask (MaskCopy, unaligned)" ;;
	utf8) what="UTF-8 (ValidUTF8, é€ per 64 B)" ;;
	utf8-ascii) what="UTF-8 (ValidUTF8, ASCII)" ;;
	esac
	printf '%-34s %10s %10s %10s %8s\n' "$what" "$a" "$x" "$g" "$(awk -v a="$a" -v x="$x" 'BEGIN { printf "%.1fx", a / x }')"
done
