#!/usr/bin/env bash
# Text input as people give it (issue 14, points 5 and 6): a file saved by
# Word reads as the same file from nano; white space alone is no text; a
# blank title, school or name is refused with what to do; titles, learners
# and evidence have limits; measure names in any script; the editor's
# template shows where the inquiry stands and takes trailer lines
# (Evidence:, Measure:, Target:, Verdict:, Tag:) for the entry's fields.
. "$(dirname "$0")/lib.sh"

new_repo
ID=$(spiral new "Year 9 writing" --learners "Year 9 boys" -q)

head_is() { same "$1: nothing committed" "$2" "$(git rev-parse HEAD)"; }
# text_of N: the text of the entry N (from 0; -1 the last) in show's JSON.
text_of() {
	spiral show "$ID" --format json | python3 -c "import json, sys
print(json.load(sys.stdin)['entries'][$1]['text'], end='')"
}
# file_of N: the .ini of the entry N, in the order of show.
file_of() {
	spiral show "$ID" --format json | python3 -c "import json, sys, glob
e = json.load(sys.stdin)['entries'][$1]
print(glob.glob('inquiries/*/$ID/entries/*' + e['id'] + '.ini')[0])"
}
# An editor that saves the template to $SANDBOX/template, then appends the
# bytes of file $SANDBOX/typed.
E="$SANDBOX/editor"
cat >"$E" <<EOF
#!/bin/sh
cp "\$1" "$SANDBOX/template"
cat "$SANDBOX/typed" >>"\$1"
EOF
# One that saves as Notepad or Word would: a BOM first, CRLF line ends.
cat >"$E-word" <<EOF
#!/bin/sh
{ printf '\357\273\277'; cat "\$1" "$SANDBOX/typed" | sed 's/\$/\r/'; } >"\$1.new"
mv "\$1.new" "\$1"
EOF
chmod +x "$E" "$E-word"
export EDITOR=$E
typed() { printf "$@" >"$SANDBOX/typed"; }

# ---- 5. a file from Word reads as the same file from nano -----------------------
printf 'Boys say writing is boring.\n\nThey like to talk about games.\n' >"$SANDBOX/nano.txt"
printf '\xef\xbb\xbfBoys say writing is boring.\r\n\r\nThey like to talk about games.\r\n' \
	>"$SANDBOX/word.txt"
ok "scan -F a nano file" spiral scan -F "$SANDBOX/nano.txt"
ok "scan -F a Word file (BOM, CRLF)" spiral scan -F "$SANDBOX/word.txt"
ok "scan -F - a Word file" spiral scan -F - <"$SANDBOX/word.txt"
printf 'Old Mac lines.\rSecond line.\r' >"$SANDBOX/mac.txt"
ok "scan -F a file with lone CR line ends" spiral scan -F "$SANDBOX/mac.txt"
NANO=$(text_of 0)
same "the Word file gives the nano file's text" "$NANO" "$(text_of 1)"
same "so does the Word file on standard input" "$NANO" "$(text_of 2)"
same "a lone CR ends a line as LF does" "$(printf 'Old Mac lines.\nSecond line.')" "$(text_of 3)"
same "the Word file's entry on disk has no BOM and no CR" "0" \
	"$(cat "$(file_of 1)" "$(file_of 2)" "$(file_of 3)" | LC_ALL=C grep -c $'\r\|\xef\xbb\xbf')"
same "the two files store the same [text]" "$(sed -n '/^\[text\]/,$p' "$(file_of 0)")" \
	"$(sed -n '/^\[text\]/,$p' "$(file_of 1)")"
cp "$SANDBOX/nano.txt" "$SANDBOX/typed"
EDITOR=$E-word on_tty "the editor: a Word-style save (BOM, CRLF)" 0 "$SPIRAL" scan
same "the editor's Word-style text reads as the nano file" "$NANO" "$(text_of -1)"
same "and its file has no BOM and no CR" "0" \
	"$(LC_ALL=C grep -c $'\r\|\xef\xbb\xbf' "$(file_of -1)")"
ok "-m keeps its bytes as given (CR and all)" spiral note -m $'one\r\ntwo'
same "the note's CR is kept" "$(printf 'one\r\ntwo')" "$(spiral show "$ID" --format json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["notes"][-1]["text"], end="")')"
clean "clean after the Word files"

# ---- 5. white space alone is no text ---------------------------------------------
H=$(git rev-parse HEAD)
fails "-m of spaces is refused as empty" 1 '^spiral: error: the text is empty; nothing was written$' \
	spiral scan -m "   "
fails "-m of tabs and newlines is refused" 1 'the text is empty' spiral scan -m $'\t\n \n'
fails "-m of no-break spaces (U+00A0, U+3000) is refused" 1 'the text is empty' \
	spiral scan -m $'\u00a0 \u3000'
printf ' \r\n\t\r\n\n' >"$SANDBOX/blank.txt"
fails "-F of white space is refused" 1 'the text is empty' spiral scan -F "$SANDBOX/blank.txt"
fails "-F - of white space is refused" 1 'the text is empty' spiral act -F - <"$SANDBOX/blank.txt"
fails "a note of white space is refused" 1 'the text is empty' spiral note -m "  "
fails "--evidence of white space is refused" 1 '--evidence is empty' \
	spiral scan -m x --evidence "  "
typed '   \n\t\n'
on_tty "the editor: white space alone aborts" 1 "$SPIRAL" scan
matches "the editor: the same message" 'the text is empty; nothing was written' "$OUT"
head_is "white space alone" "$H"

# ---- 5. a blank title, learners, school or name ------------------------------------
fails "new with a title of spaces" 1 \
	'^spiral: error: the title is only white space: give a title, as in "Year 9 writing"; nothing was written$' \
	spiral new "   "
fails "new with an empty title" 1 'the title is empty' spiral new ""
fails "edit --title of a space" 1 'the title is only white space: give a title' \
	spiral edit --title " "
fails "new --learners of spaces" 1 \
	'--learners is only white space: describe the learners as a group, as in "Year 9 boys", or give "" for none' \
	spiral new "Oral language" --learners "  "
fails "edit --learners of a tab" 1 'only white space' spiral edit --learners $'\t'
head_is "blank titles and learners" "$H"
ok "edit --learners \"\" (none described) still works" spiral edit --learners ""
H=$(git rev-parse HEAD)
fails "init --school \"\"" 2 \
	"^spiral: error: school cannot be empty or only white space: give the school's name" \
	spiral init "$SANDBOX/other" --school ""
same "init --school \"\" makes no repository" "no" "$([ -e "$SANDBOX/other" ] && echo yes || echo no)"
fails "init --school of spaces" 2 'school cannot be empty' spiral init "$SANDBOX/other" --school "  "
fails "init --cluster \"\"" 2 'cluster cannot be empty' spiral init "$SANDBOX/other" --cluster ""
fails "clone --school \"\"" 2 'school cannot be empty' spiral clone "$PWD" "$SANDBOX/other" --school ""
same "clone --school \"\" makes no clone" "no" "$([ -e "$SANDBOX/other" ] && echo yes || echo no)"
fails "config school \"\"" 2 'school cannot be empty or only white space' spiral config school ""
fails "config school of no-break spaces" 2 'school cannot be empty' spiral config school $'\u00a0'
same "the school is as it was" "Kōwhai Intermediate" "$(spiral config school)"
fails "config user.name \"\"" 2 \
	'user.name cannot be empty or only white space: give your name, as in "Aroha Ngata"' \
	spiral config user.name ""
fails "config --global user.name \" \"" 2 'user.name cannot be empty' \
	spiral config --global user.name " "
same "the name is as it was" "Aroha Ngata" "$(git config user.name)"
fails "GIT_AUTHOR_NAME=\"\" at write time" 1 \
	'^spiral: error: GIT_AUTHOR_NAME is empty: unset it, or set it to your name$' \
	env GIT_AUTHOR_NAME= "$SPIRAL" scan -m "Who wrote this?"
git config user.name "  "
fails "a user.name of spaces in git's configuration" 1 \
	"user.name is empty: set your name with 'spiral config --global user.name" \
	spiral scan -m "Who wrote this?"
git config --unset user.name
head_is "blank settings" "$H"
clean "clean after the blank settings"

# ---- 5. length limits, in characters ---------------------------------------------
t200=$(printf 'ā%.0s' $(seq 200))
ok "a title of 200 characters (400 bytes)" spiral new "$t200" --learners "$t200" -q
LONG=$OUT
fails "a title of 201 characters" 1 '^spiral: error: the title is 201 characters; at most 200$' \
	spiral new "${t200}a"
fails "learners of 250 characters" 1 'the learners field is 250 characters; at most 200' \
	spiral new "Short" --learners "$t200$(printf 'x%.0s' $(seq 50))"
fails "edit --title of 201 characters" 1 'the title is 201 characters; at most 200' \
	spiral edit "$ID" --title "${t200}a"
fails "edit --learners of 201 characters" 1 'the learners field is 201 characters; at most 200' \
	spiral edit "$ID" --learners "${t200}a"
e2000=$(printf '🌱%.0s' $(seq 2000))
H=$(git rev-parse HEAD)
ok "an evidence item of 2000 characters (8000 bytes)" spiral scan "$ID" -m x --evidence "$e2000"
H=$(git rev-parse HEAD)
fails "an evidence item of 2001 characters" 1 \
	'^spiral: error: an evidence item is 2001 characters; at most 2000$' \
	spiral scan "$ID" -m x --evidence "${e2000}a"
head_is "over a limit" "$H"
ok "fsck is clean at the limits" spiral fsck
# A title from another school's spiral, longer than this one writes: read in
# full, fsck notes it.
f=$(ls inquiries/*/"$LONG"/inquiry.ini)
python3 - "$f" <<'EOF'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s = s.replace("title = ", "title = " + "b" * 50, 1)
open(p, "w", encoding="utf-8").write(s)
EOF
git commit -qam "a longer title, from elsewhere"
ok "show reads a title of 250 characters" spiral show "$LONG" --format json
json_check "all 250 characters of it" 'assert len(d["title"]) == 250, len(d["title"])'
fails "fsck fails on it" 1 '' spiral fsck
matches "fsck notes it, with file and line" \
	"^inquiries/.*/inquiry.ini:[0-9]+: title is 250 characters, more than the 200 spiral writes \\(read in full" "$OUT"
git revert --no-edit HEAD >/dev/null
ok "fsck is clean again" spiral fsck

# ---- 5. measure names in any script ----------------------------------------------
ok "--measure reo_kōrero=3" spiral scan "$ID" -m "Oral language" --measure reo_kōrero=3 \
	--target reo_kōrero=5
ok "show --format json" spiral show "$ID" --format json
json_check "the measure's key is reo_kōrero" \
	'assert d["entries"][-1]["measures"] == {"reo_kōrero": 3}, d["entries"][-1]'
ok "fsck is clean" spiral fsck
clean "git fsck clean"
inih_reads "inih reads the UTF-8 key"
nfd=$(printf 'reo_ko\xcc\x84rero')
ok "the same name typed with a combining macron (NFD)" spiral act "$ID" -m "More talk" \
	--measure "$nfd=4"
ok "show" spiral show "$ID" --format json
json_check "NFD and NFC are one measure (stored NFC)" '
e = d["entries"][-1]
assert e["measures"] == {"reo_kōrero": 4}, e
assert list(d["measures"]) == ["reo_kōrero"], d["measures"]
m = d["measures"]["reo_kōrero"]
assert (m["baseline"], m["latest"], m["target"]) == (3, 4, 5), m'
same "no NFD name on disk" "0" "$(git grep -c "$nfd" | wc -l)"
# A file written by hand (or by another tool) with the NFD name: read as
# the same measure; fsck says it is not in NFC.
last=$(git ls-files "inquiries/*/$ID/entries/*" | sort | tail -1)
hand=${last%/*}/29990101T000000Z-act-$(printf '%032x' 14).ini
sed -e "s/^reo_kōrero = .*/$nfd = 6/" -e 's/^seq = .*/seq = 99/' "$last" >"$hand"
git add "$hand" && git commit -qm "a hand-written entry with an NFD measure name"
ok "show reads it" spiral show "$ID" --format json
json_check "as the same measure" '
assert list(d["measures"]) == ["reo_kōrero"], d["measures"]
assert d["measures"]["reo_kōrero"]["latest"] == 6, d["measures"]
assert d["entries"][-1]["measures"] == {"reo_kōrero": 6}, d["entries"][-1]'
fails "fsck notes the NFD name" 1 "" spiral fsck
matches "with file and line" "$hand:[0-9]+: '$nfd' is not in Unicode NFC: read as the measure 'reo_kōrero'" "$OUT"
git rm -q "$hand" && git commit -qm "the hand-written entry removed"
ok "names in other scripts: Greek, Devanagari with marks, CJK, digits" spiral act "$ID" -m x \
	--measure "βαθμός=1" --measure "पढ़ना=2" --measure "読解_2=3" --measure "٣_score=4"
inih_reads "inih reads them"
ok "fsck is clean" spiral fsck
msg='is not a measure name: use letters and digits of any script and _ \(and - \. after the first\), at most 40 characters'
fails "a space in a name" 2 "'reo kōrero' $msg" spiral scan -m x --measure "reo kōrero=3"
fails "an emoji in a name" 2 "$msg" spiral scan -m x --measure "🌱=3"
fails "a name starting with -" 2 "$msg" spiral scan -m x --measure "-x=3"
fails "a name starting with a combining mark" 2 "$msg" spiral scan -m x --measure $'\u0304x=3'
fails "41 characters" 2 "$msg" spiral scan -m x --measure "$(printf 'ā%.0s' $(seq 41))=3"
ok "40 characters" spiral scan "$ID" -m x --measure "$(printf 'ā%.0s' $(seq 40))=3"
clean "clean after the measures"
# A cluster hub (spiral verify-push as its pre-receive hook) takes them.
MAIN=$PWD
git init -q --bare "$SANDBOX/hub.git"
ok "verify-push --install on a hub" spiral verify-push --install "$SANDBOX/hub.git"
new_repo pusher
spiral new "Reo" -q >/dev/null
spiral scan -m "Kōrero" --measure reo_kōrero=3 --measure "पढ़ना=2" --target "βαθμός=1" >/dev/null
git remote add hub "$SANDBOX/hub.git"
ok "a push of measures in any script is accepted by the hub" git push -q hub HEAD:main
same "the hub has them" "$(git rev-parse HEAD)" "$(git -C "$SANDBOX/hub.git" rev-parse main)"
cd "$MAIN" || exit 1

# ---- 6. the editor template and its trailers -------------------------------------
spiral switch "$ID" >/dev/null
spiral focus -m $'Oral language in 9K.\nSecond line not shown.' --target reo_kōrero=6 >/dev/null
typed 'Talked with the boys.\n'
on_tty "the editor opens on the template" 0 "$SPIRAL" hunch
T=$(cat "$SANDBOX/template")
matches "the template shows the last entry's first line" \
	'^# The last entry \(focus, [0-9-]+\): Oral language in 9K\.$' "$(grep 'last entry' <<<"$T")"
same "and not its second line" "" "$(grep 'Second line' <<<"$T")"
matches "the template shows the cycle's measures" \
	'#   reo_kōrero: baseline 3, target 6, latest 4' "$T"
matches "and a measure not yet with a target" '#   βαθμός: baseline 1, target none, latest 1' "$T"
matches "the template shows a trailer example of Evidence:" '^#   Evidence: ' "$T"
matches "Measure: with a measure of the inquiry" '#   Measure: [^ ]+=42' "$T"
matches "Target:" '#   Target: [^ ]+=60' "$T"
matches "Tag:" '#   Tag: writing' "$T"
same "Verdict: only in check's template" "" "$(grep 'Verdict:' <<<"$T")"

H=$(git rev-parse HEAD)
typed 'We checked the talk tallies.\nMeasure: mid-paragraph, this stays prose.\n\nSecond paragraph.\n\nEvidence: Talk tallies, week 6\n  and the boys'"'"' own notes\nmeasure: reo_kōrero=7\nTARGET : reo_kōrero=8\nVerdict: partly\nTag: oral language\nEvidence: Teacher observations\n'
on_tty "check in the editor with trailers" 0 "$SPIRAL" check --tag talk --measure βαθμός=2
ok "show" spiral show --format json
json_check "the trailers are the entry's fields; the options are kept too" '
e = d["entries"][-1]
assert e["text"] == "We checked the talk tallies.\nMeasure: mid-paragraph, this stays prose.\n\nSecond paragraph.", repr(e["text"])
assert e["evidence"] == ["Talk tallies, week 6 and the boys'"'"' own notes", "Teacher observations"], e["evidence"]
assert e["measures"] == {"reo_kōrero": 7, "βαθμός": 2}, e["measures"]
assert e["targets"] == {"reo_kōrero": 8}, e["targets"]
assert e["verdict"] == "partly", e["verdict"]
assert "oral language" in d["tags"] and "talk" in d["tags"], d["tags"]'
typed 'Check again.\n\nVerdict: partly\n'
on_tty "Verdict: in check's template" 0 "$SPIRAL" check
matches "check's template has Verdict:" '#   Verdict: partly' "$(cat "$SANDBOX/template")"
typed 'A hunch.\n\nVerdict: partly\n'
on_tty "Verdict: in another phase is prose" 0 "$SPIRAL" hunch
ok "show" spiral show --format json
json_check "the hunch keeps it as text" \
	'assert d["entries"][-1]["text"] == "A hunch.\n\nVerdict: partly", d["entries"][-1]'
typed 'Prose.\n\nMeasure: reo=5\nThis line is not a trailer.\n'
on_tty "a last paragraph with a line that is not a trailer" 0 "$SPIRAL" act
ok "show" spiral show --format json
json_check "is prose, all of it" '
e = d["entries"][-1]
assert e["text"] == "Prose.\n\nMeasure: reo=5\nThis line is not a trailer.", repr(e["text"])
assert e["measures"] == {}, e'
H=$(git rev-parse HEAD)
typed 'Text.\n\nMeasure: reo_kōrero=abc\n'
on_tty "a trailer with a bad number" 2 "$SPIRAL" act
matches "names the line" "the line 'Measure: reo_kōrero=abc' of the edited text: 'abc' is not a number" "$OUT"
matches "says where the text is kept" "your text is kept in .*/\.git/SPIRAL_EDIT\.ini" "$OUT"
matches "which holds what was typed" "Measure: reo_kōrero=abc" "$(cat .git/SPIRAL_EDIT.ini 2>&1)"
typed 'Text.\n\nVerdict: maybe\n'
on_tty "a bad verdict" 2 "$SPIRAL" check
matches "says what a verdict is" "the line 'Verdict: maybe'.*enough, partly or not-enough" "$OUT"
typed 'Text.\n\nTarget: reo kōrero=3\n'
on_tty "a bad measure name" 2 "$SPIRAL" act
typed 'Text.\n\nMeasure: reo_kōrero=3\n'
on_tty "a trailer and an option naming one measure" 2 "$SPIRAL" act --measure reo_kōrero=4
matches "says it is given twice" 'given twice' "$OUT"
typed 'Measure: reo_kōrero=3\n'
on_tty "trailers and no prose" 1 "$SPIRAL" act
matches "is an empty text" 'the text is empty' "$OUT"
head_is "the trailer errors" "$H"
typed 'Fine now.\n'
on_tty "a write that works after them" 0 "$SPIRAL" act
ok "drops the kept text" test ! -e .git/SPIRAL_EDIT.ini
typed '\n'
on_tty "an empty text" 1 "$SPIRAL" act
if printf '%s' "$OUT" | grep -q "text is kept"; then
	fail "an empty text is not kept" "$OUT"
else
	pass "an empty text is not kept"
fi
clean "clean after the trailers"
inih_reads "every file parses with inih"

finish
