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

for by in none school phase tag author; do
	opt=()
	[ "$by" = none ] || opt=(--by "$by")
	ok "report ${opt[*]:-(one group)} --format json" spiral report "${opt[@]}" --format json
	printf '%s' "$OUT" >"$SANDBOX/report.json"
	json_check "the JSON has every key of the contract" '
assert set(d) >= {"generated","by","groups","stalled","coherence","digest","flags"}, d.keys()
assert d["digest"] == []
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
