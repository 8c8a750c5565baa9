#!/usr/bin/env bash
# Errors and help (issue 14, point 7): a mistyped command or option
# suggests the closest ones, `spiral help help`, one-line usage errors, an
# ambiguous prefix listed with titles, exit 2 outside a repository, a
# read-only repository named, fsck listing every problem (and -q), and log
# of an inquiry whose inquiry.ini is broken.
. "$(dirname "$0")/lib.sh"
mandir=$(cd "$(dirname "$0")/../../man" && pwd)
MAN=$(cd "$(dirname "$0")/../../man" && pwd)

new_repo
tab=$(printf '\t')

# ---- a mistyped command --------------------------------------------------
fails "spiral stauts is a usage error" 2 "^spiral: error: 'stauts' is not a spiral command$" spiral stauts
same "it suggests status, as git does" \
	"spiral: error: 'stauts' is not a spiral command
The most similar command is
${tab}status
usage: spiral [-C DIR] COMMAND [OPTIONS] [ARGS]" "$ERR"
fails "a prefix of several commands" 2 "" spiral sw
matches "suggests the one it starts" "most similar command is
${tab}switch" "$ERR"
fails "a word as close to two" 2 "" spiral scn
same "both when tied" "The most similar commands are
${tab}scan
${tab}sync" "$(printf '%s\n' "$ERR" | sed -n 2,4p)"
fails "nothing close" 2 "'xyzzyplugh' is not a spiral command" spiral xyzzyplugh
same "no suggestion then: the error and the usage line" 2 "$(printf '%s\n' "$ERR" | wc -l)"

# ---- a mistyped option ---------------------------------------------------
fails "list --shcool" 2 "^spiral: error: unknown option '--shcool'; did you mean --school\?$" \
	spiral list --shcool X
fails "scan --mesure" 2 "did you mean --measure\?" spiral scan -m x --mesure a=1
fails "an abbreviation of several" 2 "did you mean --school, --status, --since or --stalled\?" \
	spiral list --s
fails "nothing close to --zzzzzzzz" 2 "^spiral: error: unknown option '--zzzzzzzz'$" \
	spiral list --zzzzzzzz
fails "an option that takes no value" 2 "option '--new-cycle' takes no value" \
	spiral check -m x --new-cycle=yes

# ---- usage errors: one line and a short usage line ------------------------
fails "list --bogus" 2 "" spiral list --bogus
same "two lines: the error and the usage" \
	"spiral: error: unknown option '--bogus'
usage: spiral list [filters] [--format table|json|csv|md]" "$ERR"
fails "a phase's usage is cut to one short line" 2 "" spiral scan -m x --bogus
same "two lines for scan" 2 "$(printf '%s\n' "$ERR" | wc -l)"
matches "its usage line fits 80 columns" '^usage: spiral scan \[INQUIRY\] .{0,55}$' \
	"$(printf '%s\n' "$ERR" | tail -n 1)"
fails "fsck with an argument" 2 "" spiral fsck now
same "two lines for fsck" "spiral: error: fsck takes no arguments
usage: spiral fsck [-q]" "$ERR"

# ---- help ----------------------------------------------------------------
ok "spiral help help" spiral help help
matches "it shows help's usage" '^usage: spiral help \[COMMAND\]' "$OUT"
ok "spiral help" spiral help
matches "it lists the commands" 'status ' "$OUT"
matches "help is one of them" '  help ' "$OUT"
ok "spiral help fsck" spiral help fsck
matches "it names -q" -- '-q, --quiet' "$OUT"
fails "spiral help stauts" 2 "'stauts' is not a spiral command" spiral help stauts
matches "it suggests status too" "${tab}status" "$ERR"
fails "help with two commands" 2 "help takes one command" spiral help list show

# ---- outside a repository ------------------------------------------------
mkdir "$SANDBOX/plain"
cd "$SANDBOX/plain" || exit 1
fails "list --bogus outside a repository is a usage error" 2 \
	"^spiral: error: unknown option '--bogus'" spiral list --bogus
fails "scan without -m's value outside a repository" 2 "needs a value" spiral scan -m
fails "a bad --format outside a repository" 2 "--format takes" spiral list --format yaml
fails "a bad --date outside a repository" 2 "is not a date" spiral scan --date someday -m x
fails "a bad --since outside a repository" 2 "is not a date" spiral log --since someday
fails "too many arguments outside a repository" 2 "too many arguments" spiral list extra
fails "fsck takes no arguments, outside a repository too" 2 "too many arguments" spiral fsck now
fails "show of two inquiries outside a repository" 2 "too many arguments" spiral show a b
fails "new without a title outside a repository" 2 "missing arguments" spiral new
fails "resolve without FIELD VALUE outside a repository" 2 "missing arguments" spiral resolve a
ok "list --help outside a repository" spiral list --help
matches "it is the help" '^usage: spiral list' "$OUT"
fails "a good command outside a repository still says where" 1 \
	"not in a spiral repository" spiral list
same "nothing written in the plain folder" "" "$(ls -A)"
cd "$SANDBOX/repo" || exit 1

# ---- an ambiguous prefix -------------------------------------------------
A=$(spiral new "Year 9 writing" -q)
B=$(spiral new "Reading in Year 4" -q)
C=$(spiral new "Maths talk" -q)
mkdir -p inquiries/ab
git mv -k "inquiries/${A:0:2}/$A" inquiries/ab/abcd12f3000000000000000000000001
git mv -k "inquiries/${B:0:2}/$B" inquiries/ab/abcd98e0000000000000000000000002
git mv -k "inquiries/${C:0:2}/$C" inquiries/ab/abcd98e7000000000000000000000003
git commit -qm "three inquiries sharing a prefix"
git config spiral.current abcd12f3000000000000000000000001
fails "show abcd is ambiguous" 1 "^spiral: error: 'abcd' is ambiguous; it could be:$" spiral show abcd
same "each candidate by a prefix that tells it apart, with its title" \
	"spiral: error: 'abcd' is ambiguous; it could be:
  abcd12f3 Year 9 writing
  abcd98e0 Reading in Year 4
  abcd98e7 Maths talk" "$ERR"
fails "a write with abcd98 is refused" 1 "'abcd98' is ambiguous" spiral note abcd98 -m x
same "two candidates then" \
	"spiral: error: 'abcd98' is ambiguous; it could be:
  abcd98e0 Reading in Year 4
  abcd98e7 Maths talk" "$ERR"
fails "log abcd98 too" 1 "abcd98e7 Maths talk" spiral log abcd98
ok "a longer prefix finds one" spiral show abcd98e7 --format json
matches "the right one" '"title":"Maths talk"' "$OUT"
# A title with a control character is made visible.
cp -r inquiries/ab/abcd98e7000000000000000000000003 inquiries/ab/abcd98e7000000000000000000000004
sed -i 's/^title = .*/title = Bell\\x07 and \\x1b[31mred/' \
	inquiries/ab/abcd98e7000000000000000000000004/inquiry.ini
git add -A && git commit -qm "a fourth, with controls in its title"
fails "candidates sharing 31 digits" 1 "" spiral show abcd98e7
matches "told apart by their whole ids" "abcd98e7000000000000000000000004 Bell" "$ERR"
same "no control character reaches the terminal" "" "$(printf '%s' "$ERR" | tr -d '\n\t' | tr -d '[:print:]')"

# ---- a read-only repository ----------------------------------------------
N=$(git rev-list --count HEAD)
if [ "$(id -u)" -ne 0 ]; then
	chmod -R a-w "$SANDBOX/repo"
	fails "a write to a read-only repository" 1 \
		"^spiral: error: cannot write to $SANDBOX/repo/\.git: the repository is read-only \(permission denied\)$" \
		spiral note -m "read-only?"
	ok "reading still works" spiral show abcd12f3
	chmod -R u+w "$SANDBOX/repo"
elif unshare -m true 2>/dev/null; then
	# As root, permissions do not stop a write: a read-only bind mount does.
	rc=0
	unshare -m bash -c '
		mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" || exit 99
		cd "$1" || exit 99
		"$SPIRAL" note -m "read-only?" 2>"$2/ro-err" && exit 3
		"$SPIRAL" show abcd12f3 >/dev/null 2>"$2/ro-show" || exit 4
		exit 0' _ "$SANDBOX/repo" "$SANDBOX" || rc=$?
	if [ "$rc" -eq 99 ]; then
		echo "note: cannot mount read-only here; the read-only write is not tested"
	else
		same "under a read-only mount, the write fails and reading works" 0 "$rc"
		same "it names the folder and says read-only" \
			"spiral: error: cannot write to $SANDBOX/repo/.git: the repository is read-only (read-only file system)" \
			"$(cat "$SANDBOX/ro-err")"
	fi
else
	echo "note: running as root without unshare: the read-only write is not tested"
fi
commits "nothing committed by the read-only write" "$N"

# ---- fsck: every problem, counted, and -q ---------------------------------
ok "fsck -q of a healthy repository" spiral fsck -q
same "says nothing at all" "" "$OUT$(cat "$SANDBOX/stderr")"
ok "fsck --quiet too" spiral fsck --quiet
same "nothing" "" "$OUT"
ok "fsck without -q says so" spiral fsck
matches "no problems" "^no problems in 4 inquiries" "$OUT"
rm -r inquiries/ab/abcd98e7000000000000000000000004
git commit -qam "the fourth goes"
spiral switch abcd12f3 >/dev/null
spiral scan -m "first" >/dev/null
spiral act -m "second" >/dev/null
E=inquiries/ab/abcd12f3000000000000000000000001/entries
scan=$(ls "$E"/*-scan-*.ini)
act=$(ls "$E"/*-act-*.ini)
sed -i 's/^cycle = 1/cycle = one/; s/^date = .*/date = last week/' "$scan"
printf 'no equals sign here\n[text]\np = more\ncolour = red\n' >>"$scan"
sed -i 's/^phase = act/phase = plan/' "$act"
git add -A && git commit -qm "hand-broken entries"
fails "fsck finds problems" 1 "" spiral fsck
# Files in path order (the two writes may fall in different seconds,
# which their names start with), each file's problems in line order.
act_problems="$act:2: phase: unknown phase 'plan'"
scan_problems="$scan:3: date: 'last week' is not an ISO 8601 date
$scan:8: cycle: 'one' is not a whole number from 1
$scan:12: expected 'key = value' or '[section]'
$scan:15: unknown key 'colour' in [text]"
if [[ $act < $scan ]]; then
	expected="$act_problems
$scan_problems"
else
	expected="$scan_problems
$act_problems"
fi
same "every problem of every file, in line order, then the count" \
	"$expected
5 problems in 2 files" "$OUT"
same "nothing on stderr" "" "$(cat "$SANDBOX/stderr")"
fails "fsck -q with problems" 1 "" spiral fsck -q
same "-q still lists them" 6 "$(printf '%s\n' "$OUT" | wc -l)"
ok "show still works, the broken entries left out" spiral show abcd12f3 --format json
json_check "no entry is read from a file with a problem" 'assert d["entries"] == [], d["entries"]'
sed -i 's/^cycle = one/cycle = 1/; s/^date = .*/date = 2026-01-05T10:00:00+13:00/' "$scan"
sed -i '/^no equals sign here$/d; /^colour = red$/d' "$scan"
git commit -qam "mended but for an unknown key"
fails "a file with one problem" 1 "" spiral fsck
same "counted as one" "1 problem in 1 file" "$(printf '%s\n' "$OUT" | tail -n 1)"
git checkout -q HEAD~2 -- "$scan" "$act"
git commit -qm "back as it was"
# The crontab line of spiral(7) mails only on a problem.
cron=$(grep -E '^[0-9*].*spiral.* fsck' "$MAN/spiral.7" | head -n 1)
matches "spiral.7's cron line uses fsck -q" 'fsck -q' "$cron"

# ---- log of an inquiry whose inquiry.ini is broken ------------------------
I=inquiries/ab/abcd98e0000000000000000000000002
sed -i 's/^created = .*/created = someday/' "$I/inquiry.ini"
git commit -qam "a broken inquiry.ini"
fails "show of it names the file and line" 1 "" spiral show abcd98e0
show_err=$ERR
fails "log of it too" 1 "" spiral log abcd98e0
same "exactly as show does" "$show_err" "$ERR"
matches "path and line" "^spiral: error: $I/inquiry\.ini:[0-9]+: created: 'someday'" "$ERR"
# Every command that spiral help lists has its man page.
ok "spiral help" spiral help
missing=
for name in $(printf '%s\n' "$OUT" | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
	[ -f "$mandir/spiral-$name.1" ] || missing="$missing $name"
done
same "every command listed has a man page" "" "$missing"
same "spiral help lists every command" 33 \
	"$(printf '%s\n' "$OUT" | grep -c '^  [a-z][a-z-]*  ')"


# ---- help grouped; help COMMAND opens the man page on a terminal ----------
ok "spiral help, grouped" spiral help
same "a heading per group, in order" \
	"Start a repository:|Inquiries:|The six phases of the spiral, and notes:|Reading:|Reporting:|Sharing:|Moving inquiries in and out:|Plumbing and help:" \
	"$(printf '%s\n' "$OUT" | grep -E '^[A-Z][^:]*:$' | paste -sd'|')"
same "the phases under theirs" "scan focus hunch learn act check note" \
	"$(printf '%s\n' "$OUT" | sed -n '/^The six phases/,/^$/s/^  \([a-z-]*\) .*/\1/p' | paste -sd' ')"
# A man that notes what it was asked; -w finds only spiral-list.
mkdir -p "$SANDBOX/fakeman"
cat >"$SANDBOX/fakeman/man" <<MAN
#!/bin/sh
echo "man \$*" >>"$SANDBOX/man-calls"
[ "\$1" = -w ] && { [ "\$2" = spiral-list ] || exit 16; echo /x/spiral-list.1; exit 0; }
echo "THE PAGE OF \$1"
MAN
chmod +x "$SANDBOX/fakeman/man"
on_tty "help list on a terminal" 0 env PATH="$SANDBOX/fakeman:$PATH" "$SPIRAL" help list
matches "opens man spiral-list" "THE PAGE OF spiral-list" "$OUT"
same "no usage text then" "" "$(printf '%s\n' "$OUT" | grep '^usage:')"
same "asked man -w first" "man -w spiral-list|man spiral-list" "$(paste -sd'|' "$SANDBOX/man-calls")"
rm -f "$SANDBOX/man-calls"
on_tty "help fsck, whose page man does not have" 0 env PATH="$SANDBOX/fakeman:$PATH" "$SPIRAL" help fsck
matches "falls back to the usage text" "^usage: spiral fsck" "$OUT"
on_tty "help log with no man at all" 0 env PATH=/nonexistent "$SPIRAL" help log
matches "the usage text" "^usage: spiral log" "$OUT"
rm -f "$SANDBOX/man-calls"
ok "help list in a script (no terminal)" env PATH="$SANDBOX/fakeman:$PATH" "$SPIRAL" help list
matches "prints the usage text as before" "^usage: spiral list" "$OUT"
same "man not asked" "" "$(cat "$SANDBOX/man-calls" 2>/dev/null)"

finish
