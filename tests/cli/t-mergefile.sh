#!/usr/bin/env bash
# spiral merge-file, git's merge driver for hand-edited INI files, run by
# stock git: two clones edit the same files by hand; the merge never writes
# conflict markers and never loses a change; a key changed on both sides
# keeps both values, visibly, and fsck names it with file and line.
. "$(dirname "$0")/lib.sh"

new_repo hub-src
id=$(spiral new "Year 9 writing" --learners "Year 9 boys" --tag writing -q)
spiral scan -m "We looked at the writing samples." --evidence "e-asTTle results" \
	>/dev/null
git clone -q --bare . "$SANDBOX/hub.git"
inquiry=$(git ls-files '*/inquiry.ini')
entry=$(git ls-files '*/entries/*.ini')
for side in a b; do
	git clone -q "$SANDBOX/hub.git" "$SANDBOX/$side"
	git -C "$SANDBOX/$side" config spiral.school "School $side"
	git -C "$SANDBOX/$side" config spiral.current "$id"
	git -C "$SANDBOX/$side" config merge.spiral.name "spiral merge-file"
	git -C "$SANDBOX/$side" config merge.spiral.driver \
		"$SPIRAL merge-file %O %A %B %P"
done

# A text edit: replace the line that starts with $2 in file $1 by $3.
edit() {
	python3 - "$@" <<'EOF'
import sys
path, start, new = sys.argv[1:]
lines = open(path, encoding="utf-8").read().split("\n")
hits = [i for i, l in enumerate(lines) if l.startswith(start)]
assert len(hits) == 1, (path, start, lines)
if new:
    lines[hits[0]] = new
else:
    del lines[hits[0]]
open(path, "w", encoding="utf-8").write("\n".join(lines))
EOF
}

cd "$SANDBOX/a"
edit "$inquiry" "title =" "title = Writing in Year 9 (A)"
edit "$inquiry" "learners =" "learners = Year 9 and 10 boys"
edit "$entry" "p =" "p = We read every writing sample; #1 was the shortest."
git commit -q -am "A edits by hand"
git push -q origin HEAD:main

cd "$SANDBOX/b"
edit "$inquiry" "title =" "title = Year 9 writing: whānau voice (B) 😀"
printf 'tag = oral-language\n' >>"$inquiry"
edit "$entry" "item =" "item = e-asTTle results, term 1"
git commit -q -am "B edits by hand"
git fetch -q origin
ok "git merge runs the driver and succeeds" git merge --no-edit origin/main
merge_err=$(cat "$SANDBOX/stderr")
matches "one warning for the key changed on both sides" \
	"^spiral: warning: $inquiry: title changed on both sides; both values kept$" \
	"$merge_err"
same "no other warning" 1 "$(grep -c 'spiral: warning' <<<"$merge_err")"
same "no conflict markers anywhere" "" \
	"$(git grep -nE '^(<<<<<<<|=======|>>>>>>>)' || true)"
clean "merged clone is clean and fsck-clean"
inih_reads "every file parses with inih, lines within 160 bytes"
text=$(cat "$inquiry")
matches "both titles are in the file, ours first" \
	"title = Year 9 writing: whānau voice \(B\) 😀.
title = Writing in Year 9 \(A\)" "$text"
matches "with a comment that says so" \
	"; spiral merge-file: title changed on both sides: ours first, then theirs" \
	"$text"
matches "a one-sided change of a key is taken (theirs)" \
	"learners = Year 9 and 10 boys" "$text"
matches "a key added on one side is taken (ours)" "tag = oral-language" "$text"
same "nothing about the entry file, changed on both sides in different keys" \
	"" "$(grep -F "$entry" <<<"$merge_err")"
ok "show reads the merged entry" spiral show --format json
python3 -c '
import json, sys
d = json.load(sys.stdin)
e = d["entries"][0]
assert e["text"] == "We read every writing sample; #1 was the shortest.", e
assert e["evidence"] == ["e-asTTle results, term 1"], e
assert d["tags"] == ["oral-language", "writing"], d["tags"]
assert d["learners"] == "Year 9 and 10 boys", d["learners"]
assert d["title"] == "Year 9 writing: whānau voice (B) 😀", d["title"]
' <<<"$OUT" && pass "both sides' hand edits are read" ||
	fail "both sides' hand edits are read" "$OUT"
matches "show warns of the doubled key" "inquiry.ini:[0-9]+: title given twice" \
	"$(cat "$SANDBOX/stderr")"
fails "fsck reports the doubled key" 1 "" spiral fsck
line=$(grep -n '^title = ' "$inquiry" | sed -n 2p | cut -d: -f1)
same "with file and line, then the count" \
	"$inquiry:$line: title given twice; a merge kept both values: keep one
1 problem in 1 file" "$OUT"

# Keeping one value settles it.
edit "$inquiry" "title = Writing in Year 9 (A)" ""
edit "$inquiry" "; spiral merge-file:" ""
git commit -q -am "Keep one title"
ok "fsck is happy once one value is kept" spiral fsck
ok "show after" spiral show --format json
matches "the kept title" '"title":"Year 9 writing: whānau voice \(B\) 😀"' "$OUT"

# The other clone merges back: the same files, no driver warning left.
git push -q origin HEAD:main
cd "$SANDBOX/a"
ok "the other clone merges back" git pull -q --no-rebase --no-edit origin main
same "both clones hold the same files" "$(git -C "$SANDBOX/b" rev-parse HEAD^{tree})" \
	"$(git rev-parse HEAD^{tree})"
clean "the other clone is clean"

# A side that is not INI: the driver refuses, git reports a conflict, and
# the file holds ours' version, still without markers.
printf 'this is not ini\n' >>"$inquiry"
git commit -q -am "A breaks the file"
cd "$SANDBOX/b"
edit "$inquiry" "learners =" "learners = Year 9"
git commit -q -am "B edits again"
git -C "$SANDBOX/a" push -q origin HEAD:main
git fetch -q origin
ours_version=$(cat "$inquiry")
fails "a broken side is a conflict for git" 1 "" git merge --no-edit origin/main
matches "the driver says which side and line" \
	"spiral: error: $inquiry: theirs: line [0-9]+: expected 'key = value'" \
	"$(cat "$SANDBOX/stderr") $OUT"
same "ours' version is left, no markers" "$ours_version" "$(cat "$inquiry")"
git merge --abort

# The command itself.
cd "$SANDBOX"
printf '[inquiry]\ntitle = Base\n' >base.ini
printf '[inquiry]\ntitle = Base\nlearners = Ours\n' >ours.ini
printf '\xef\xbb\xbf[inquiry]\r\ntitle = Theirs\r\n' >theirs.ini
chmod 640 ours.ini
ok "one-sided changes merge silently" spiral merge-file base.ini ours.ini theirs.ini
same "no warning" "" "$(cat "$SANDBOX/stderr")"
same "the merged file" "$(printf '[inquiry]\ntitle = Theirs\nlearners = Ours')" \
	"$(cat ours.ini)"
same "OURS keeps its mode" 640 "$(stat -c %a ours.ini)"
same "no temporary file is left" "base.ini ours.ini theirs.ini" \
	"$(ls -- *.ini* | tr '\n' ' ' | sed 's/ $//')"
printf '[inquiry]\ntitle = Mine\n' >ours.ini
ok "both changed: still a success" spiral merge-file base.ini ours.ini theirs.ini \
	some/inquiry.ini
same "one warning naming PATH" \
	"spiral: warning: some/inquiry.ini: title changed on both sides; both values kept" \
	"$(cat "$SANDBOX/stderr")"
: >empty.ini
ok "an empty BASE" spiral merge-file empty.ini ours.ini theirs.ini

cp ours.ini before.ini
untouched() { cmp -s before.ini ours.ini && pass "$1" || fail "$1" "$(cat ours.ini)"; }
fails "no arguments" 2 "usage: spiral merge-file BASE OURS THEIRS \[PATH\]" \
	spiral merge-file
fails "two arguments" 2 "usage" spiral merge-file base.ini ours.ini
fails "five arguments" 2 "usage" spiral merge-file base.ini ours.ini theirs.ini p x
fails "an unknown option" 2 "unknown option" spiral merge-file --bogus base.ini \
	ours.ini theirs.ini
untouched "usage errors leave OURS untouched"
fails "a missing THEIRS" 1 "^spiral: error: cannot read missing.ini: " \
	spiral merge-file base.ini ours.ini missing.ini
untouched "OURS untouched"
fails "a missing OURS" 1 "cannot read nothing.ini" \
	spiral merge-file base.ini nothing.ini theirs.ini
same "and not created" "" "$(ls nothing.ini* 2>/dev/null)"
mkdir dir.ini
fails "a folder" 1 "dir.ini is not a regular file" \
	spiral merge-file base.ini ours.ini dir.ini
untouched "OURS untouched by a folder"
python3 -c 'print("[a]\nk = " + "x" * (1024 * 1024))' >big.ini
fails "a file over 1 MiB" 1 "big.ini is larger than 1 MiB" \
	spiral merge-file base.ini ours.ini big.ini
untouched "OURS untouched by a big file"
printf '[inquiry]\ntitle = \xff\n' >bad.ini
fails "invalid UTF-8" 1 "^spiral: error: x.ini: theirs: line 2 is not valid UTF-8" \
	spiral merge-file base.ini ours.ini bad.ini x.ini
untouched "OURS untouched by invalid UTF-8"
printf '[inquiry]\n<<<<<<< HEAD\ntitle = a\n' >markers.ini
fails "conflict markers are not INI" 1 "ours: line 2: expected" \
	spiral merge-file base.ini markers.ini theirs.ini
ln -s ours.ini link.ini
fails "OURS may not be a symbolic link" 1 "link.ini: it is a symbolic link" \
	spiral merge-file base.ini link.ini theirs.ini
untouched "nor what it points to"
if [ "$(id -u)" -ne 0 ]; then
	cp theirs.ini secret.ini && chmod 000 secret.ini
	fails "an unreadable file" 1 "cannot read secret.ini: Permission denied" \
		spiral merge-file base.ini ours.ini secret.ini
	untouched "OURS untouched by an unreadable file"
fi
ok "help" spiral merge-file --help
matches "help shows PATH" "BASE OURS THEIRS \[PATH\]" "$OUT"
finish
