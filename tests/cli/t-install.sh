#!/usr/bin/env bash
# meson install (issue 17, point 3): `meson install --destdir` of the build
# under test puts the binary, every man page (sections 1, 5, 7, by
# suffix), the bash, zsh and fish completions and libspiral with its
# header and pkg-config file in their standard places; the pages render,
# the installed binary runs, a program builds against the installed
# library; spiral --version names the libraries and the storage format.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
# The build the binary under test comes from: BUILD/cmd/spiral.
build=${MESON_BUILD_ROOT:-$(cd "$(dirname "$SPIRAL")/.." && pwd)}
dest=$SANDBOX/dest

ok "meson install --destdir" meson install -C "$build" --no-rebuild --destdir "$dest" --quiet
bin=$(find "$dest" -path '*/bin/spiral' -type f | head -n 1)
prefix=${bin%/bin/spiral}
matches "the binary is installed under a prefix" "^$dest/.+/bin/spiral$" "$bin"
ok "it runs" "$bin" --version
same "its first line as before" "spiral 0.1.0 (storage format 1)" "$(printf '%s\n' "$OUT" | head -n 1)"

missing=
for page in "$src"/man/*.[157]; do
	name=${page##*/}
	section=${name##*.}
	installed=$prefix/share/man/man$section/$name
	if ! cmp -s "$page" "$installed"; then
		missing="$missing $name"
	elif [ -z "$(mandoc -Tutf8 "$installed" 2>/dev/null)" ]; then
		missing="$missing $name(does not render)"
	fi
done
same "every man page installed in its section, rendering" "" "$missing"
same "as many pages installed as there are" "$(ls "$src"/man/*.[157] | wc -l)" \
	"$(find "$prefix/share/man" -type f | wc -l)"
if command -v man >/dev/null; then
	ok "man -l renders the installed spiral(1)" man -l "$prefix/share/man/man1/spiral.1"
	matches "it is the page" "spiral" "$OUT"
	ok "man finds spiral-list in the installed tree" env MANPATH="$prefix/share/man" man -w spiral-list
	same "there" "$prefix/share/man/man1/spiral-list.1" "$OUT"
fi

for pair in "spiral.bash:bash-completion/completions/spiral" \
	"_spiral:zsh/vendor-completions/_spiral" \
	"spiral.fish:fish/vendor_completions.d/spiral.fish"; do
	if cmp -s "$src/completions/${pair%%:*}" "$prefix/share/${pair#*:}"; then
		pass "completion ${pair#*:}"
	else
		fail "completion ${pair#*:} is not installed"
	fi
done
# The installed bash completion with the installed binary.
new_repo
spiral new "Year 9 writing" -q >/dev/null
OUT=$(PATH="$prefix/bin:$PATH" bash --norc -c '. "$1"; COMP_WORDS=(spiral list --ph); COMP_CWORD=2
	_spiral; printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/spiral")
same "the installed completion and binary work together" "--phase" "$OUT"

# libspiral: header, library, pkg-config file.
pc=$(find "$dest" -name libspiral.pc | head -n 1)
[ -n "$pc" ] && pass "libspiral.pc installed" || fail "no libspiral.pc"
[ -f "$prefix/include/spiral.h" ] && pass "spiral.h installed" || fail "no spiral.h"
cat >"$SANDBOX/prog.c" <<'C'
#include <stdio.h>
#include <spiral.h>
int main(void)
{
	printf("%s %s\n", SPIRAL_VERSION, spiral_phase_get(SPIRAL_CHECK)->name);
	return 0;
}
C
export PKG_CONFIG_PATH=${pc%/*}
flags=$(pkg-config --define-variable=prefix="$prefix" --cflags --libs libspiral)
# A library built with sanitizers (the suite's second build) needs a
# program built with them too.
sanitize=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))')
[ "$sanitize" = none ] || flags="-fsanitize=$sanitize $flags"
ok "a program builds against the installed libspiral" \
	cc -o "$SANDBOX/prog" "$SANDBOX/prog.c" $flags
ok "and runs" "$SANDBOX/prog"
same "with the library's table" "0.1.0 check" "$OUT"

# ---- spiral --version ------------------------------------------------------
ok "spiral --version" spiral --version
same "the libraries and the storage format after the first line" \
	"spiral 0.1.0 (storage format 1)
libgit2 $(pkg-config --modversion libgit2)
inih $(pkg-config --modversion inih)
utf8proc X
storage format 1 (spiral(5))" "$(printf '%s\n' "$OUT" | sed 's/^utf8proc .*/utf8proc X/')"

finish
