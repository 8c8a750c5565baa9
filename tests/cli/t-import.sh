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

# ---- a spreadsheet saved by LibreOffice ------------------------------------
# examples/import/school.fods converted by soffice --convert-to csv: dates
# shown DD/MM/YYYY, numbers with decimals, macrons, a cell of two lines.
new_repo csv "Kōwhai Intermediate"
n=$(git rev-list --count HEAD)
ok "--dry-run" spiral import --csv "$fixtures/school.csv" --dry-run
same "says what it would import" \
	"Would import 2 inquiries, 6 entries, 0 notes, 0 changes (0 already here); nothing written." "$OUT"
commits "a dry run writes nothing" "$n"
ok "import the LibreOffice CSV" spiral import --csv "$fixtures/school.csv"
same "says what it imported" \
	"Imported 2 inquiries, 6 entries, 0 notes, 0 changes (0 already here)." "$OUT"
commits "in one commit" $((n + 1))
ok "fsck after the import" spiral fsck -q
inih_reads "every imported file reads with inih"
clean "the repository is clean"
ok "list" spiral list --format json
korero=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin) if i["title"].startswith("Kōrero")][0])')
ok "show the first inquiry" spiral show "$korero" --format json
json_check "dates, numbers, macrons and the text as the sheet has them" '
e = d["entries"]
assert d["title"] == "Kōrero in Year 5 writing" and d["school"] == "Kōwhai Intermediate"
assert d["tags"] == ["oral language", "writing"], d["tags"]
assert [x["phase"] for x in e] == ["scan", "focus", "hunch", "act", "check"]
assert [x["date"] for x in e] == ["2026-03-02T00:00:00+00:00", "2026-03-16T00:00:00+00:00",
    "2026-03-30T00:00:00+00:00", "2026-05-11T00:00:00+00:00", "2026-06-22T00:00:00+00:00"]
assert d["created"] == "2026-03-02T00:00:00+00:00"
assert [x["author"] for x in e] == ["Mere Tūhoe", "Mere Tūhoe", "Hēmi Walker", "Hēmi Walker", "Mere Tūhoe"]
assert e[0]["text"] == "Our Year 5 boys write less than they talk.\nWe listened to them first."
assert e[0]["measures"] == {"reading_age": 12.5} and e[1]["targets"] == {"reading_age": 18.25}
assert e[4]["measures"] == {"reading_age": 17.75} and e[4]["verdict"] == "partly"
assert d["measures"]["reading_age"]["baseline"] == 12.5 and d["measures"]["reading_age"]["latest"] == 17.75
assert all(x["school"] == "Kōwhai Intermediate" for x in e)
'
ok "the second inquiry" spiral list --format json
pid=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin) if i["title"].startswith("Pāngarau")][0])')
ok "show it" spiral show "$pid" --format json
json_check "0.5 on 7 April" '
assert d["entries"][0]["measures"] == {"reading_age": 0.5}
assert d["entries"][0]["date"].startswith("2026-04-07")
'
n=$(git rev-list --count HEAD)
ok "importing the same sheet again" spiral import --csv "$fixtures/school.csv"
same "imports nothing" "Nothing to import: 8 records are already here." "$OUT"
commits "and commits nothing" "$n"
# The same sheet with a BOM and CRLF line ends is the same sheet.
{ printf '\357\273\277'; sed 's/$/\r/' "$fixtures/school.csv"; } >"$SANDBOX/crlf.csv"
ok "with a BOM and CRLF" spiral import --csv "$SANDBOX/crlf.csv"
same "is the same sheet" "Nothing to import: 8 records are already here." "$OUT"
# A row added to the sheet: only it is imported.
{ cat "$fixtures/school.csv"; printf '2,,,,Focusing,21/04/2026,Aroha Ngata,Equivalent fractions first.,,0.75,\n'; } >"$SANDBOX/more.csv"
ok "a sheet with one more row" spiral import --csv "$SANDBOX/more.csv"
same "imports that row alone" "Imported 0 inquiries, 1 entry, 0 notes, 0 changes (8 already here)." "$OUT"
commits "in one more commit" $((n + 1))

# A copy with bad rows: every bad row named, nothing imported.
new_repo csv-bad "Kōwhai Intermediate"
n=$(git rev-list --count HEAD)
# Rows as the spreadsheet numbers them: row 2 has a cell of two lines.
sed -e 's|30/03/2026|31/02/2026|' -e 's|,Checking,|,Dreaming,|' "$fixtures/school.csv" >"$SANDBOX/bad.csv"
fails "a sheet with bad rows is refused" 1 "" spiral import --csv "$SANDBOX/bad.csv"
same "each bad row with its number" \
"spiral: error: $SANDBOX/bad.csv: row 4: date: '31/02/2026' is not a date (YYYY-MM-DD or DD/MM/YYYY, day first)
spiral: error: $SANDBOX/bad.csv: row 6: phase: 'Dreaming' is not scan, focus, hunch, learn, act or check" "$ERR"
commits "nothing imported" "$n"
same "nothing left in the work tree" "" "$(git status --porcelain)"
ok "list is empty" spiral list --format json
same "no inquiry" "[]" "$OUT"

# Numbers with a decimal comma, in a sheet separated by ';'.
printf 'Title;Phase;Date;Text;Measures\nComma sheet;scan;2026-03-02;Text;"words=45,5; pages=2"\n' >"$SANDBOX/semi.csv"
ok "a ';' sheet with a decimal comma" spiral import --csv "$SANDBOX/semi.csv"
printf 'Title,Phase,Date,Text\nOffsets,scan,2026-03-02T09:30:00+13:00,Text\nOffsets,focus,2026-03-03 14:05,Text\n' >"$SANDBOX/iso.csv"
ok "ISO dates with an offset, and with a time" spiral import --csv "$SANDBOX/iso.csv"
ok "their entries" spiral log --format json
json_check "keep their offset; a time alone is local" '
assert [x["date"] for x in d if x["title"] == "Offsets"] == ["2026-03-03T14:05:00+00:00", "2026-03-02T09:30:00+13:00"], d'
printf 'Title,Phase,Date,Text\nX,scan,02/03/2026 25:00,Text\nX,scan,last week,Text\n' >"$SANDBOX/baddates.csv"
fails "a time past 23:59 and words are not dates" 1 "row 3: date: 'last week'" \
	spiral import --csv "$SANDBOX/baddates.csv"
matches "both rows named" "row 2: date: '02/03/2026 25:00' is not a date" "$ERR"
ok "its entry" spiral log --format json
json_check "45,5 is 45.5" '
c = [x for x in d if x["title"] == "Comma sheet"][0]
assert c["measures"] == {"words": 45.5, "pages": 2}, c'
printf 'Title,Phase,Date,Text,Measures\nThousands,scan,2026-03-02,Text,"words=1,500"\n' >"$SANDBOX/thousands.csv"
fails "1,500 is ambiguous" 1 "row 2: measures: '1,500': a comma that may be a thousands separator" \
	spiral import --csv "$SANDBOX/thousands.csv"
printf 'Title,Phase,Date,Text,Colour\nX,scan,2026-03-02,Text,red\n' >"$SANDBOX/unknown.csv"
fails "a column spiral does not know" 1 "row 1: column 5, 'Colour', is not one spiral knows" \
	spiral import --csv "$SANDBOX/unknown.csv"
printf 'Title,Date,Text\nX,2026-03-02,Text\n' >"$SANDBOX/nolayout.csv"
fails "no phase column and no column per phase" 1 "row 1: no phase column" \
	spiral import --csv "$SANDBOX/nolayout.csv"
fails "--layout phases on a sheet of entries" 1 "a phase column, in a sheet of a row per inquiry" \
	spiral import --csv "$fixtures/template-entries.csv" --layout phases
fails "--layout takes entries or phases" 2 "entries or phases" \
	spiral import --csv "$fixtures/template-entries.csv" --layout rows
printf 'Title,Phase,Date,Text\n"not closed,scan,2026-03-02,Text\n' >"$SANDBOX/quote.csv"
fails "a quote not closed" 1 "not CSV" spiral import --csv "$SANDBOX/quote.csv"

# ---- the templates ---------------------------------------------------------
new_repo templates "Kōwhai Intermediate"
ok "the template of a row per entry" spiral import --csv "$fixtures/template-entries.csv"
same "imports its rows" "Imported 1 inquiry, 3 entries, 0 notes, 0 changes (0 already here)." "$OUT"
ok "the template of a row per inquiry" spiral import --csv "$fixtures/template-phases.csv"
same "an entry per phase" "Imported 1 inquiry, 6 entries, 0 notes, 0 changes (0 already here)." "$OUT"
ok "its inquiry" spiral list --format json
tid=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin) if i["phase"] == "check" and i["cycle"] == 1][-1])')
ok "show" spiral show "$tid" --format json
json_check "baseline and targets on the first entry, results and verdict on the check" '
e = d["entries"]
if len(e) == 6:
    assert [x["phase"] for x in e] == ["scan", "focus", "hunch", "learn", "act", "check"]
    assert e[0]["measures"] == {"words_per_piece": 45.5} and e[0]["targets"] == {"words_per_piece": 80}
    assert e[5]["measures"] == {"words_per_piece": 72} and e[5]["verdict"] == "partly"
    assert len({x["date"] for x in e}) == 1 and e[0]["author"] == "Mere Tūhoe"
else:
    assert [x["phase"] for x in e] == ["scan", "focus", "check"]
    assert e[0]["evidence"] == ["writing samples", "student voice survey"]
    assert e[0]["text"].endswith("a cell may hold\nseveral lines.")
    assert e[2]["verdict"] == "partly"
'

# ---- formulas stay text, and CSV output guards them -------------------------
new_repo formula
printf 'Title,Phase,Date,Text\n=cmd|calc,scan,2026-03-02,@SUM(A1)\n' >"$SANDBOX/formula.csv"
ok "a title that looks like a formula" spiral import --csv "$SANDBOX/formula.csv"
ok "list --format json" spiral list --format json
json_check "is stored as text" 'assert d[0]["title"] == "=cmd|calc"'
ok "list --format csv" spiral list --format csv
matches "shows it guarded" ",\"'=cmd\\|calc\"," "$OUT"
ok "log --format csv" spiral log --format csv
matches "and the text too" ",\"'@SUM\\(A1\\)\"," "$OUT"
round_trip "a formula-like title" "$SANDBOX/formula"
ok "list --format csv of the copy" spiral -C "$LAST" list --format csv
matches "still guarded" ",\"'=cmd\\|calc\"," "$OUT"

finish
