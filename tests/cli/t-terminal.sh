#!/usr/bin/env bash
# Terminal safety: hostile text never reaches a terminal as a command; colour
# only on a terminal and never with NO_COLOR or --color=never; a pager on a
# terminal only; a closed pipe is a quiet success.
. "$(dirname "$0")/lib.sh"

new_repo
esc=$'\033' bel=$'\a' cr=$'\r' c1=$'\xc2\x9b'
hostile="Title ${esc}[31mred${esc}[0m ${bel}bell ${cr}back ${c1}csi ${esc}]0;pwned${bel}"
spiral new "$hostile" --learners "$hostile" --tag "tag${esc}x" -q >/dev/null 2>&1 ||
	spiral new "$hostile" --learners "$hostile" -q >/dev/null
printf '%s\n' "text $hostile" >"$SANDBOX/hostile.txt"
spiral scan -F "$SANDBOX/hostile.txt" --evidence "$hostile" >/dev/null
spiral note -m "$hostile" >/dev/null

for cmd in "show" "list" "log" "status"; do
	for format in table csv md json; do
		if spiral $cmd --format "$format" 2>&1 | python3 -c '
import sys
b = sys.stdin.buffer.read()
bad = [c for c in (b"\x07", b"\x1b") if c in b]
bad += [b[i:i+2] for i in range(len(b) - 1) if b[i] == 0xC2 and 0x80 <= b[i+1] <= 0x9F]
bad += [b"CR"] if b.replace(b"\r\n", b"").count(b"\r") else []
sys.exit(1 if bad else 0)'; then
			pass "no ESC, BEL, C1 or bare CR from $cmd --format $format"
		else
			fail "no ESC, BEL, C1 or bare CR from $cmd --format $format"
		fi
	done
done
ok "show table" spiral show
matches "escapes are visible" '\\x1b\[31mred' "$OUT"
ok "show json" spiral show --format json
python3 -c "import json,sys; d=json.load(sys.stdin); assert d['title']==sys.argv[1], d['title']" \
	"$hostile" <<<"$OUT" && pass "json carries the exact text" || fail "json carries the exact text"
out=$(spiral show 2>&1 >/dev/null)
same "nothing on stderr" "" "$out"

# On a terminal (a pty from script(1)): colour by default, none with NO_COLOR
# or --color=never; the pager runs.
fake_pager
out=$(env -u NO_COLOR PAGER=cat bash -c "$(declare -f tty_run); tty_run '$SPIRAL list'")
matches "colour on a terminal" $'\033\\[1m' "$out"
out=$(NO_COLOR=1 PAGER=cat bash -c "$(declare -f tty_run); tty_run '$SPIRAL list'")
if printf '%s' "$out" | grep -q $'\033\\['; then fail "no colour with NO_COLOR" "$out"; else pass "no colour with NO_COLOR"; fi
out=$(env -u NO_COLOR PAGER=cat bash -c "$(declare -f tty_run); tty_run '$SPIRAL list --color=never'")
if printf '%s' "$out" | grep -q $'\033\\['; then fail "no colour with --color=never" "$out"; else pass "no colour with --color=never"; fi
out=$(env -u NO_COLOR "$SPIRAL" list --color=always | od -An -c)
matches "--color=always colours a pipe" '033' "$out"
out=$(NO_COLOR=1 spiral list --color=always | od -An -c)
if printf '%s' "$out" | grep -q 033; then fail "NO_COLOR beats --color=always"; else pass "NO_COLOR beats --color=always"; fi
rm -f "$SANDBOX/paged"
PAGER="$SANDBOX/pager" bash -c "$(declare -f tty_run); tty_run '$SPIRAL log'" >/dev/null
ok "the pager runs on a terminal" test -f "$SANDBOX/paged"
rm -f "$SANDBOX/paged"
PAGER="$SANDBOX/pager" spiral log >/dev/null
if [ -f "$SANDBOX/paged" ]; then fail "no pager without a terminal"; else pass "no pager without a terminal"; fi

# A closed pipe ends quietly with status 0.
for i in $(seq 1 40); do
	GIT_AUTHOR_DATE="2026-0$((i % 9 + 1))-01T10:00:00Z" spiral act -m "$(printf 'line %.0s' $(seq 1 400))" >/dev/null
done
spiral log 2>"$SANDBOX/pipe.err" | head -1 >/dev/null
same "spiral log | head -1 exits 0" 0 "${PIPESTATUS[0]}"
same "and says nothing" "" "$(cat "$SANDBOX/pipe.err")"
spiral log --format json 2>"$SANDBOX/pipe.err" | head -c 10 >/dev/null
same "spiral log --format json | head -c 10 exits 0" 0 "${PIPESTATUS[0]}"
inih_reads "every file written here parses with inih, lines within 160 bytes"
finish
