#!/usr/bin/env bash
# export and import: the whole repository as one JSON document read back
# losslessly (IDs, dates, authors, conflicts and all), and inquiries from a
# spreadsheet (the LibreOffice fixture in examples/import/), refused whole
# with every bad row's number, idempotent.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$root/examples/import

# round_trip DESC DIR: export DIR, import into an empty repository, export
# again: the same bytes.
round_trip() {
	local desc=$1 dir=$2 empty=$SANDBOX/rt-$RANDOM
	spiral -C "$dir" export -o "$SANDBOX/first.json" || { fail "$desc: export"; return; }
	spiral init "$empty" --school "Elsewhere" >/dev/null
	ok "$desc: import into an empty repository" \
		spiral -C "$empty" import --json "$SANDBOX/first.json"
	spiral -C "$empty" export >"$SANDBOX/second.json"
	if cmp -s "$SANDBOX/first.json" "$SANDBOX/second.json"; then
		pass "$desc: export again is byte-identical"
	else
		fail "$desc: export again differs" \
			"$(diff "$SANDBOX/first.json" "$SANDBOX/second.json" | head -c 1500)"
	fi
	same "$desc: one commit" 2 "$(git -C "$empty" rev-list --count HEAD)"
	ok "$desc: fsck of the new repository" spiral -C "$empty" fsck -q
	LAST=$empty
}

# ---- a repository with every kind of record --------------------------------
new_repo src "Kōwhai Intermediate"
id=$(spiral new "Kōrero: Year 5 writing" --learners "Year 5 boys" --tag writing \
	--tag boys --team Aroha -q)
spiral scan -m "First paragraph; with = and [brackets]" -m "  second, indented" \
	--evidence "survey; 2026" --measure words=45.5 --measure "reo_kōrero=3" \
	--date 2026-03-02 >/dev/null
spiral focus -m "Focus" --target words=80 --date 2026-03-09T10:30:00+13:00 >/dev/null
spiral note -m "A colleague's note" >/dev/null
spiral edit --title "Kōrero in Year 5 writing" --untag boys --tag oral >/dev/null
spiral check -m "Checked" --verdict partly --new-cycle --measure words=70 >/dev/null
spiral scan -m "Cycle two" >/dev/null
spiral new "A second inquiry" --continues "$id" -q >/dev/null
spiral close >/dev/null
ok "export" spiral export
json_check "the document's shape" '
assert d["spiral_export"] == 1 and d["format"] == 1
inq = [i for i in d["inquiries"] if i["title"].startswith("Kōrero")][0]
assert inq["tags"] == ["writing", "boys"] and inq["team"] == ["Aroha"]
assert inq["learners"] == "Year 5 boys" and inq["continues"] is None
e = inq["entries"]
assert [x["phase"] for x in e] == ["scan", "focus", "check", "scan"]
assert [x["seq"] for x in e] == sorted(x["seq"] for x in e)
assert e[0]["text"] == "First paragraph; with = and [brackets]\n\n  second, indented"
assert e[0]["measures"] == {"words": 45.5, "reo_kōrero": 3}
assert e[1]["date"] == "2026-03-09T10:30:00+13:00" and e[1]["targets"] == {"words": 80}
assert e[2]["verdict"] == "partly" and e[2]["new_cycle"] is True and e[3]["cycle"] == 2
assert inq["notes"][0]["text"] == "A colleague'"'"'s note"
ch = {(c["field"], c["op"]) for c in inq["changes"]}
assert ch == {("title", "set"), ("tag", "remove"), ("tag", "add")}, ch
rm = [c for c in inq["changes"] if c["op"] == "remove"][0]
assert rm["parents"] == [inq["id"]]
other = [i for i in d["inquiries"] if i["title"] == "A second inquiry"][0]
assert other["continues"] == inq["id"]
assert [c["value"] for c in other["changes"]] == ["closed"]
assert [i["id"] for i in d["inquiries"]] == sorted(i["id"] for i in d["inquiries"])
'
first=$OUT
ok "export is deterministic" spiral export
same "the same bytes twice" "$first" "$OUT"
ok "export --format json -o FILE" spiral export --format json -o "$SANDBOX/out.json"
same "-o prints nothing" "" "$OUT"
same "-o writes the document" "$first" "$(cat "$SANDBOX/out.json")"
fails "export --format csv is a usage error" 2 "json only" spiral export --format csv
fails "export takes no arguments" 2 "" spiral export extra

round_trip "every kind of record" "$SANDBOX/src"
copy=$LAST
ok "show in the copy" spiral -C "$copy" show "$id" --format json
json_check "the copy's inquiry is the same, ids and authors kept" "
assert d['id'] == '$id' and d['title'] == 'Kōrero in Year 5 writing'
assert d['tags'] == ['oral', 'writing'] and d['cycle'] == 2
assert d['entries'][0]['author'] == 'Aroha Ngata' and d['entries'][0]['school'] == 'Kōwhai Intermediate'
"
cd "$copy" || exit 1
inih_reads "every imported file reads with inih"
clean "the copy is clean and git-fsck clean"
n=$(git rev-list --count HEAD)
ok "importing the same document again" spiral import --json "$SANDBOX/first.json"
matches "says nothing was imported" "^Nothing to import: [0-9]+ records are already here" "$OUT"
commits "and commits nothing" "$n"
ok "the import's commit" git log -1 --format=%s "$(git rev-list HEAD | sed -n 1p)"
matches "says what it imported" "^import\(json\): 2 inquiries, 4 entries, 1 note, 4 changes" "$OUT"

# Same id, other content: an error naming the record, nothing written.
python3 - "$SANDBOX/first.json" >"$SANDBOX/changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["inquiries"].sort(key=lambda i: -len(i["entries"]))
d["inquiries"][0]["entries"][0]["text"] += " (changed)"
print(json.dumps(d, ensure_ascii=False))
PY
eid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inquiries"][0]["entries"][0]["id"])' "$SANDBOX/changed.json")
fails "a record with the same id and other content is refused" 1 \
	"entry $eid: the repository has another entry with that id; nothing was imported" \
	spiral import --json "$SANDBOX/changed.json"
commits "nothing written" "$n"

# Bad documents: nothing written, the reason named.
new_repo bad
n=$(git rev-list --count HEAD)
printf '{"spiral_export":1,"inquiries":[\n{"id": }\n]}\n' >"$SANDBOX/broken.json"
fails "JSON that does not parse: its line" 1 "broken.json: line 2: " \
	spiral import --json "$SANDBOX/broken.json"
printf '{"inquiries":[]}\n' >"$SANDBOX/other.json"
fails "a JSON document of something else" 1 "not a document of spiral export" \
	spiral import --json "$SANDBOX/other.json"
printf '{"spiral_export":2,"inquiries":[]}\n' >"$SANDBOX/v2.json"
fails "a later version says to upgrade" 1 "upgrade spiral" \
	spiral import --json "$SANDBOX/v2.json"
python3 - "$SANDBOX/first.json" "$SANDBOX" <<'PY'
import json, sys
src, box = sys.argv[1], sys.argv[2]
def bad(name, f):
    d = json.load(open(src))
    d["inquiries"].sort(key=lambda i: -len(i["entries"]))
    f(d)
    json.dump(d, open(f"{box}/{name}.json", "w"), ensure_ascii=False)
bad("cycle0", lambda d: d["inquiries"][0]["entries"][1].update(cycle=0))
bad("phase", lambda d: d["inquiries"][0]["entries"][1].update(phase="dream"))
bad("badid", lambda d: d["inquiries"][0]["notes"][0].update(id="../../etc"))
bad("nul", lambda d: d["inquiries"][0]["notes"][0].update(text="a\u0000b"))
bad("twice", lambda d: d["inquiries"][0]["entries"].append(d["inquiries"][0]["entries"][0]))
bad("date", lambda d: d["inquiries"][1].update(created="last week"))
bad("measure", lambda d: d["inquiries"][0]["entries"][0]["measures"].update({"a b": 1}))
PY
fails "cycle 0 is refused" 1 "entry [0-9a-f]{32}: \"cycle\" is not a whole number" \
	spiral import --json "$SANDBOX/cycle0.json"
fails "an unknown phase is refused" 1 "\"phase\" is not a phase" \
	spiral import --json "$SANDBOX/phase.json"
fails "an id that is not one is refused" 1 "\"id\" is not an id" \
	spiral import --json "$SANDBOX/badid.json"
fails "NUL in a text is refused" 1 "not UTF-8 text \(or holds NUL\)" \
	spiral import --json "$SANDBOX/nul.json"
fails "a record given twice is refused" 1 "is given twice" \
	spiral import --json "$SANDBOX/twice.json"
fails "a date that is not one is refused" 1 "\"created\" is not a date" \
	spiral import --json "$SANDBOX/date.json"
fails "a measure name that is not one is refused as a pulled file would be" 1 \
	"entry [0-9a-f]{32}: .*nothing was imported" \
	spiral import --json "$SANDBOX/measure.json"
commits "none of them wrote anything" "$n"
same "nor left a file" "" "$(git status --porcelain)"
fails "import needs --json or --csv" 2 "one of --json FILE and --csv FILE" spiral import
fails "not both" 2 "one of --json FILE and --csv FILE" \
	spiral import --json a --csv b
fails "--layout is for --csv" 2 "--layout is for --csv" \
	spiral import --json a --layout entries
fails "a missing file" 1 "cannot read" spiral import --json "$SANDBOX/nope.json"

# ---- an unsettled conflict survives ---------------------------------------
new_repo hub-src
cid=$(spiral new "Year 9 writing" -q)
spiral scan -m "start" >/dev/null
git clone -q --bare . "$SANDBOX/hub.git"
git clone -q "$SANDBOX/hub.git" "$SANDBOX/ca"
git clone -q "$SANDBOX/hub.git" "$SANDBOX/cb"
for side in ca cb; do
	git -C "$SANDBOX/$side" config spiral.school "School $side"
	spiral -C "$SANDBOX/$side" edit "$cid" --title "Title from $side" >/dev/null
done
git -C "$SANDBOX/ca" push -q origin HEAD:main
git -C "$SANDBOX/cb" config spiral.current "$cid"
spiral -C "$SANDBOX/cb" pull origin >/dev/null 2>&1
ok "the pull left a conflict" spiral -C "$SANDBOX/cb" show "$cid" --format json
json_check "on the title" 'assert "title" in d["conflicts"], d["conflicts"]'
round_trip "an unsettled conflict" "$SANDBOX/cb"
ok "show in the copy" spiral -C "$LAST" show "$cid" --format json
json_check "the conflict is still there, both values" '
assert sorted(d["conflicts"]["title"]) == ["Title from ca", "Title from cb"], d["conflicts"]'

# ---- the example cluster ---------------------------------------------------
ok "cluster.sh builds the example cluster" \
	env SPIRAL="$SPIRAL" bash "$root/examples/cluster.sh" "$SANDBOX/cluster"
round_trip "the example cluster" "$SANDBOX/cluster"
ok "report of the copy" spiral -C "$LAST" report --format json
copy_report=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("generated",None); print(json.dumps(d, sort_keys=True))')
ok "report of the cluster" spiral -C "$SANDBOX/cluster" report --format json
same "the same report" "$copy_report" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("generated",None); print(json.dumps(d, sort_keys=True))')"

finish
