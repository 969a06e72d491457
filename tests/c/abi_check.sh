#!/bin/sh
# abi_check.sh LIB HEADER [SOURCE...]
#
# Checks the ABI of libws.so against ws.h:
#  - every function declared in HEADER is exported by LIB (a defined text
#    symbol, versioned LIBWS_1), and LIB exports nothing else except the
#    version node LIBWS_1 itself;
#  - the SONAME is libws.so.1 and the NODELETE flag is set (a Go runtime
#    cannot be unloaded).
#  - with SOURCE files: every declared function is called in at least one
#    of them (keeps test_api.c complete when ws.h grows).
#
# The header is parsed twice, independently — by the compiler (gcc
# -aux-info lists each prototype it saw, whatever its layout) and by a
# text scan that strips comments and preprocessor lines and reads
# declarations across line breaks — and the two lists must agree.
set -u
LIB=${1:?usage: abi_check.sh LIB HEADER [SOURCE...]}
HEADER=${2:?usage: abi_check.sh LIB HEADER [SOURCE...]}
shift 2
CC=${CC:-cc}
fail=0
bad() { echo "abi_check: FAIL: $*" >&2; fail=1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

for tool in nm readelf "$CC"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "abi_check: '$tool' is required (Debian: binutils, gcc)" >&2; exit 1; }
done
[ -f "$LIB" ] || { echo "abi_check: no library at $LIB (build it: make -C ../.. lib)" >&2; exit 1; }

# 1a. The compiler's view.
hdir=$(cd "$(dirname "$HEADER")" && pwd)
hname=$(basename "$HEADER")
printf '#include "%s"\n' "$hname" > "$tmp/h.c"
if ! "$CC" -I"$hdir" -aux-info "$tmp/aux" -fsyntax-only "$tmp/h.c" 2>"$tmp/cc.err"; then
	cat "$tmp/cc.err" >&2
	bad "the header does not compile"
	exit 1
fi
grep -F "$hdir/$hname:" "$tmp/aux" |
	sed -n 's/^.*\*\/ *extern [^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\) *(.*/\1/p' | sort -u > "$tmp/decl.cc"

# 1b. A text scan: drop comments (block and line) and preprocessor lines
# (with continuations), join everything, split into statements at ';',
# '{' and '}', and keep "type name(...)" statements that are not typedefs.
awk '
BEGIN { inblock = 0; incont = 0; text = "" }
{
	line = $0
	if (incont) { incont = (line ~ /\\$/); next }
	out = ""
	while (length(line) > 0) {
		if (inblock) {
			i = index(line, "*/")
			if (i == 0) { line = ""; break }
			line = substr(line, i + 2); inblock = 0
		} else {
			i = index(line, "/*"); j = index(line, "//")
			if (j > 0 && (i == 0 || j < i)) { out = out substr(line, 1, j - 1); line = ""; break }
			if (i == 0) { out = out line; line = ""; break }
			out = out substr(line, 1, i - 1) " "; line = substr(line, i + 2); inblock = 1
		}
	}
	if (out ~ /^[ \t]*#/) { incont = (out ~ /\\$/); next }
	text = text " " out
}
END {
	gsub(/[{}]/, ";", text)
	n = split(text, st, ";")
	for (k = 1; k <= n; k++) {
		s = st[k]
		gsub(/[ \t]+/, " ", s)
		if (s ~ /^ ?typedef / || s ~ /^ ?extern "C" ?$/) continue
		if (match(s, /[A-Za-z_][A-Za-z0-9_]* ?\(/)) {
			name = substr(s, RSTART, RLENGTH)
			sub(/ ?\($/, "", name)
			pre = substr(s, 1, RSTART - 1)
			if (pre ~ /[A-Za-z_]/ && s !~ /=/) print name
		}
	}
}' "$HEADER" | sort -u > "$tmp/decl.txt"

if ! cmp -s "$tmp/decl.cc" "$tmp/decl.txt"; then
	bad "the compiler and the text scan disagree on the functions of $HEADER:"
	diff "$tmp/decl.cc" "$tmp/decl.txt" >&2
fi
ndecl=$(wc -l < "$tmp/decl.cc")
[ "$ndecl" -gt 0 ] || bad "no function declarations found in $HEADER"

# 2. Exported symbols: functions, versioned LIBWS_1; nothing else but the
# version node.
nm -D --defined-only "$LIB" > "$tmp/nm" || bad "nm failed on $LIB"
awk '$2 == "A" && $3 == "LIBWS_1" { next } { print }' "$tmp/nm" > "$tmp/exported"
awk '{ print $3 }' "$tmp/exported" | sed 's/@.*//' | sort -u > "$tmp/names"
grep -q ' A LIBWS_1$' "$tmp/nm" || bad "the version node LIBWS_1 is not defined"
missing=$(comm -23 "$tmp/decl.cc" "$tmp/names")
extra=$(comm -13 "$tmp/decl.cc" "$tmp/names")
[ -z "$missing" ] || bad "declared in ws.h but not exported: $(echo $missing)"
[ -z "$extra" ] || bad "exported but not declared in ws.h: $(echo $extra)"
notext=$(awk '$2 != "T" { print $3 }' "$tmp/exported")
[ -z "$notext" ] || bad "exported symbols that are not functions: $(echo $notext)"
unversioned=$(awk '$3 !~ /@@LIBWS_1$/ { print $3 }' "$tmp/exported")
[ -z "$unversioned" ] || bad "exported without the LIBWS_1 version: $(echo $unversioned)"

# 3. SONAME and NODELETE.
readelf -d "$LIB" > "$tmp/dyn" || bad "readelf failed on $LIB"
grep -q '(SONAME).*\[libws\.so\.1\]' "$tmp/dyn" || bad "SONAME is not libws.so.1: $(grep SONAME "$tmp/dyn")"
grep -q '(FLAGS_1).*NODELETE' "$tmp/dyn" || bad "the NODELETE flag (DF_1_NODELETE) is not set"

# 4. Optional: every function is called by the given sources.
if [ $# -gt 0 ]; then
	for f in $(cat "$tmp/decl.cc"); do
		grep -q "\\b$f *(" "$@" || bad "$f is declared in ws.h but never called in $*"
	done
fi

if [ $fail -eq 0 ]; then
	echo "abi_check: ok: $ndecl functions declared in $(basename "$HEADER") = exported by $(basename "$LIB") (+ version node LIBWS_1, all @@LIBWS_1); SONAME libws.so.1; NODELETE${1:+; all called in $*}"
fi
exit $fail
