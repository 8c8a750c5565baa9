#!/usr/bin/env bash
# What a script can rely on when things go wrong: usage errors exit 2 with a
# usage hint, failures exit 1 with one `spiral: error:` line naming the
# problem, and a failed write leaves nothing behind.  Also help and version,
# -C and SPIRAL_DIR, a closed pipe, and fsck on hand-broken files.
. "$(dirname "$0")/lib.sh"

new_repo
ID=$(spiral new "Year 9 writing" -q)
spiral scan -m "A first scan" >/dev/null
N=$(git rev-list --count HEAD)
# unchanged DESC: no commit was added and the repository is clean.
unchanged() {
	commits "$1: nothing committed" "$N"
	clean "$1: still clean"
}
HINT='usage: spiral'
# usage DESC CMD...: exit 2, the problem and a usage hint on stderr, no write.
usage() {
	local desc=$1
	shift
	fails "$desc" 2 "^spiral: error: " "$@" </dev/null
	matches "$desc: a usage hint" "$HINT" "$ERR"
	unchanged "$desc"
}
# failure DESC REGEX CMD...: exit 1 with `spiral: error:` matching REGEX,
# no usage hint, no write.
failure() {
	local desc=$1 regex=$2
	shift 2
	fails "$desc" 1 "^spiral: error: .*$regex" "$@" </dev/null
	same "$desc: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	unchanged "$desc"
}

# ---- usage errors: exit 2 ----------------------------------------------------
usage "an unknown command" spiral plan
matches "it names the command" "'plan' is not a spiral command" "$ERR"
usage "no command at all" spiral
usage "an unknown global option" spiral --colour
usage "an unknown option" spiral scan -m x --bogus
matches "it names the option" "'--bogus'" "$ERR"
usage "an unknown short option" spiral scan -m x -z
usage "-m without its value" spiral scan -m
matches "it names the option" "'-m'" "$ERR"
usage "--date without its value" spiral scan -m x --date
usage "--learners without its value" spiral new T --learners
usage "-C without a folder" spiral -C
for d in fortnight tomorrow "3 days" 2026-13-01 2026-02-30 2026-02-03T25:00 "2026-02-03 junk" 03/02/2026; do
	usage "a bad --date '$d'" spiral scan -m x --date "$d"
	matches "the bad date is named" "--date" "$ERR"
done
for m in x a= a=abc =3 "bad name=3" a=1,5 a=0x10 a=inf a=nan "a=1 "; do
	usage "a bad --measure '$m'" spiral scan -m x --measure "$m"
	usage "a bad --target '$m'" spiral act -m x --target "$m"
done
usage "the same measure twice" spiral scan -m x --measure a=1 --measure a=2
matches "it names the measure" "a given twice" "$ERR"
usage "the same target twice" spiral scan -m x --target a=1 --target a=2
usage "a bad --verdict" spiral check -m x --verdict maybe
matches "it says what a verdict is" "enough, partly or not-enough" "$ERR"
for p in scan focus hunch learn act; do
	usage "--verdict on $p" spiral "$p" -m x --verdict enough
	usage "--new-cycle on $p" spiral "$p" -m x --new-cycle
done
usage "--close on act" spiral act -m x --close
usage "a phase with no text and no terminal" spiral scan
matches "it says how to give the text" "-m TEXT or -F FILE" "$ERR"
usage "a note with no text and no terminal" spiral note
usage "-m and -F together" spiral scan -m x -F "$SANDBOX/nothing"
usage "-m and -F together on a note" spiral note -m x -F -
usage "new without a TITLE" spiral new
usage "new with two words unquoted" spiral new Year 9
usage "a phase with extra arguments" spiral scan "$ID" more -m x
usage "show with extra arguments" spiral show "$ID" more
usage "switch without an inquiry" spiral switch
usage "close with extra arguments" spiral close "$ID" more
usage "edit with no change and no terminal" spiral edit
usage "init with two folders" spiral init a b
usage "config with three words" spiral config school a b
usage "config of an unknown key" spiral config colour
usage "a tag that cannot be one" spiral scan -m x --tag " padded "
usage "a bad --format" spiral show --format yaml
usage "help for an unknown command" spiral help plan
usage "fsck with an argument" spiral fsck now

# ---- failures: exit 1, nothing written ------------------------------------------
mkdir -p "$SANDBOX/nohome"
failure "no identity" "who are you.*spiral config --global user.name" \
	env -u EMAIL HOME="$SANDBOX/nohome" "$SPIRAL" scan -m "who?"
failure "no identity for new" "who are you" \
	env -u EMAIL HOME="$SANDBOX/nohome" "$SPIRAL" new "Nobody's"
ok "an identity from the environment alone is enough" env -u EMAIL HOME="$SANDBOX/nohome" \
	GIT_AUTHOR_NAME="Mere Tāwhai" GIT_AUTHOR_EMAIL=mere@totara.school.nz \
	"$SPIRAL" note -m "from the environment"
N=$((N + 1))
clean "clean after a write by the environment's identity"
fails "init without an identity" 1 "^spiral: error: who are you" \
	env -u EMAIL HOME="$SANDBOX/nohome" "$SPIRAL" init "$SANDBOX/noid" --school "Rimu School"
same "init without an identity commits nothing" 0 \
	"$(git -C "$SANDBOX/noid" rev-list --all --count 2>/dev/null || echo 0)"
ok "init again with an identity from the environment" env -u EMAIL HOME="$SANDBOX/nohome" \
	GIT_AUTHOR_NAME="Mere Tāwhai" GIT_AUTHOR_EMAIL=mere@totara.school.nz \
	"$SPIRAL" init "$SANDBOX/noid" --school "Rimu School"
same "it is a spiral repository now" 1 "$(git -C "$SANDBOX/noid" rev-list --count HEAD)"
git config --unset spiral.school
failure "no school set" "no school.*spiral config school" spiral scan -m "where?"
failure "no school set for new" "no school" spiral new "Schoolless"
git config spiral.school "Kōwhai Intermediate"
failure "an empty -m" "empty" spiral scan -m ""
failure "an empty -m on a note" "empty" spiral note -m ""
: >"$SANDBOX/empty"
failure "an empty -F file" "empty" spiral scan -F "$SANDBOX/empty"
printf '\n\n\n' >"$SANDBOX/newlines"
failure "a -F file of newlines only" "empty" spiral scan -F "$SANDBOX/newlines"
printf 'caf\xe9\n' >"$SANDBOX/latin1"
failure "invalid UTF-8 in a -F file" "latin1.*not valid UTF-8" spiral scan -F "$SANDBOX/latin1"
printf '\xff' >"$SANDBOX/ff"
failure "a lone 0xff byte" "not valid UTF-8" spiral act -F "$SANDBOX/ff"
printf 'over\xc0\xaflong' >"$SANDBOX/overlong"
failure "an overlong UTF-8 sequence" "not valid UTF-8" spiral act -F "$SANDBOX/overlong"
printf '\xed\xa0\x80 surrogate' >"$SANDBOX/surrogate"
failure "a UTF-16 surrogate" "not valid UTF-8" spiral act -F "$SANDBOX/surrogate"
printf 'before\0after\n' >"$SANDBOX/nul"
failure "a NUL in a -F file" "nul.*NUL" spiral scan -F "$SANDBOX/nul"
fails "invalid UTF-8 on stdin" 1 "standard input.*not valid UTF-8" \
	spiral scan -F - <"$SANDBOX/latin1"
unchanged "invalid UTF-8 on stdin"
fails "a NUL on stdin" 1 "NUL" spiral note -F - <"$SANDBOX/nul"
unchanged "a NUL on stdin"
failure "invalid UTF-8 in -m" "not valid UTF-8" spiral scan -m "$(printf 'caf\xe9')"
failure "invalid UTF-8 in --evidence" "evidence.*not valid UTF-8" \
	spiral scan -m x --evidence "$(printf '\xfe')"
failure "invalid UTF-8 in a title" "title.*not valid UTF-8" spiral new "$(printf '\xfe')"
failure "invalid UTF-8 in an edited title" "not valid UTF-8" \
	spiral edit --title "$(printf '\xfe')"
failure "an empty title" "empty" spiral new ""
failure "a missing -F file" "cannot read .*missing" spiral scan -F "$SANDBOX/missing"
unknown=$(printf '%s' "${ID:0:8}" | tr 0-9a-f 1-9a-f0)
failure "an unknown inquiry prefix" "no inquiry '$unknown'" spiral scan "$unknown" -m x
failure "an unknown inquiry for show" "no inquiry" spiral show "$unknown"
failure "a prefix of 3 characters" "at least 4" spiral scan "${ID:0:3}" -m x
failure "a prefix that is not hex" "not an inquiry id" spiral scan "zzzzzz" -m x
failure "close an unknown inquiry" "no inquiry" spiral close "$unknown"
failure "--untag a tag it does not have" "no tag 'science'" spiral edit --untag science

mkdir "$SANDBOX/plain"
cd "$SANDBOX/plain" || exit 1
fails "a plain folder is not a spiral repository" 1 \
	"^spiral: error: not in a spiral repository.*spiral init" spiral show
fails "nor for a write" 1 "^spiral: error: not in a spiral repository" spiral scan -m x
same "nothing written in the plain folder" "" "$(ls -A)"
git init -q "$SANDBOX/gitonly"
cd "$SANDBOX/gitonly" || exit 1
fails "a git repository without spiral.ini" 1 "not a spiral one.*spiral init" spiral list
commits "nothing committed in the git repository" 0
same "nothing written in the git repository" "" "$(git status --porcelain)"
cd "$SANDBOX/repo" || exit 1
failure "-C to a missing folder" "cannot change to .*missing" spiral -C "$SANDBOX/missing" show

# A newer format: every command refuses and says to upgrade.
cp -r "$SANDBOX/repo" "$SANDBOX/future"
cd "$SANDBOX/future" || exit 1
sed -i 's/^format = .*/format = 99/' spiral.ini
git commit -qam "from the future"
N99=$(git rev-list --count HEAD)
fails "format 99: show refuses" 1 "spiral.ini.*format 99.*upgrade" spiral show
fails "format 99: a write refuses" 1 "upgrade" spiral scan -m x
fails "format 99: list refuses" 1 "upgrade" spiral list
fails "format 99: init refuses" 1 "upgrade" spiral init
same "format 99: nothing committed" "$N99" "$(git rev-list --count HEAD)"
clean "format 99: clean"
sed -i 's/^format = .*/format = one/' spiral.ini
fails "an unreadable format is named" 1 "spiral.ini.*format" spiral show
cd "$SANDBOX/repo" || exit 1

# ---- help and version --------------------------------------------------------
ok "--version" spiral --version
matches "--version names spiral and its version" '^spiral [0-9]+\.[0-9]+' "$OUT"
ok "--help" spiral --help
matches "--help shows usage" '^usage: spiral' "$OUT"
matches "--help lists the commands" 'scan' "$OUT"
ok "help new" spiral help new
matches "help new shows its usage" '^usage: spiral new TITLE' "$OUT"
ok "new --help" spiral new --help
matches "new --help shows its usage" '^usage: spiral new TITLE' "$OUT"
ok "help scan" spiral help scan
matches "help scan names its options" -- '--measure' "$OUT"
ok "scan --help even with other options" spiral scan -m x --help
matches "scan --help" '^usage: spiral scan' "$OUT"
unchanged "--help writes nothing"
cd "$SANDBOX/plain" || exit 1
ok "--help works outside a repository" spiral check --help
matches "check --help outside a repository" '--verdict' "$OUT"

# ---- where the repository is -------------------------------------------------
ok "-C DIR show from elsewhere" spiral -C "$SANDBOX/repo" show --format json
matches "-C found the inquiry" "\"id\":\"$ID\"" "$OUT"
ok "-C DIR for a write" spiral -C "$SANDBOX/repo" note -m "from elsewhere"
N=$((N + 1))
ok "SPIRAL_DIR" env SPIRAL_DIR="$SANDBOX/repo" "$SPIRAL" show --format json
matches "SPIRAL_DIR found the inquiry" "\"id\":\"$ID\"" "$OUT"
ok "-C wins over SPIRAL_DIR" env SPIRAL_DIR="$SANDBOX/plain" "$SPIRAL" -C "$SANDBOX/repo" show
mkdir -p "$SANDBOX/repo/deep/er"
cd "$SANDBOX/repo/deep/er" || exit 1
ok "found from a subfolder" spiral show --format json
matches "the subfolder found the inquiry" "\"id\":\"$ID\"" "$OUT"
rmdir "$SANDBOX/repo/deep/er" "$SANDBOX/repo/deep"
cd "$SANDBOX/repo" || exit 1
unchanged "after -C and SPIRAL_DIR"

# ---- a closed pipe -----------------------------------------------------------
python3 -c "print(('Kia ora koutou katoa, ' * 40 + '\n') * 400)" >"$SANDBOX/big"
for i in 1 2 3; do spiral act -F "$SANDBOX/big" >/dev/null; done
N=$((N + 3))
for fmt in table json csv md; do
	size=$(spiral show --format "$fmt" | wc -c)
	matches "show --format $fmt is larger than a pipe's buffer" '^[0-9]{6,}$' "$size"
	spiral show --format "$fmt" 2>"$SANDBOX/pipe-err" | head -c 1 >/dev/null
	same "show --format $fmt | head -c 1: spiral exits 0" 0 "${PIPESTATUS[0]}"
	same "show --format $fmt | head -c 1: no message" "" "$(cat "$SANDBOX/pipe-err")"
done
spiral log 2>"$SANDBOX/pipe-err" | head -c 1 >/dev/null
same "log | head -c 1: spiral exits 0" 0 "${PIPESTATUS[0]}"
same "log | head -c 1: no message" "" "$(cat "$SANDBOX/pipe-err")"

# ---- fsck --------------------------------------------------------------------
ok "fsck of a clean repository" spiral fsck
matches "fsck says so" "no problems" "$OUT"
B=$(spiral new "To be broken" -q)
N=$((N + 1))
E="inquiries/${B:0:2}/$B/entries"
mkdir -p "$E"
hex() { printf "%032d" 0 | tr 0 "$1"; }
good="[entry]
phase = scan
date = 2026-01-01T00:00:00+00:00
author = Hand Editor
cycle = 1
[text]
p = by hand"
printf '%s\nthis line has no equals sign\n' "$good" >"$E/20260101T000000Z-scan-$(hex a).ini"
printf '%s\n' "$good" | sed 's/^date = .*/date = the first of March/' \
	>"$E/20260102T000000Z-scan-$(hex b).ini"
printf '%s\n' "$good" | sed 's/^phase = .*/phase = plan/' \
	>"$E/20260103T000000Z-scan-$(hex c).ini"
printf '%s\n' "$good" >"$E/my-notes.ini"
ln -s ../../../../spiral.ini "$E/20260104T000000Z-scan-$(hex d).ini"
{
	printf '%s\n' "$good"
	python3 -c "print('p = ' + 'x' * 150 + '\n', end='')" | head -c 1100000
	yes 'p = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' |
		head -c 1100000
} >"$E/20260105T000000Z-scan-$(hex e).ini"
fails "fsck finds problems" 1 "" spiral fsck
fsck_out=$OUT
matches "fsck: a line with no '=' (path and line)" \
	"^$E/20260101T000000Z-scan-$(hex a)\.ini:8: " "$fsck_out"
matches "fsck: an invalid date (path and line)" \
	"^$E/20260102T000000Z-scan-$(hex b)\.ini:3: .*date" "$fsck_out"
matches "fsck: an unknown phase (path and line)" \
	"^$E/20260103T000000Z-scan-$(hex c)\.ini:2: .*phase.*plan" "$fsck_out"
matches "fsck: a file named wrongly" "^$E/my-notes\.ini: .*name" "$fsck_out"
matches "fsck: a symlink" "^$E/20260104T000000Z-scan-$(hex d)\.ini: .*(link|regular)" "$fsck_out"
matches "fsck: a file over 1 MiB" "^$E/20260105T000000Z-scan-$(hex e)\.ini: .*larger" "$fsck_out"
same "fsck: the line is said once" "" "$(grep -E ':([0-9]+): line \1' <<<"$fsck_out")"
same "fsck: one line a problem" 6 "$(printf '%s\n' "$fsck_out" | grep -c "^$E/")"
same "fsck: nothing on stderr" "" "$(cat "$SANDBOX/stderr")"
ok "show of a healthy inquiry still works" spiral show "$ID" --format json
matches "it is the healthy one" "\"id\":\"$ID\"" "$OUT"
ok "show of the broken inquiry still works" spiral show "$B"
matches "and warns on stderr" "spiral fsck" "$(cat "$SANDBOX/stderr")"
ok "list still works" spiral list --format json
matches "list has the healthy one" "\"id\":\"$ID\"" "$OUT"
matches "list has the broken one" "\"id\":\"$B\"" "$OUT"
ok "a write to the healthy inquiry still works" spiral act "$ID" -m "carry on"
N=$((N + 1))
commits "the write committed" "$N"
finish
