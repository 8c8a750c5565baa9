#!/usr/bin/env bash
# Merge by construction (storage.md 5 and 6), checked with stock git alone:
# two clones change the same inquiry without seeing each other; git merges
# with no textual conflict and nothing is lost; a field changed on both
# sides is a conflict until spiral resolve settles it.
. "$(dirname "$0")/lib.sh"

new_repo hub-src
id=$(spiral new "Year 9 writing" --tag writing --tag boys --team Aroha -q)
spiral scan -m "start" >/dev/null
git clone -q --bare . "$SANDBOX/hub.git"
git clone -q "$SANDBOX/hub.git" "$SANDBOX/a"
git clone -q "$SANDBOX/hub.git" "$SANDBOX/b"
for side in a b; do
	git -C "$SANDBOX/$side" config spiral.school "School $side"
	git -C "$SANDBOX/$side" config spiral.current "$id"
done

cd "$SANDBOX/a"
spiral edit --title "Writing in Year 9 (A)" --untag boys --tag oral-language >/dev/null
spiral act -m "A acts" >/dev/null
spiral note -m "A notes" >/dev/null
git push -q origin HEAD:main

cd "$SANDBOX/b"
spiral edit --title "Year 9 writing (B)" --untag boys --team Mere >/dev/null
spiral edit --tag boys >/dev/null # B takes it back: a new addition A never saw
spiral learn -m "B learns" >/dev/null
spiral close >/dev/null
git fetch -q origin
ok "stock git merges with no conflict" git merge -q --no-edit origin/main
clean "merged clone is clean and fsck-clean"
ok "show after merge" spiral show --format json
check() {
	if python3 -c "import json,sys
d=json.load(sys.stdin)
$2" <<<"$OUT"; then pass "$1"; else fail "$1" "$OUT"; fi
}
check "every entry from both sides survives" '
assert sorted(e["text"] for e in d["entries"])==["A acts","B learns","start"], d["entries"]'
check "notes survive" 'assert [n["text"] for n in d["notes"]]==["A notes"]'
check "the title changed on both sides is a conflict keeping both values" '
assert sorted(d["conflicts"]["title"])==["Writing in Year 9 (A)","Year 9 writing (B)"], d["conflicts"]'
check "an addition is not undone by a concurrent removal that did not see it" '
assert d["tags"]==["boys","oral-language","writing"], d["tags"]'
check "sets merge as sets" 'assert d["team"]==["Aroha","Mere"], d["team"]'
check "a change made on one side only applies" 'assert d["status"]=="closed"'
ok "status lists the conflict" spiral status
matches "with the command that settles it" 'title \(2 values\): spiral resolve' "$OUT"
fails "resolve needs a field that can conflict" 2 "field" spiral resolve tag x
ok "resolve settles it" spiral resolve title "Year 9 writing"
matches "says it settled a conflict" '^Settled title' "$OUT"
ok "resolve of a field with no conflict" spiral resolve learners "Year 9"
matches "says it is a plain edit" 'not in conflict: recorded as a plain edit' "$OUT"
ok "show after resolve" spiral show --format json
check "settled" 'assert d["conflicts"]=={} and d["title"]=="Year 9 writing"'
clean "clean after resolve"

# The same state, whatever the order of merges: A merges B's side too.
git push -q origin HEAD:main
cd "$SANDBOX/a"
git pull -q --no-rebase --no-edit origin main
ok "the other clone" spiral show --format json
a_json=$OUT
cd "$SANDBOX/b"
ok "this clone" spiral show --format json
same "both clones compute the same state" "$a_json" "$OUT"

# Two unrelated school repositories merge as a union.
new_repo school-one "School One"
spiral new "One" -q >/dev/null
new_repo school-two "School Two"
spiral new "Two" -q >/dev/null
git pull -q --no-rebase --no-edit --allow-unrelated-histories "$SANDBOX/school-one" main
ok "unrelated histories merge" spiral list --format json
same "both schools' inquiries" "One Two" "$(python3 -c "import json,sys; print(' '.join(sorted(x['title'] for x in json.load(sys.stdin))))" <<<"$OUT")"
clean "clean after the union"
inih_reads "every file written here parses with inih, lines within 160 bytes"
finish
