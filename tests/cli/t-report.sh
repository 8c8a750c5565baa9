#!/usr/bin/env bash
# spiral report: the cluster view.  On the example cluster every number is
# computed here, in python3, from examples/cluster.tsv alone (never by
# asking spiral), and compared with the JSON and the CSV; then the
# data-quality flags on planted cases; then -o FILE as cron uses it.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/examples/cluster.tsv

ok "cluster.sh builds the example cluster" \
	env SPIRAL="$SPIRAL" bash "$root/examples/cluster.sh" "$SANDBOX/cluster"
cd "$SANDBOX/cluster" || exit 1

# expect BY: the report the TSV says, as JSON, with "now" the report's own
# "generated" (read from $SANDBOX/report.json) so that days idle agree.
cat >"$SANDBOX/expect.py" <<'PY'
import datetime as dt, json, re, sys

data_path, by, report_path = sys.argv[1], sys.argv[2], sys.argv[3]
now = dt.datetime.fromisoformat(json.load(open(report_path))["generated"])
IDLE, STUCK = 28, 70
PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]

def nz_offset(day):
    # NZDT (+13) before the first Sunday of April and from the last Sunday
    # of September; NZST (+12) between (the TSV's header says so).
    def sunday_on_or_after(d):
        return d + dt.timedelta(days=(6 - d.weekday()) % 7)
    start_std = sunday_on_or_after(dt.date(day.year, 4, 1))
    last_sep = dt.date(day.year, 9, 30)
    start_dst = last_sep - dt.timedelta(days=(last_sep.weekday() + 1) % 7)
    return 12 if start_std <= day < start_dst else 13

def when(s):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d))?", s)
    day = dt.date.fromisoformat(m.group(1))
    return dt.datetime.fromisoformat(
        f"{m.group(1)}T{m.group(2) or '15:30'}:00+{nz_offset(day):02d}:00")

schools, people, inquiries, events = {}, {}, {}, []
cluster_who = None
for n, line in enumerate(open(data_path, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    w, part, who, what, key, text, details = line.split("\t")
    items = [] if details == "-" else details.split(" | ")
    if what == "cluster":
        cluster_who = who
    elif what == "school":
        schools[part] = text
    elif what == "person":
        people[who] = {"name": text, "school": part}
    else:
        events.append((when(w), n, part, who, what, key, text, items))
events.sort(key=lambda e: (e[0], e[1]))
for w, n, part, who, what, key, text, items in events:
    school = schools[part if part != "leader" else people[cluster_who]["school"]]
    if what == "new":
        inq = {"school": school, "tags": set(), "closed": False, "created": w,
               "authors": {people[who]["name"]}, "entries": [], "cycle": 1,
               "continues": None}
        for i in items:
            k, v = i.split("=", 1)
            if k == "tag":
                inq["tags"].add(v)
            elif k == "continues":
                inq["continues"] = v
        inquiries[key] = inq
        continue
    inq = inquiries[key]
    if what == "close":
        inq["closed"] = True
    if what not in PHASES:
        continue
    e = {"phase": what, "when": w, "cycle": inq["cycle"], "measures": [],
         "targets": [], "verdict": None}
    inq["authors"].add(people[who]["name"])
    for i in items:
        k, _, v = i.partition("=")
        if k == "measure":
            name, num = v.rsplit("=", 1)
            e["measures"].append((name, float(num)))
        elif k == "target":
            name, num = v.rsplit("=", 1)
            e["targets"].append((name, float(num)))
        elif k == "tag":
            inq["tags"].add(v)
        elif k == "verdict":
            e["verdict"] = v
        elif k == "close":
            inq["closed"] = True
        elif k == "new-cycle":
            inq["cycle"] += 1
    inq["entries"].append(e)

def targets(inq):
    t = {"met": 0, "on_the_way": 0, "no_movement": 0, "none": 0}
    cur = [e for e in inq["entries"] if e["cycle"] == inq["cycle"]]
    values, target = {}, {}
    for e in cur:
        for name, v in e["measures"]:
            values.setdefault(name, []).append(v)
        for name, v in e["targets"]:
            target[name] = v
    names = set(values) | set(target)
    for name in names:
        vs = values.get(name, [])
        tg = target.get(name)
        if tg is None or (vs and tg == vs[0]):
            t["none"] += 1
        elif not vs:
            t["no_movement"] += 1
        else:
            p = (vs[-1] - vs[0]) / (tg - vs[0])
            t["met" if p >= 1 else "on_the_way" if p > 0 else "no_movement"] += 1
    if not names:
        t["none"] = 1
    return t

def last_entry(inq):
    return inq["entries"][-1]["when"] if inq["entries"] else inq["created"]

def stalled(inq):
    return not inq["closed"] and (now - last_entry(inq)).total_seconds() >= IDLE * 86400

def keys(inq):
    if by == "school":
        return [inq["school"]]
    if by == "phase":
        return [inq["entries"][-1]["phase"]] if inq["entries"] else [None]
    if by == "tag":
        return sorted(inq["tags"]) or [None]
    if by == "author":
        return sorted(inq["authors"])
    return [None]

groups = {}
for inq in inquiries.values():
    t = targets(inq)
    for k in keys(inq):
        g = groups.setdefault(k, {"key": k, "inquiries": 0, "active": 0,
            "closed": 0, "stalled": 0, "phases": {p: 0 for p in PHASES},
            "targets": {"met": 0, "on_the_way": 0, "no_movement": 0, "none": 0}})
        g["inquiries"] += 1
        g["closed" if inq["closed"] else "active"] += 1
        g["stalled"] += stalled(inq)
        if inq["entries"]:
            g["phases"][inq["entries"][-1]["phase"]] += 1
        for x in t:
            g["targets"][x] += t[x]
order = (lambda k: (k is None, PHASES.index(k) if k else 0)) if by == "phase" \
    else (lambda k: (k is None, (k or "").encode()))
out_groups = [groups[k] for k in sorted(groups, key=order)]

st = sorted((i for i in inquiries.values() if stalled(i)), key=last_entry)
stalled_days = [int((now - last_entry(i)).total_seconds() // 86400) for i in st]

sch = sorted({i["school"] for i in inquiries.values()}, key=str.encode)
tags = sorted({t for i in inquiries.values() for t in i["tags"]}, key=str.encode)
counts = [[sum(1 for i in inquiries.values() if i["school"] == s and t in i["tags"])
           for t in tags] for s in sch]

flags = {}
def flag(kind):
    flags[kind] = flags.get(kind, 0) + 1
for inq in inquiries.values():
    cur = [e for e in inq["entries"] if e["cycle"] == inq["cycle"]]
    if any(e["phase"] in ("act", "check") for e in cur) and not any(e["targets"] for e in cur):
        flag("no_target")
    if not inq["closed"] and inq["entries"] and inq["entries"][-1]["phase"] in ("scan", "focus"):
        run = []
        for e in reversed(inq["entries"]):
            if e["cycle"] != inq["cycle"] or e["phase"] not in ("scan", "focus"):
                break
            run.append(e)
        if (now - run[-1]["when"]).total_seconds() // 86400 >= STUCK:
            flag("stuck")
    for e in inq["entries"]:
        if e["phase"] == "check" and not e["verdict"]:
            flag("no_verdict")
        if e["phase"] == "check" and not e["measures"]:
            flag("no_measure")
    if inq["continues"] and inq["continues"] not in inquiries:
        flag("broken_lineage")

progress = {"met": 0, "on_the_way": 0, "no_movement": 0}
for inq in inquiries.values():
    t = targets(inq)
    for x in progress:
        progress[x] += t[x]

print(json.dumps({"by": None if by == "none" else by, "groups": out_groups,
                  "progress": progress,
                  "stalled_days": stalled_days,
                  "coherence": {"schools": sch, "tags": tags, "counts": counts},
                  "flags": flags}, sort_keys=True))
PY

# What spiral says, in the shape expect.py prints.
cat >"$SANDBOX/actual.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
flags = {}
for f in d["flags"]:
    flags[f["kind"]] = flags.get(f["kind"], 0) + 1
progress = {"met": 0, "on_the_way": 0, "no_movement": 0}
for p in d["progress"]:
    progress[p["state"]] += 1
print(json.dumps({"by": d["by"], "groups": d["groups"], "progress": progress,
                  "stalled_days": [s["days_idle"] for s in d["stalled"]],
                  "coherence": {k: d["coherence"][k] for k in ("schools", "tags", "counts")},
                  "flags": flags}, sort_keys=True))
PY

# The same numbers from the CSV, in that shape too.
cat >"$SANDBOX/csvcheck.py" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["section", "key", "item", "value"], rows[0]
by = sys.argv[2]
PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]
groups, stalled, coh, flags = [], [], {}, {}
progress = {"met": 0, "on_the_way": 0, "no_movement": 0}
for section, key, item, value in rows[1:]:
    if section == "group":
        k = key or None
        if not groups or groups[-1]["key"] != k:
            groups.append({"key": k, "phases": {}, "targets": {}})
        g = groups[-1]
        if item in PHASES:
            g["phases"][item] = int(value)
        elif item in ("met", "on_the_way", "no_movement", "none"):
            g["targets"][item] = int(value)
        else:
            g[item] = int(value)
    elif section == "stalled" and item == "days_idle":
        stalled.append(int(value))
    elif section == "coherence":
        coh.setdefault(key, {})[item] = int(value)
    elif section == "flag":
        flags[item] = flags.get(item, 0) + 1
    elif section == "target":
        progress[value] += 1
sch = sorted(coh, key=str.encode)
tags = sorted({t for s in coh.values() for t in s}, key=str.encode)
print(json.dumps({"by": None if by == "none" else by, "groups": groups,
                  "progress": progress,
                  "stalled_days": stalled,
                  "coherence": {"schools": sch, "tags": tags,
                                "counts": [[coh[s][t] for t in tags] for s in sch]},
                  "flags": flags}, sort_keys=True))
PY

# The Groups table of the Markdown or the table for people, in the shape
# of expect.py's groups: each row's key (as shown) and its 14 numbers.
cat >"$SANDBOX/groupsview.py" <<'PY'
import json, re, sys
expected = json.loads(sys.argv[1])["groups"]
text, fmt = open(sys.argv[2], encoding="utf-8").read(), sys.argv[3]
part = text.split("Groups", 1)[1].split("Stalled", 1)[0]
rows = []
for line in part.splitlines():
    if fmt == "md":
        if not line.startswith("| ") or line.startswith("| GROUP") or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in line.strip("|").split(" | ")]
    else:
        if not line.strip() or line.startswith("GROUP"):
            continue
        cells = re.split(r"  +", line.strip())
    rows.append([cells[0]] + [int(c) for c in cells[-14:]])
PH = ["scan", "focus", "hunch", "learn", "act", "check"]
TG = ["met", "on_the_way", "no_movement", "none"]
want = [[g["key"]] + [g[k] for k in ("inquiries", "active", "closed", "stalled")]
        + [g["phases"][p] for p in PH] + [g["targets"][t] for t in TG]
        for g in expected]
got = [[r[0] if w[0] is not None else None] + r[1:] for r, w in zip(rows, want)]
assert len(rows) == len(want), (len(rows), len(want), part)
assert got == want, (got, want)
print("same")
PY

for by in none school phase tag author; do
	opt=()
	[ "$by" = none ] || opt=(--by "$by")
	ok "report ${opt[*]:-(one group)} --format json" spiral report "${opt[@]}" --format json
	printf '%s' "$OUT" >"$SANDBOX/report.json"
	json_check "the JSON has every key of the contract" '
assert set(d) >= {"generated","by","groups","stalled","coherence","digest","flags"}, d.keys()
assert isinstance(d["digest"], list)
for g in d["groups"]:
    assert set(g) >= {"key","inquiries","active","closed","stalled","phases","targets"}
for s in d["stalled"]:
    assert set(s) >= {"id","title","school","status","phase","cycle","created","updated","tags","team","learners","continues","entries","days_idle"}
for f in d["flags"]:
    assert set(f) == {"inquiry","kind","message"} and len(f["inquiry"]) == 32
for p in d["progress"]:
    assert p["target"] is not None and p["state"] in ("met", "on_the_way", "no_movement")'
	expected=$(python3 "$SANDBOX/expect.py" "$data" "$by" "$SANDBOX/report.json")
	same "report ${opt[*]:-(one group)}: the TSV's numbers" "$expected" \
		"$(python3 "$SANDBOX/actual.py" "$SANDBOX/report.json")"
	ok "report ${opt[*]:-(one group)} --format csv" spiral report "${opt[@]}" --format csv
	printf '%s' "$OUT" >"$SANDBOX/report.csv"
	same "report ${opt[*]:-(one group)}: the CSV parses, same numbers" "$expected" \
		"$(python3 "$SANDBOX/csvcheck.py" "$SANDBOX/report.csv" "$by" 2>&1)"
	for fmt in md table; do
		spiral report "${opt[@]}" --format "$fmt" >"$SANDBOX/report.$fmt" 2>&1
		same "report ${opt[*]:-(one group)} --format $fmt: the TSV's groups" same \
			"$(python3 "$SANDBOX/groupsview.py" "$expected" "$SANDBOX/report.$fmt" "$fmt" 2>&1 | tail -n 3)"
	done
done

# A filter chooses what the whole report counts; --status is all by default.
ok "report --school" spiral report --school "tōtara primary" --format json
json_check "one school, closed inquiries too" '
assert d["coherence"]["schools"] == ["Tōtara Primary"], d["coherence"]["schools"]
assert d["groups"][0]["inquiries"] == 14 and d["groups"][0]["closed"] > 0, d["groups"]'
ok "report --status active" spiral report --status active --format json
json_check "no closed inquiry" 'assert d["groups"][0]["closed"] == 0'
ok "report --idle 100" spiral report --idle 100 --format json
json_check "--idle sets the threshold" '
assert d["idle"] == 100 and d["stalled"] and all(s["days_idle"] >= 100 for s in d["stalled"])'
ok "report for people" spiral report --by school
matches "a table per part" "Groups.*Stalled: no entry for 28 days.*Targets.*Coherence.*Flags" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"
ok "report in Markdown" spiral report --format md
matches "Markdown headings and tables" "^# Report of .*## Groups.*\| GROUP \|" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"

fails "--by takes four words" 2 "--by takes school, phase, tag or author" spiral report --by year
fails "--idle takes days" 2 "--idle takes a number of days" spiral report --idle soon
fails "no arguments" 2 "report takes no arguments" spiral report extra
fails "an unknown format" 2 "--format takes table, json, csv or md or html" spiral report --format pdf

# ---- -o FILE: atomic, quiet, for cron -----------------------------------------

mkdir "$SANDBOX/www"
echo "last week's report" >"$SANDBOX/www/report.csv"
ok "report -o FILE" spiral report --format csv -o "$SANDBOX/www/report.csv"
same "quiet: nothing on stdout" "" "$OUT"
same "quiet: nothing on stderr" "" "$(cat "$SANDBOX/stderr")"
same "the file is replaced by the report" "section,key,item,value" \
	"$(head -n 1 "$SANDBOX/www/report.csv" | tr -d '\r')"
same "no temporary file left beside it" "report.csv" "$(ls "$SANDBOX/www")"
same "readable as a new file is" "644" "$(stat -c %a "$SANDBOX/www/report.csv")"
ok "--output=FILE too" spiral report --output="$SANDBOX/www/r.json" --format json
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SANDBOX/www/r.json" &&
	pass "the JSON file parses" || fail "the JSON file parses"
rm "$SANDBOX/www/r.json"
fails "a folder that does not exist" 1 "^spiral: error: cannot write '.*/nowhere/report.csv'" \
	spiral report -o "$SANDBOX/nowhere/report.csv"
same "one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
same "nothing on stdout" "" "$OUT"
mkdir "$SANDBOX/www/adir"
fails "a folder in the way" 1 "^spiral: error: cannot write" spiral report -o "$SANDBOX/www/adir"
same "nothing left behind" "adir report.csv" "$(ls "$SANDBOX/www" | tr '\n' ' ' | sed 's/ $//')"
rc=0
err=$(env -i "$SPIRAL" -C "$SANDBOX/cluster" report --format csv -o "$SANDBOX/www/cron.csv" \
	</dev/null 2>&1 >/dev/null) || rc=$?
same "under env -i, stdin /dev/null: exit 0" 0 "$rc"
same "under env -i: stderr empty" "" "$err"
same "under env -i: the same report" "$(sed 1d "$SANDBOX/www/report.csv")" \
	"$(sed 1d "$SANDBOX/www/cron.csv")"
ok "env -i to stdout" env -i "$SPIRAL" -C "$SANDBOX/cluster" report --format json
json_check "parses" 'assert d["groups"][0]["inquiries"] == 43'

# ---- the digest: what worked, and what was not enough ---------------------------

# expect_digest: the digest the TSV says (spiral-report(1), DIGEST), as JSON
# without the inquiries' IDs (which the TSV does not know): title stands
# for the inquiry, it is unique in the file.
cat >"$SANDBOX/expect_digest.py" <<'PY'
import json, sys

PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]
schools, people, inquiries, events = {}, {}, {}, []
cluster_who = None
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    w, part, who, what, key, text, details = line.split("\t")
    items = [] if details == "-" else details.split(" | ")
    if what == "cluster":
        cluster_who = who
    elif what == "school":
        schools[part] = text
    elif what == "person":
        people[who] = {"name": text, "school": part}
    else:
        # Dates sort as text here: the same zone within a day, and entries
        # of one inquiry never share a time (the TSV's header says so).
        events.append((w if "T" in w else w + "T15:30", n, part, who, what, key, text, items))
events.sort(key=lambda e: (e[0], e[1]))
for w, n, part, who, what, key, text, items in events:
    school = schools[part if part != "leader" else people[cluster_who]["school"]]
    if what == "new":
        inq = {"title": text, "school": school, "learners": "", "tags": set(),
               "entries": [], "cycle": 1}
        for i in items:
            k, v = i.split("=", 1)
            if k == "tag":
                inq["tags"].add(v)
            elif k == "learners":
                inq["learners"] = v
        inquiries[key] = inq
        continue
    if what not in PHASES:
        continue
    inq = inquiries[key]
    e = {"phase": what, "cycle": inq["cycle"], "text": text.replace(" ¶ ", "\n\n"),
         "evidence": [], "measures": [], "targets": [], "verdict": None}
    for i in items:
        k, _, v = i.partition("=")
        if k == "evidence":
            e["evidence"].append(v)
        elif k == "measure":
            name, num = v.rsplit("=", 1)
            e["measures"].append((name, float(num)))
        elif k == "target":
            name, num = v.rsplit("=", 1)
            e["targets"].append((name, float(num)))
        elif k == "tag":
            inq["tags"].add(v)
        elif k == "verdict":
            e["verdict"] = v
        elif k == "new-cycle":
            inq["cycle"] += 1
    inq["entries"].append(e)

def measures(entries):
    # As show computes a cycle's: first value, last value, last target.
    out = {}
    for e in entries:
        for name, v in e["measures"]:
            m = out.setdefault(name, {"baseline": None, "target": None, "latest": None})
            if m["baseline"] is None:
                m["baseline"] = v
            m["latest"] = v
        for name, v in e["targets"]:
            out.setdefault(name, {"baseline": None, "target": None, "latest": None})["target"] = v
    for m in out.values():
        if m["target"] is not None and m["target"] == m["baseline"]:
            m["target"] = None
        m["progress"] = None
        if None not in (m["target"], m["baseline"], m["latest"]):
            m["progress"] = (m["latest"] - m["baseline"]) / (m["target"] - m["baseline"])
    return out

digest = []
for inq in inquiries.values():
    for cycle in range(inq["cycle"], 0, -1):
        cur = [e for e in inq["entries"] if e["cycle"] == cycle]
        verdicts = [e["verdict"] for e in cur if e["phase"] == "check" and e["verdict"]]
        verdict = verdicts[-1] if verdicts else None
        ms = measures(cur)
        with_target = [m for m in ms.values() if m["target"] is not None]
        if verdict == "enough":
            worked = True
        elif verdict == "not-enough":
            worked = False
        elif with_target and all(m["progress"] is not None and m["progress"] >= 1
                                 for m in with_target):
            worked = True
        else:
            continue
        hunches = [e["text"] for e in cur if e["phase"] == "hunch"]
        tags = sorted(inq["tags"], key=str.encode)
        digest.append({"title": inq["title"], "school": inq["school"],
            "learners": inq["learners"], "worked": worked, "cycle": cycle,
            "verdict": verdict, "focus": tags[0] if tags else None, "tags": tags,
            "hunch": hunches[-1] if hunches else None,
            "actions": [e["text"] for e in cur if e["phase"] == "act"],
            "evidence": [x for e in cur for x in e["evidence"]],
            "measures": ms})
        break
digest.sort(key=lambda d: (not d["worked"], d["focus"] is None,
                           (d["focus"] or "").encode(), d["school"].encode(),
                           d["title"].encode()))
for x in digest:  # 42.0 is 42 in JSON
    for m in x["measures"].values():
        for k, v in m.items():
            if isinstance(v, float) and v.is_integer():
                m[k] = int(v)
print(json.dumps(digest, sort_keys=True, ensure_ascii=False))
PY

# The digest in spiral's JSON, in that shape (the ID dropped).
cat >"$SANDBOX/actual_digest.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = []
for x in d["digest"]:
    assert len(x.pop("inquiry")) == 32
    out.append(x)
print(json.dumps(out, sort_keys=True, ensure_ascii=False))
PY

# The digest from the CSV's digest rows, in that shape too; with "only",
# every row must be a digest row.
cat >"$SANDBOX/csv_digest.py" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["section", "key", "item", "value"], rows[0]
only = len(sys.argv) > 2
out, ids = [], []
for section, key, item, value in rows[1:]:
    if section != "digest":
        assert not only, (section, key, item)
        continue
    if not ids or ids[-1] != key:
        assert key not in ids and len(key) == 32, key
        ids.append(key)
        out.append({"tags": [], "actions": [], "evidence": [], "measures": {}})
    x = out[-1]
    if item == "worked":
        x["worked"] = {"yes": True, "no": False}[value]
    elif item == "cycle":
        x["cycle"] = int(value)
    elif item in ("focus", "verdict", "hunch"):
        x[item] = value or None
    elif item in ("title", "school", "learners"):
        x[item] = value
    elif item in ("tag", "action", "evidence"):
        x["tags" if item == "tag" else "actions" if item == "action" else "evidence"].append(value)
    elif item.startswith("measure:"):
        _, name, what = item.split(":")
        v = float(value) if value else None
        x["measures"].setdefault(name, {})[what] = int(v) if v is not None and v.is_integer() else v
    else:
        raise SystemExit("unknown digest item " + item)
print(json.dumps(out, sort_keys=True, ensure_ascii=False))
PY

ok "report --format json (the digest)" spiral report --format json
printf '%s' "$OUT" >"$SANDBOX/report.json"
json_check "the digest has the contract's keys, and worked, cycle, focus, tags" '
assert d["digest"]
for x in d["digest"]:
    assert set(x) == {"inquiry","title","school","learners","verdict","hunch","actions",
                      "evidence","measures","worked","cycle","focus","tags"}, set(x)
    for m in x["measures"].values():
        assert set(m) == {"baseline","target","latest","progress"}, m'
expected=$(python3 "$SANDBOX/expect_digest.py" "$data")
same "the digest: which inquiries, in which order, what they tell, as the TSV says" \
	"$expected" "$(python3 "$SANDBOX/actual_digest.py" "$SANDBOX/report.json")"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(x["worked"] for x in d), sum(not x["worked"] for x in d))' \
	"$expected" >"$SANDBOX/counts"
read -r nworked nnot <"$SANDBOX/counts"
[ "$nworked" -ge 3 ] && [ "$nnot" -ge 2 ] && pass "the example has both halves ($nworked worked, $nnot not enough)" ||
	fail "the example has both halves" "$nworked worked, $nnot not enough"
ok "report --format csv (the digest)" spiral report --format csv
printf '%s' "$OUT" >"$SANDBOX/report.csv"
same "the CSV's digest rows: the same digest" "$expected" \
	"$(python3 "$SANDBOX/csv_digest.py" "$SANDBOX/report.csv" 2>&1)"

# --digest: JSON is still the whole report; the others show the digest alone.
ok "report --digest --format json" spiral report --digest --format json
printf '%s' "$OUT" >"$SANDBOX/digest.json"
json_check "--digest: JSON keeps every key of the contract" '
assert set(d) >= {"generated","by","groups","stalled","coherence","digest","flags"}, d.keys()
assert d["groups"] and d["coherence"]["schools"], d'
same "--digest: the same digest in JSON" "$expected" \
	"$(python3 "$SANDBOX/actual_digest.py" "$SANDBOX/digest.json")"
ok "report --digest --format csv" spiral report --digest --format csv
printf '%s' "$OUT" >"$SANDBOX/digest.csv"
same "--digest: the CSV has only digest rows, the same digest" "$expected" \
	"$(python3 "$SANDBOX/csv_digest.py" "$SANDBOX/digest.csv" only 2>&1)"

# Markdown: the two halves, the focus-area headings and the inquiries in
# the digest's order (spot checks).
cat >"$SANDBOX/md_order.py" <<'PY'
import json, re, sys
digest = json.loads(sys.argv[1])
md = sys.stdin.read()
def esc(s):
    return re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", s)
want = ["## What worked"]
focus = object()
for i, x in enumerate(digest):
    if i and x["worked"] != digest[i - 1]["worked"] or i == 0 and not x["worked"]:
        want.append("## Not enough: what was tried")
        focus = object()
    if x["focus"] != focus:
        want.append("### Focus area: " + esc(x["focus"]) if x["focus"] else "### No focus area (no tag)")
        focus = x["focus"]
    want.append("#### " + esc(x["title"]) + " (")
got = [l for l in md.splitlines() if l.startswith("##")]
got = got[got.index("## What worked"):]
got = got[:got.index("## Flags")] if "## Flags" in got else got
got = [g[:len(w)] if g.startswith("#### ") else g for g, w in zip(got, want)] + got[len(want):]
assert got[:len(want)] == want, (got, want)
first = digest[0]
assert "- **Hunch:** " + esc(first["hunch"].replace("\n", "<br>")) in md, first["hunch"]
for a in first["actions"]:
    assert "  - " + esc(a) in md, a
print("ok")
PY
for opt in "" --digest; do
	ok "report $opt --format md" spiral report $opt --format md
	same "Markdown $opt: What worked, then Not enough, by focus area, in order" ok \
		"$(printf '%s' "$OUT" | python3 "$SANDBOX/md_order.py" "$expected" 2>&1 | tail -n 2)"
done
matches "the full Markdown report has the other parts too" "## Groups.*## What worked.*## Flags" \
	"$(spiral report --format md | tr '\n' ' ')"
ok "report --digest --format md" spiral report --digest --format md
same "--digest in Markdown: no other part" "" "$(printf '%s' "$OUT" | grep -E '^## (Groups|Stalled|Targets|Coherence|Flags)')"
ok "report --digest (table)" spiral report --digest
matches "--digest for people: the two halves" "^Report of .*What worked.*Focus area: .*school: .*hunch: .*actions:.*Not enough: what was tried" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"
same "--digest for people: no other part" "" "$(printf '%s' "$OUT" | grep -E '^(Groups|Stalled|Targets|Coherence|Flags)')"
ok "report --digest --format html" spiral report --digest --format html
same "--digest in HTML: the digest's section alone" '<section id="digest">' \
	"$(printf '%s' "$OUT" | grep -o '<section [^>]*>')"
same "--digest in HTML: the focus areas, in the digest's order" \
	"$(python3 -c 'import json,sys
last = object()
for x in json.loads(sys.argv[1]):
    if (x["worked"], x["focus"]) != last:
        print(x["focus"])
    last = (x["worked"], x["focus"])' "$expected")" \
	"$(printf '%s' "$OUT" | sed -n 's/.*<h3 class="focus">Focus area: \([^<]*\)<.*/\1/p')"
ok "report --digest --tag numeracy" spiral report --digest --tag numeracy --format json
json_check "the filters choose the digest's inquiries too" '
assert d["digest"] and all("numeracy" in x["tags"] for x in d["digest"]), d["digest"]'

# ---- data-quality flags, planted ----------------------------------------------

new_repo planted
long_ago=$(date -u -d '80 days ago' +%Y-%m-%d)
A=$(spiral new "Acting with no target" -q)
spiral scan -m "what we see" --measure reading=40 >/dev/null
spiral act -m "we try this" >/dev/null
B=$(spiral new "A bare check" -q)
spiral check -m "did it work?" >/dev/null
C=$(GIT_AUTHOR_DATE="${long_ago}T09:00:00Z" spiral new "Scanning forever" -q)
spiral scan -m "looking" --date "$long_ago" >/dev/null
spiral focus -m "still looking" --date "$(date -u -d '75 days ago' +%Y-%m-%d)" >/dev/null
D=$(spiral new "Carried on from nowhere" -q)
gone=0123456789abcdef0123456789abcdef
printf 'continues = %s\n' "$gone" >>"inquiries/${D:0:2}/$D/inquiry.ini"
git add -A && git commit -qm "continues an inquiry this repository lacks"
E=$(spiral new "Two titles" -q)
git clone -q "$SANDBOX/planted" "$SANDBOX/other"
(cd "$SANDBOX/other" && spiral config school "Kōwhai Intermediate" &&
	spiral edit "$E" --title "Title from the other clone") >/dev/null
spiral edit "$E" --title "Title from this clone" >/dev/null
git pull -q --no-rebase --no-edit "$SANDBOX/other" main
F=$(spiral new "All well" -q)
spiral scan -m "baseline" --measure reading=40 --target reading=60 >/dev/null
spiral act -m "we try" >/dev/null
spiral check -m "it worked" --measure reading=65 --verdict enough >/dev/null
ok "report of the planted cases" spiral report --format json
json_check "each flag on its inquiry, none on the one that is well" "
flags = sorted((f['inquiry'], f['kind']) for f in d['flags'])
want = sorted([('$A', 'no_target'), ('$B', 'no_target'), ('$B', 'no_verdict'),
               ('$B', 'no_measure'), ('$C', 'stuck'), ('$D', 'broken_lineage'),
               ('$E', 'conflict')])
assert flags == want, flags
msg = {f['kind']: f['message'] for f in d['flags']}
assert '$gone' in msg['broken_lineage'] and 'title' in msg['conflict'], msg
assert 'since $long_ago' in msg['stuck'], msg
g = d['groups'][0]
assert g['targets'] == {'met': 1, 'on_the_way': 0, 'no_movement': 0, 'none': 5}, g
assert [s['id'] for s in d['stalled']] == ['$C'] and d['stalled'][0]['days_idle'] == 75, d['stalled']
"
ok "flags in a table" spiral report
matches "the flags part lists them" "broken_lineage +continues $gone" "$OUT"

# The digest on planted cases: each rule of spiral-report(1), DIGEST.
new_repo digest
P1=$(spiral new "Enough with no measure" --tag b-area --learners "Room 5" -q)
spiral hunch -m "talk first" >/dev/null
spiral act -m "we talk first" >/dev/null
spiral check -m "it did" --verdict enough >/dev/null
P2=$(spiral new "Targets met, no check yet" --tag a-area -q)
spiral scan -m "where we are" --measure reading=40 --target reading=60 \
	--measure maths=10 --target maths=5 --measure mood=3 >/dev/null
spiral act -m "daily reading" >/dev/null
spiral learn -m "mid-term" --measure reading=61 --measure maths=4 >/dev/null
P3=$(spiral new "Not enough though the target was met" --tag a-area -q)
spiral scan -m "start" --measure reading=40 --target reading=60 --evidence "running records" >/dev/null
spiral act -m "phonics drills" >/dev/null
spiral check -m "the number moved, the reading did not" --measure reading=70 \
	--evidence "learner voice" --verdict not-enough >/dev/null
P4=$(spiral new "Partly only" --tag a-area -q)
spiral scan -m "start" --measure reading=40 --target reading=60 >/dev/null
spiral check -m "some way" --measure reading=50 --verdict partly >/dev/null
P5=$(spiral new "Two cycles" --tag b-area -q)
spiral hunch -m "first hunch" >/dev/null
spiral act -m "first try" >/dev/null
spiral check -m "no" --verdict not-enough --new-cycle >/dev/null
spiral hunch -m "second hunch, a" >/dev/null
spiral hunch -m "second hunch, b" >/dev/null
spiral act -m "second try" --evidence "photos" >/dev/null
spiral act -m "and a third" >/dev/null
spiral check -m "yes" --verdict enough --measure attendance=0.9 >/dev/null
P6=$(spiral new "Partly, every target met" -q)
spiral scan -m "start" --measure reading=40 --target reading=60 >/dev/null
spiral check -m "met, but we are unsure" --measure reading=60 --verdict partly >/dev/null
P7=$(spiral new "No result yet" --tag a-area -q)
spiral scan -m "start" --measure reading=40 --target reading=60 >/dev/null
ok "report of the planted digest" spiral report --format json
json_check "which inquiries, in which order, telling what" "
dg = d['digest']
assert [x['inquiry'] for x in dg] == ['$P2', '$P1', '$P5', '$P6', '$P3'], [x['title'] for x in dg]
x = {x['inquiry']: x for x in dg}
assert [x[i]['worked'] for i in ('$P2', '$P1', '$P5', '$P6', '$P3')] == [True] * 4 + [False]
assert x['$P1']['verdict'] == 'enough' and x['$P1']['measures'] == {} and x['$P1']['learners'] == 'Room 5'
assert x['$P1']['hunch'] == 'talk first' and x['$P1']['actions'] == ['we talk first'], x['$P1']
assert x['$P2']['verdict'] is None and x['$P2']['focus'] == 'a-area', x['$P2']
assert x['$P2']['measures']['reading'] == {'baseline': 40, 'target': 60, 'latest': 61, 'progress': 1.05}, x['$P2']['measures']
assert x['$P2']['measures']['maths']['progress'] == 1.2, x['$P2']['measures']
assert x['$P2']['measures']['mood'] == {'baseline': 3, 'target': None, 'latest': 3, 'progress': None}
assert x['$P2']['hunch'] is None and x['$P2']['actions'] == ['daily reading'] and x['$P2']['evidence'] == []
assert x['$P3']['verdict'] == 'not-enough' and x['$P3']['evidence'] == ['running records', 'learner voice']
assert x['$P3']['measures']['reading']['progress'] == 1.5
assert x['$P5']['cycle'] == 2 and x['$P5']['verdict'] == 'enough', x['$P5']
assert x['$P5']['hunch'] == 'second hunch, b' and x['$P5']['actions'] == ['second try', 'and a third']
assert x['$P5']['evidence'] == ['photos'] and list(x['$P5']['measures']) == ['attendance']
assert x['$P6']['verdict'] == 'partly' and x['$P6']['focus'] is None and x['$P6']['tags'] == []
"
ok "report --format csv of the planted digest" spiral report --format csv
printf '%s' "$OUT" >"$SANDBOX/planted.csv"
same "the CSV's digest rows, in the same order" "$P2 $P1 $P5 $P6 $P3" \
	"$(python3 -c 'import csv,sys
seen = []
for s, k, i, v in csv.reader(open(sys.argv[1], newline="")):
    if s == "digest" and k not in seen: seen.append(k)
print(" ".join(seen))' "$SANDBOX/planted.csv")"
same "no verdict: an empty value" 1 "$(printf '%s' "$OUT" | tr -d '\r' | grep -cx "digest,$P2,verdict,")"
same "no tag: an empty focus" 1 "$(printf '%s' "$OUT" | tr -d '\r' | grep -cx "digest,$P6,focus,")"
matches "four rows a measure" "digest,$P3,measure:reading:progress,1.5" "$OUT"
ok "report --digest of the planted digest" spiral report --digest
matches "for people: targets met with no check" "Targets met, no check yet.*checked: +cycle 1, no verdict, every target met" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"
matches "for people: the measure's change" "reading: 40 -> 61, target 60 \\(105%\\)" "$OUT"
matches "for people: no tag last, under its own heading" "Focus area: b-area.*No focus area \\(no tag\\).*Not enough: what was tried.*Focus area: a-area" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"
same "partly alone and no result are not in the digest" "" \
	"$(printf '%s' "$OUT" | grep -E 'Partly only|No result yet')"
new_repo nodigest
spiral new "Nothing to tell" -q >/dev/null
ok "report --digest with nothing to tell" spiral report --digest
matches "says so in each half" "No check said enough and no cycle met every target.*No check said not-enough" \
	"$(printf '%s' "$OUT" | tr '\n' ' ')"

# Hostile text in the digest: escaped for people and in CSV, exact in JSON.
new_repo hostile-digest "=cmd|' /C calc'!A0"
H=$(spiral new "$(printf 'Bad \033]0;title\007 inquiry')" --tag "=t" \
	--learners "$(printf 'Room \033[1m5')" -q)
spiral hunch -m "$(printf 'a hunch \033[31mred\033[0m\nsecond line')" >/dev/null
spiral act -m "=1+1" --evidence "$(printf '@SUM(A1)\tx\033[1m')" >/dev/null
spiral check -m "done" --verdict enough --measure m=-3 --target m=-5 --measure n=2 >/dev/null
ok "report --digest of hostile text" spiral report --digest
same "no escape character reaches the terminal" "" "$(printf '%s' "$OUT" | tr -d -c '\033\007')"
matches "the title shown with escapes" 'Bad \\x1b\]0;title\\x07 inquiry' "$OUT"
matches "a second line of the hunch, indented" "^ +second line$" "$OUT"
ok "report --digest --format md of hostile text" spiral report --digest --format md
same "no escape character in Markdown" "" "$(printf '%s' "$OUT" | tr -d -c '\033\007')"
ok "report --digest --format csv of hostile text" spiral report --digest --format csv
same "no escape character in CSV" "" "$(printf '%s' "$OUT" | tr -d -c '\033\007')"
matches "a school cannot be a formula" "^digest,$H,school,\"'=cmd" "$OUT"
matches "an action cannot be a formula" "^digest,$H,action,\"?'=1\\+1" "$OUT"
matches "evidence cannot be a formula" "^digest,$H,evidence,\"?'@SUM" "$OUT"
matches "a negative number stays a number" "^digest,$H,measure:m:baseline,-3" "$OUT"
ok "report --format json of hostile text" spiral report --format json
json_check "the exact text in the digest's JSON" "
x = d['digest'][0]
assert x['title'] == 'Bad \x1b]0;title\x07 inquiry' and x['school'] == \"=cmd|' /C calc'!A0\", x
assert x['focus'] == '=t' and x['learners'] == 'Room \x1b[1m5' and x['hunch'] == 'a hunch \x1b[31mred\x1b[0m\nsecond line', x
assert x['actions'] == ['=1+1'] and x['evidence'] == ['@SUM(A1)\tx\x1b[1m'], x
assert x['measures']['m'] == {'baseline': -3, 'target': -5, 'latest': -3, 'progress': 0}, x['measures']
"

# Text from the data is data: visible escapes for people, a formula guard
# in CSV, exact in JSON.
new_repo hostile "=HYPERLINK(\"http://x\")"
spiral new "$(printf 'Evil \033[31mred\033[0m | *bold* <b>')" --tag x -q >/dev/null
spiral check -m "c" --measure m=1 --target m=5 >/dev/null
ok "report of hostile text" spiral report
same "no escape character reaches the terminal" "" "$(printf '%s' "$OUT" | tr -d -c '\033')"
matches "shown as an escape" 'Evil \\x1b\[31mred' "$OUT"
ok "report --format csv" spiral report --format csv
matches "a school cannot be a formula" "^coherence,\"'=HYPERLINK" "$OUT"
ok "report --format json" spiral report --format json
json_check "the exact text in JSON" '
assert d["progress"][0]["title"] == "Evil \x1b[31mred\x1b[0m | *bold* <b>", d["progress"]
assert d["coherence"]["schools"] == ["=HYPERLINK(\"http://x\")"]'

finish
