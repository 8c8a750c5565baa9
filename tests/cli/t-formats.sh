#!/usr/bin/env bash
# Stable formats for scripts: every JSON shape key by key and type by type,
# CSV read back by a real CSV parser, Markdown tables well formed.
. "$(dirname "$0")/lib.sh"

new_repo
export GIT_AUTHOR_DATE="2026-03-02T09:00:00+13:00"
spiral new "Year 9 writing" --learners "Year 9 boys" --tag writing --team Aroha -q >/dev/null
first=$(git config spiral.current)
spiral scan -m 'Boys write less, "quoted", with, commas' --evidence "e-asTTle" \
	--measure writing=42 --target writing=60 >/dev/null
GIT_AUTHOR_DATE="2026-04-02T09:00:00+13:00" spiral act -m $'Two\nlines' \
	--measure writing=51 --measure attendance=0.8 >/dev/null
GIT_AUTHOR_DATE="2026-05-02T09:00:00+12:00" spiral check -m "Better" \
	--verdict partly --measure writing=55 >/dev/null
spiral note -m "Ka pai" >/dev/null
spiral new "Tōtara numeracy" --continues "${first:0:6}" -q >/dev/null

check_json() { # DESC PYTHON-ASSERTIONS (stdin: the JSON)
	local desc=$1 out
	if out=$(python3 -c "import json,sys
d=json.load(sys.stdin)
$2
print('ok')" 2>&1); then pass "$desc"; else fail "$desc" "$out"; fi
}

ok "list json" spiral list --format json
check_json "list: an array of summaries with exactly the contract's keys and types" '
keys={"id","title","school","status","phase","cycle","created","updated","tags","team","learners","continues","entries"}
assert isinstance(d,list) and len(d)==2, d
for s in d:
    assert keys <= set(s), set(s) ^ keys
    assert isinstance(s["id"],str) and len(s["id"])==32
    for k in ("title","school","status","created","updated","learners"): assert isinstance(s[k],str),k
    assert s["phase"] is None or isinstance(s["phase"],str)
    assert s["continues"] is None or isinstance(s["continues"],str)
    assert type(s["cycle"]) is int and type(s["entries"]) is int
    assert isinstance(s["tags"],list) and isinstance(s["team"],list)
w=[s for s in d if s["title"]=="Year 9 writing"][0]
t=[s for s in d if s["title"]!="Year 9 writing"][0]
assert w["phase"]=="check" and w["cycle"]==1 and w["entries"]==3 and w["status"]=="active"
assert w["tags"]==["writing"] and w["team"]==["Aroha"] and w["learners"]=="Year 9 boys"
assert w["continues"] is None and t["continues"]==w["id"] and t["phase"] is None and t["entries"]==0
assert w["created"]=="2026-03-02T09:00:00+13:00", w["created"]
assert w["updated"]=="2026-05-02T09:00:00+12:00", w["updated"]
' <<<"$OUT"

ok "show json" spiral show "${first:0:8}" --format json
check_json "show: summary plus entries, notes, measures, conflicts" '
e=d["entries"]
assert [x["phase"] for x in e]==["scan","act","check"], e
ekeys={"id","phase","date","author","email","school","cycle","text","evidence","measures","targets","verdict"}
for x in e:
    assert ekeys <= set(x), set(x) ^ ekeys
    assert type(x["cycle"]) is int and isinstance(x["evidence"],list)
    assert isinstance(x["measures"],dict) and isinstance(x["targets"],dict)
assert e[0]["text"]=="Boys write less, \"quoted\", with, commas"
assert e[0]["evidence"]==["e-asTTle"] and e[0]["measures"]=={"writing":42} and e[0]["targets"]=={"writing":60}
assert e[1]["text"]=="Two\nlines" and e[1]["measures"]=={"writing":51,"attendance":0.8}
assert e[0]["verdict"] is None and e[2]["verdict"]=="partly"
assert e[0]["author"]=="Aroha Ngata" and e[0]["email"]=="aroha@kowhai.school.nz"
assert e[0]["school"]=="Kōwhai Intermediate" and e[0]["date"]=="2026-03-02T09:00:00+13:00"
n=d["notes"]
assert len(n)==1 and {"date","author","text"} <= set(n[0]) and n[0]["text"]=="Ka pai"
m=d["measures"]
assert m["writing"]=={"baseline":42,"target":60,"latest":55,"progress":(55-42)/(60-42)}, m["writing"]
assert m["attendance"]=={"baseline":0.8,"target":None,"latest":0.8,"progress":None}, m["attendance"]
assert d["conflicts"]=={}
assert d["entries"] and d["phase"]=="check"
' <<<"$OUT"

ok "log json" spiral log --format json
check_json "log: entries newest first, each with inquiry and title" '
assert [x["phase"] for x in d]==["check","act","scan"], [x["phase"] for x in d]
for x in d:
    assert len(x["inquiry"])==32 and x["title"]=="Year 9 writing"
    assert {"id","phase","date","author","email","school","cycle","text","evidence","measures","targets","verdict"} <= set(x)
' <<<"$OUT"

ok "status json" spiral status --format json
check_json "status json names the current inquiry and the next phase" '
assert d["inquiry"]["title"]=="Tōtara numeracy" and d["next"]["phase"]=="scan"
assert d["next"]["question"]=="What'"'"'s going on for our learners?"
assert d["changed"]==[] and d["conflicts"]==[] and d["upstream"] is None
' <<<"$OUT"

check_csv() { # DESC PYTHON (rows: list of dicts) < CSV
	local desc=$1 out
	if out=$(python3 -c "import csv,sys,io
data=sys.stdin.buffer.read().decode('utf-8')
rows=list(csv.DictReader(io.StringIO(data, newline='')))
$2
print('ok')" 2>&1); then pass "$desc"; else fail "$desc" "$out"; fi
}
spiral list --status all --format csv >"$SANDBOX/list.csv"
check_csv "list csv: header and rows parse back" '
assert list(rows[0].keys())==["id","title","school","status","phase","cycle","created","updated","tags","team","learners","continues","entries"], rows[0].keys()
assert len(rows)==2
w=[r for r in rows if r["title"]=="Year 9 writing"][0]
assert w["phase"]=="check" and w["cycle"]=="1" and w["tags"]=="writing" and w["entries"]=="3"
' <"$SANDBOX/list.csv"
matches "csv lines end with CRLF (RFC 4180)" $'\r$' "$(head -1 "$SANDBOX/list.csv")"
spiral log --format csv >"$SANDBOX/log.csv"
check_csv "log csv: quoted commas, quotes and newlines read back exactly" '
texts=[r["text"] for r in rows]
assert "Boys write less, \"quoted\", with, commas" in texts, texts
assert "Two\nlines" in texts, texts
assert [r["phase"] for r in rows]==["check","act","scan"]
assert rows[1]["measures"]=="writing=51; attendance=0.8", rows[1]["measures"]
' <"$SANDBOX/log.csv"

ok "list md" spiral list --status all --format md
same "md: header, rule and a row per inquiry" 4 "$(printf '%s\n' "$OUT" | grep -c '^|')"
matches "md: rule line" '^\| --- \|' "$(printf '%s\n' "$OUT" | sed -n 2p)"
ok "show md" spiral show "${first:0:8}" --format md
matches "show md is a document with the title as heading" '^# Year 9 writing' "$OUT"
ok "show csv" spiral show "${first:0:8}" --format csv
matches "show csv has the log header" '^inquiry,title,id,phase' "$OUT"
fails "a format that does not exist is a usage error" 2 "format" spiral list --format xml
fails "html is for report only" 2 "format" spiral log --format html
finish
