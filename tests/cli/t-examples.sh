#!/usr/bin/env bash
# The examples.  examples/cluster.sh builds the example Kāhui Ako from
# examples/cluster.tsv, and everything spiral then says about it must be what
# the data file says: every expected value is computed here, in python3, from
# the data file alone, never by asking spiral.  The checks of `list` and `log`
# are skipped, with a note, while those commands do not exist.  Then the
# hand-written inquiry of examples/hand-written reads and passes fsck.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/examples/cluster.tsv

# ---- the example cluster -------------------------------------------------------

start=$(date +%s)
ok "cluster.sh builds the example cluster" \
	env SPIRAL="$SPIRAL" bash "$root/examples/cluster.sh" "$SANDBOX/cluster"
[ -n "${VERBOSE:-}" ] && echo "cluster.sh took $(($(date +%s) - start))s"
cd "$SANDBOX/cluster" || exit 1
ok "spiral fsck finds no problem in the cluster" spiral fsck
clean "the cluster: git status clean, git fsck --strict silent"
# Every school pulled the cluster from the hub: each sees every inquiry,
# folded the same way as the leader's repository does.
ok "the leader's list" spiral list --status all --format json
cluster_list=$OUT
for school in "$SANDBOX"/cluster-schools/*; do
	(cd "$school" && clean "$(basename "$school"): clean after pulling the hub")
	ok "$(basename "$school") lists the whole cluster" \
		spiral -C "$school" list --status all --format json
	same "$(basename "$school") sees what the leader sees" "$cluster_list" "$OUT"
done

has_list=0 has_log=0
spiral help list >/dev/null 2>&1 && has_list=1
spiral help log >/dev/null 2>&1 && has_log=1
[ $has_list = 1 ] || echo "note: 'spiral list' does not exist yet: its checks are skipped"
[ $has_log = 1 ] || echo "note: 'spiral log' does not exist yet: its checks are skipped"

# Each line of the checker's output is "ok|FAIL|note <TAB> what <TAB> detail".
python3 - "$data" "$has_list" "$has_log" >"$SANDBOX/checks" 2>"$SANDBOX/checks.err" <<'PY'
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time

data_path, has_list, has_log = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
SPIRAL = os.environ["SPIRAL"]
PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]
UTC = dt.timezone.utc


def flat(s):
    return str(s).replace("\t", " ").replace("\n", " ")[:1500]


def report(good, what, detail=""):
    print(("ok" if good else "FAIL") + "\t" + flat(what) + "\t" + flat(detail))


def same(what, expected, actual):
    report(expected == actual, what, f"expected {expected!r}, actual {actual!r}")


def note(what):
    print("note\t" + flat(what) + "\t")


# ---- the data file, read as its header describes it -----------------------------

def nz_offset(day):
    """New Zealand's UTC offset in hours on an afternoon of DAY."""
    apr1, sep30 = dt.date(day.year, 4, 1), dt.date(day.year, 9, 30)
    dst_ends = apr1 + dt.timedelta(days=(6 - apr1.weekday()) % 7)  # 1st Sunday
    dst_starts = sep30 - dt.timedelta(days=(sep30.weekday() + 1) % 7)  # last
    return 13 if day < dst_ends or day >= dst_starts else 12


class When:
    def __init__(self, s):
        m = re.fullmatch(r"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d))?", s)
        if not m:
            raise ValueError(f"bad date {s!r}")
        day = dt.date.fromisoformat(m.group(1))
        self.text = f"{m.group(1)}T{m.group(2) or '15:30'}:00+{nz_offset(day):02d}:00"
        self.instant = dt.datetime.fromisoformat(self.text)


schools, people, inquiries, order = {}, {}, {}, []
cluster = None
events = []
for n, line in enumerate(open(data_path, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    f = line.split("\t")
    if len(f) != 7:
        report(False, f"cluster.tsv line {n} has seven columns", line)
        continue
    when, part, who, what, key, text, details = f
    items = [] if details == "-" else details.split(" | ")
    if what == "cluster":
        cluster = (When(when), who, text)
    elif what == "school":
        schools[part] = text
    elif what == "person":
        d = dict(i.split("=", 1) for i in items)
        people[who] = {"name": text, "email": d["email"], "school": part}
    else:
        events.append((When(when), n, part, who, what, key, text, items))

# Replayed in date order, equal times in file order.
events.sort(key=lambda e: (e[0].instant, e[1]))
for w, n, part, who, what, key, text, items in events:
    person = people[who]
    school = schools[part if part != "leader" else people[cluster[1]]["school"]]
    paras = "\n\n".join(text.split(" ¶ "))
    if what == "new":
        inq = {"key": key, "title": text, "school": school, "learners": "",
               "tags": set(), "team": [], "continues": None, "created": w,
               "creator": person, "entries": [], "notes": [], "closed": False,
               "changes": []}
        for i in items:
            k, v = i.split("=", 1)
            if k == "learners":
                inq["learners"] = v
            elif k == "tag":
                inq["tags"].add(v)
            elif k == "team":
                inq["team"].append(people[v]["name"])
            elif k == "continues":
                inq["continues"] = v
        inquiries[key] = inq
        order.append(key)
        continue
    inq = inquiries[key]
    if what in PHASES:
        e = {"phase": what, "when": w, "author": person["name"],
             "email": person["email"], "school": school, "text": paras,
             "evidence": [], "measures": {}, "targets": {}, "verdict": None,
             "new_cycle": False, "line": n}
        for i in items:
            k, _, v = i.partition("=")
            if k == "evidence":
                e["evidence"].append(v)
            elif k in ("measure", "target"):
                name, num = v.split("=")
                e["measures" if k == "measure" else "targets"][name] = float(num)
            elif k == "tag":
                inq["tags"].add(v)
                inq["changes"].append(w)
            elif k == "verdict":
                e["verdict"] = v
            elif k == "new-cycle":
                e["new_cycle"] = True
            elif k == "close":
                inq["closed"] = True
                inq["changes"].append(w)
        inq["entries"].append(e)
    elif what == "note":
        inq["notes"].append({"when": w, "author": person["name"], "text": paras})
    elif what == "close":
        inq["closed"] = True
        inq["changes"].append(w)

for inq in inquiries.values():
    cycle = 1
    for e in inq["entries"]:
        e["cycle"] = cycle
        cycle += e["new_cycle"]
    inq["cycle"] = cycle
    inq["phase"] = inq["entries"][-1]["phase"] if inq["entries"] else None
    inq["last_entry"] = inq["entries"][-1]["when"] if inq["entries"] else inq["created"]
    inq["updated"] = max([inq["created"]] + [e["when"] for e in inq["entries"]] +
                         [x["when"] for x in inq["notes"]] + inq["changes"],
                         key=lambda w: w.instant)
    inq["status"] = "closed" if inq["closed"] else "active"
    summary = {}
    for e in inq["entries"]:
        if e["cycle"] != cycle:
            continue
        for name, v in e["measures"].items():
            s = summary.setdefault(name, {})
            s.setdefault("baseline", v)
            s["latest"] = v
        for name, v in e["targets"].items():
            summary.setdefault(name, {})["target"] = v
    inq["measures"] = {}
    for name, s in summary.items():
        b, t, l = s.get("baseline"), s.get("target"), s.get("latest")
        if t is not None and t == b:
            t = None
        p = (l - b) / (t - b) if None not in (b, t, l) else None
        inq["measures"][name] = {"baseline": b, "target": t, "latest": l, "progress": p}

# ---- the data keeps the promises of its design ---------------------------------

all_inq = [inquiries[k] for k in order]
report(len(set(i["title"] for i in all_inq)) == len(all_inq), "titles are unique")
report(len(all_inq) >= 42, "at least 42 inquiries", len(all_inq))
for key, name in schools.items():
    count = sum(i["school"] == name for i in all_inq)
    report(count >= 14, f"{name} has at least 14 inquiries", count)
for inq in all_inq:
    times = [e["when"].instant for e in inq["entries"]]
    report(all(a < b for a, b in zip(times, times[1:])),
           f"{inq['title']}: entries in date order, none at the same time")
current = {i["phase"] for i in all_inq}
report(set(PHASES) <= current, "every phase is some inquiry's current phase", current)
report(sum(i["cycle"] == 2 for i in all_inq) >= 3, "several inquiries in cycle 2")
report(sum(i["cycle"] == 3 for i in all_inq) >= 2, "a few inquiries in cycle 3")
report(sum(i["closed"] for i in all_inq) >= 3, "some inquiries closed")
report(sum(i["continues"] is not None for i in all_inq) >= 2, "some --continues links")
verdicts = {e["verdict"] for i in all_inq for e in i["entries"]}
report({"enough", "partly", "not-enough"} <= verdicts, "every verdict is used", verdicts)
last = max(w.instant for w, *_ in events)
report(last.date() <= dt.date(2026, 11, 20), "no date after 2026-11-20", last)
nov23 = dt.datetime(2026, 11, 23, tzinfo=UTC)
report(sum(not i["closed"] and i["last_entry"].instant <= nov23 - dt.timedelta(days=60)
           for i in all_inq) >= 3, "some active inquiries stalled for 60 days on 2026-11-23")

# ---- what spiral says ------------------------------------------------------------

def run(*args):
    p = subprocess.run([SPIRAL, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"spiral {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def run_json(*args):
    return json.loads(run(*args, "--format", "json"))


if has_list:
    listed = run_json("list", "--status", "all")
    ids = {x["title"]: x["id"] for x in listed}
else:
    ids = {}
    for top, dirs, files in os.walk("inquiries"):
        if "inquiry.ini" in files:
            i = os.path.basename(top)
            ids[run_json("show", i)["title"]] = i
by_title = {i["title"]: i for i in all_inq}
same("spiral finds every inquiry of the data, and no other", sorted(by_title), sorted(ids))
id_of = lambda key: ids.get(inquiries[key]["title"])
shown = {}

def close_enough(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return a == b


def expected_summary(inq):
    return {"id": ids.get(inq["title"]), "title": inq["title"], "school": inq["school"],
            "status": inq["status"], "phase": inq["phase"], "cycle": inq["cycle"],
            "created": inq["created"].text, "updated": inq["updated"].text,
            "tags": sorted(inq["tags"]), "team": sorted(inq["team"]),
            "learners": inq["learners"],
            "continues": id_of(inq["continues"]) if inq["continues"] else None}


def actual_summary(x):
    return {k: sorted(x[k]) if k in ("tags", "team") else x.get(k)
            for k in ("id", "title", "school", "status", "phase", "cycle", "created",
                      "updated", "tags", "team", "learners", "continues")}


for inq in all_inq:
    t = inq["title"]
    if t not in ids:
        continue
    s = shown[t] = run_json("show", ids[t])
    exp, act = expected_summary(inq), actual_summary(s)
    for k in exp:
        same(f"{t}: {k}", exp[k], act[k])
    exp_entries = [{"phase": e["phase"], "date": e["when"].text, "author": e["author"],
                    "email": e["email"], "school": e["school"], "cycle": e["cycle"],
                    "text": e["text"], "evidence": e["evidence"],
                    "measures": e["measures"], "targets": e["targets"],
                    "verdict": e["verdict"]} for e in inq["entries"]]
    act_entries = [{k: e.get(k) for k in exp_entries[0]} for e in s["entries"]] \
        if exp_entries else s["entries"]
    diff = f"{len(exp_entries)} entries expected, {len(act_entries)} found"
    for n, (a, b) in enumerate(zip(exp_entries, act_entries), 1):
        bad = [k for k in a if a[k] != b[k]]
        if bad:
            diff = f"entry {n} ({a['phase']} {a['date']}): " + "; ".join(
                f"{k}: expected {a[k]!r}, actual {b[k]!r}" for k in bad)
            break
    report(exp_entries == act_entries, f"{t}: the entries, oldest first", diff)
    same(f"{t}: the notes", [{"date": x["when"].text, "author": x["author"], "text": x["text"]}
                             for x in inq["notes"]],
         [{k: x.get(k) for k in ("date", "author", "text")} for x in s["notes"]])
    m_exp, m_act = inq["measures"], s["measures"]
    good = sorted(m_exp) == sorted(m_act) and all(
        close_enough(m_exp[n][k], m_act[n].get(k)) if m_exp[n][k] is not None
        else m_act[n].get(k) is None
        for n in m_exp for k in ("baseline", "target", "latest", "progress"))
    report(good, f"{t}: measures of cycle {inq['cycle']}", f"expected {m_exp}, actual {m_act}")

# ---- the commits carry the data's people and dates -------------------------------

# The leader started the cluster's repository, and each school's first
# teacher her school's; every record is one commit; the schools' histories
# come in through the leader's merges (spiral pull --all).
leader = people[cluster[1]]
expected = [(cluster[0].text, leader["name"], leader["email"], "init", None)]
for part in schools:
    first = next(e for e in events if e[2] == part)
    expected.append((first[0].text, people[first[3]]["name"], people[first[3]]["email"],
                     "init", None))
for w, n, part, who, what, key, text, items in events:
    expected.append((w.text, people[who]["name"], people[who]["email"], what,
                     inquiries[key]["title"][:40]))  # a subject may shorten it
merges = subprocess.run(["git", "log", "--merges", "--format=%s"],
                        capture_output=True, text=True, check=True).stdout.splitlines()
report(sorted(m.split(":")[0] for m in merges) == sorted(f"pull({k})" for k in schools),
       "one merge per school, by spiral pull --all", merges)
out = subprocess.run(["git", "log", "--no-merges",
                      "--format=%aI%x09%cI%x09%an%x09%ae%x09%cn%x09%ce%x09%s"],
                     capture_output=True, text=True, check=True).stdout
actual, odd = [], []
for line in out.splitlines():
    a_date, c_date, an, ae, cn, ce, subject = line.split("\t", 6)
    m = re.match(r"([a-z]+)(?:\(([0-9a-f]{8})\))?: (.*)", subject)
    if (c_date, cn, ce) != (a_date, an, ae) or not m:
        odd.append(line)
    else:
        actual.append((a_date, an, ae, m.group(1), m.group(3)[:40] if m.group(2) else None))
report(not odd, "every commit: committer as author, subject WHAT(ID): TITLE", odd[:3])
missing = [x for x in expected if x not in actual]
extra = [x for x in actual if x not in expected]
report(len(expected) == len(actual) and not missing and not extra,
       "one commit per record, with the data's author and date",
       f"{len(expected)} expected, {len(actual)} found; missing {missing[:3]}, extra {extra[:3]}")

# ---- list ----------------------------------------------------------------------------

LIST_TYPES = {"id": str, "title": str, "school": str, "status": str,
              "phase": (str, type(None)), "cycle": int, "created": str, "updated": str,
              "tags": list, "team": list, "learners": str,
              "continues": (str, type(None)), "entries": int}


def day_start(s):
    return dt.datetime.fromisoformat(s + "T00:00:00+00:00")  # TZ=UTC in the tests


def day_end(s):
    return day_start(s) + dt.timedelta(seconds=86399)


def who_matches(q, name, email):
    return q.lower() in name.lower() or q.lower() in email.lower()


if has_list:
    same("list --status all --format json: one summary per inquiry", len(all_inq), len(listed))
    for x in listed:
        t = x.get("title")
        missing = [k for k in LIST_TYPES if k not in x]
        wrong = [k for k, ty in LIST_TYPES.items() if k in x and (
            not isinstance(x[k], ty) or isinstance(x[k], bool))]
        report(not missing and not wrong, f"list json {t}: every key, of its type",
               f"missing {missing}, wrong type {wrong}")
        report(re.fullmatch(r"[0-9a-f]{32}", x.get("id", "")) is not None,
               f"list json {t}: a full id", x.get("id"))
        report(all(isinstance(v, str) for v in x.get("tags", []) + x.get("team", [])),
               f"list json {t}: tags and team are strings")
        if t in by_title:
            inq = by_title[t]
            same(f"list json {t}: as the data says", expected_summary(inq), actual_summary(x))
            same(f"list json {t}: entries is the count", len(inq["entries"]), x.get("entries"))
    for name in schools.values():
        for status in ("active", "closed"):
            n = sum(i["school"] == name and i["status"] == status for i in all_inq)
            same(f"list: {name}, {status}: number of inquiries", n,
                 len(run_json("list", "--school", name, "--status", status)))
    key = lambda i: (-i["updated"].instant.timestamp(), ids.get(i["title"], ""))
    same("list: the most recently active first",
         [i["title"] for i in sorted(all_inq, key=key)], [x["title"] for x in listed])

    def check_list(args, keep):
        exp = sorted(i["title"] for i in all_inq if keep(i))
        act = sorted(x["title"] for x in run_json("list", *args))
        same(f"list {' '.join(args)}", exp, act)

    active = lambda i: not i["closed"]
    check_list([], active)
    check_list(["--status", "active"], active)
    check_list(["--status", "closed"], lambda i: i["closed"])
    check_list(["--status", "all"], lambda i: True)
    for name in schools.values():
        check_list(["--school", name], lambda i, n=name: active(i) and i["school"] == n)
        check_list(["--school", name.lower(), "--status", "all"],
                   lambda i, n=name: i["school"] == n)
    for p in PHASES:
        check_list(["--phase", p], lambda i, p=p: active(i) and i["phase"] == p)
        check_list(["--phase", p, "--status", "all"], lambda i, p=p: i["phase"] == p)
    for tag in sorted({t for i in all_inq for t in i["tags"]}):
        check_list(["--tag", tag, "--status", "all"], lambda i, t=tag: t in i["tags"])
    for days, status in (("60", "active"), ("60", "all"), ("0", "all"), ("120", "all")):
        now = dt.datetime.now(UTC)
        cut = now - dt.timedelta(days=int(days))
        check_list(["--stalled", days, "--status", status],
                   lambda i, c=cut, s=status: (s == "all" or active(i))
                   and i["last_entry"].instant <= c)
    for since, until in (("2026-10-01", None), (None, "2026-03-31"),
                         ("2026-06-01", "2026-08-31")):
        args = (["--since", since] if since else []) + (["--until", until] if until else [])
        check_list(args + ["--status", "all"], lambda i, s=since, u=until:
                   (not s or i["updated"].instant >= day_start(s))
                   and (not u or i["created"].instant <= day_end(u)))
    for q in sorted({p["name"].split()[0].lower() for p in people.values()}) + ["harbourside"]:
        check_list(["--author", q, "--status", "all"], lambda i, q=q:
                   who_matches(q, i["creator"]["name"], i["creator"]["email"])
                   or any(who_matches(q, e["author"], e["email"]) for e in i["entries"]))
    check_list(["--school", schools["tp"], "--tag", "attendance"],
               lambda i: active(i) and i["school"] == schools["tp"] and "attendance" in i["tags"])

# ---- log -----------------------------------------------------------------------------

if has_log:
    every = [(i, e) for i in all_inq for e in i["entries"]]
    logged = run_json("log")
    same("log: every entry, whatever the status", len(every), len(logged))
    dates = [dt.datetime.fromisoformat(x["date"]) for x in logged]
    report(all(a >= b for a, b in zip(dates, dates[1:])), "log: newest first")
    keys = {"id", "inquiry", "title", "phase", "date", "author", "email", "school",
            "cycle", "text", "evidence", "measures", "targets", "verdict"}
    report(all(keys <= set(x) for x in logged), "log json: every key of an entry")
    report(all(x["inquiry"] == ids.get(x["title"]) for x in logged),
           "log json: inquiry is the full id of the titled inquiry")

    def check_log(args, keep):
        exp = sorted((i["title"], e["phase"], e["when"].text) for i, e in every if keep(i, e))
        act = sorted((x["title"], x["phase"], x["date"]) for x in run_json("log", *args))
        report(exp == act, f"log {' '.join(args)}: {len(exp)} entries",
               f"expected {len(exp)}, actual {len(act)}; "
               f"missing {sorted(set(exp) - set(act))[:3]}, extra {sorted(set(act) - set(exp))[:3]}")

    for p in PHASES:
        check_log(["--phase", p], lambda i, e, p=p: e["phase"] == p)
    for q in sorted({p["name"].split()[0].lower() for p in people.values()}) + ["kowhai.school"]:
        check_log(["--author", q], lambda i, e, q=q: who_matches(q, e["author"], e["email"]))
    for since, until in (("2026-10-01", None), (None, "2026-03-31"),
                         ("2026-06-01", "2026-08-31")):
        args = (["--since", since] if since else []) + (["--until", until] if until else [])
        check_log(args, lambda i, e, s=since, u=until:
                  (not s or e["when"].instant >= day_start(s))
                  and (not u or e["when"].instant <= day_end(u)))
    for name in schools.values():
        check_log(["--school", name], lambda i, e, n=name: i["school"] == n)
    for tag in sorted({t for i in all_inq for t in i["tags"]}):
        check_log(["--tag", tag], lambda i, e, t=tag: t in i["tags"])
    check_log(["--status", "active"], lambda i, e: not i["closed"])
    check_log(["--status", "closed"], lambda i, e: i["closed"])
    check_log(["--status", "all"], lambda i, e: True)
    cut = dt.datetime.now(UTC) - dt.timedelta(days=60)
    check_log(["--stalled", "60"], lambda i, e: i["last_entry"].instant <= cut)
    check_log(["--school", schools["hc"], "--phase", "check"],
              lambda i, e: i["school"] == schools["hc"] and e["phase"] == "check")
    check_log(["--author", "tui", "--since", "2026-08-01"],
              lambda i, e: who_matches("tui", e["author"], e["email"])
              and e["when"].instant >= day_start("2026-08-01"))
    check_log([ids[all_inq[0]["title"]]], lambda i, e: i is all_inq[0])
PY
rc=$?
while IFS=$'\t' read -r verdict what detail; do
	case $verdict in
	ok) pass "$what" ;;
	FAIL) fail "$what" "$detail" ;;
	note) echo "note: $what" ;;
	esac
done <"$SANDBOX/checks"
[ $rc -eq 0 ] || fail "the checks of the cluster ran to the end" "$(tail -5 "$SANDBOX/checks.err")"

# ---- the hand-written inquiry ----------------------------------------------------

hand=5a1e0c4d7b9f2e836a0d1c5b8e2f4a97
new_repo hand "Tōtara Primary"
cp -r "$root/examples/hand-written/inquiries" . || exit 1
ok "git commits the hand-written inquiry" \
	sh -c 'git add inquiries && git commit -q -m "A hand-written inquiry"'
ok "spiral fsck passes the hand-written inquiry" spiral fsck
matches "fsck counts it" 'no problems in 1 inquiries and 2 entries' "$OUT"
clean "hand-written: git status clean, git fsck --strict silent"
ok "spiral show reads the hand-written inquiry" spiral show 5a1e --format json
printf '%s' "$OUT" >"$SANDBOX/hand.json"
same "show json of the hand-written inquiry is as written" ok "$(python3 - "$SANDBOX/hand.json" "$hand" <<'PY'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
want = {
    "id": sys.argv[2], "title": "Year 6 readers setting their own goals",
    "school": "Tōtara Primary", "status": "active", "phase": "focus", "cycle": 1,
    "learners": "Year 6 readers", "tags": ["learner-agency", "reading"],
    "team": ["Priya Nair", "Sione Tupou"], "continues": None,
    "created": "2026-03-02T15:30:00+13:00", "updated": "2026-03-18T08:10:00+13:00",
}
bad = [f"{k}: {s.get(k)!r}" for k, v in want.items() if s.get(k) != v]
e = s.get("entries", [])
texts = [
    'We asked our Year 6 readers the four questions. To "what are you learning '
    'and why is it important?" only 9 of 27 named a reading goal of their own.'
    '\n\nMost said their goal was "to get to the next level".',
    "Goals that learners choose, can explain, and check for themselves.\n\n"
    'The goals we heard most:\n- "read faster"\n- "get to the next level"\n'
    "Goals about meaning: 0 of 27; we have work to do.",
]
if [x.get("phase") for x in e] != ["scan", "focus"]:
    bad.append(f"entries: {[x.get('phase') for x in e]}")
else:
    if [x["text"] for x in e] != texts:
        bad.append(f"texts: {[x['text'] for x in e]!r}")
    if e[0]["evidence"] != ["Reading conferences, weeks 3–4", "Reading logs, Term 1"]:
        bad.append(f"evidence: {e[0]['evidence']}")
    if [x["author"] for x in e] != ["Priya Nair", "Sione Tupou"]:
        bad.append("authors")
    if e[0]["measures"] != {"own_goal_pct": 33} or e[0]["targets"] != {"own_goal_pct": 75}:
        bad.append("scan measures")
n = s.get("notes", [])
if [(x.get("author"), x.get("date")) for x in n] != [("Mere Parata", "2026-03-18T08:10:00+13:00")]:
    bad.append(f"notes: {n}")
m = s.get("measures", {}).get("own_goal_pct", {})
if (m.get("baseline"), m.get("target"), m.get("latest")) != (33, 75, 37) or \
        abs(m.get("progress", 0) - 4 / 42) > 1e-12:
    bad.append(f"measures: {m}")
print("; ".join(bad) or "ok")
PY
)"
cd "$SANDBOX/cluster" && inih_reads "every file of the example cluster parses with inih"
finish
