#!/usr/bin/env python3
"""A seeded, reproducible model-based test of sharing (storage.md 5, 6, 10).

A hub (git init --bare) is seeded by one clone made with `spiral init` and
pushed; the other clones are made with `spiral clone HUB cN --school S`.
Every clone has every other clone as a remote, and its own fake clock (an
offset, some skewed by days either way, one by a year ahead, and its own
UTC offset) given through GIT_AUTHOR_DATE / GIT_COMMITTER_DATE.

Then OPS random operations, each on a random clone: new, the six phases,
edit, close, reopen, note, resolve, pull from another clone, pull from the
hub, push to the hub (a rejected push must fail with "pull first" and
change nothing), sync.  The model keeps, for every clone, the set of
records (events) its repository holds; a pull takes the union with the
remote's set, a push makes the hub's set the clone's.  Each record written
remembers what its writer had seen.  Every `show` a write starts from is
compared with what the model says that clone holds; after a final full
sync, every clone must show the same bytes and every record must be there,
in an order that respects what each writer had seen, with every change no
later change saw kept as the value or in "conflicts", tags and team
add-wins.

Environment: SPIRAL, INI_CHECK (binaries), SPIRAL_MODEL_SEED (20261201),
SPIRAL_MODEL_CLONES (5), SPIRAL_MODEL_OPS (150), SPIRAL_MODEL_LOG (a file
to write every command to), SPIRAL_MODEL_STOCK_GIT=1 (sync through stock
git instead of spiral clone/pull/push/sync: for developing the harness
only), VERBOSE (print each op).  Argument: an empty work directory.
Prints "N passed, N failed" last; exit status 1 on any failure.
"""
import datetime as dt
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time
import traceback

SPIRAL = os.environ["SPIRAL"]
INI_CHECK = os.environ["INI_CHECK"]
SEED = int(os.environ.get("SPIRAL_MODEL_SEED") or 20261201)
NCLONES = max(2, int(os.environ.get("SPIRAL_MODEL_CLONES") or 5))
NOPS = int(os.environ.get("SPIRAL_MODEL_OPS") or 150)
STOCK_GIT = os.environ.get("SPIRAL_MODEL_STOCK_GIT") == "1"
VERBOSE = bool(os.environ.get("VERBOSE"))
WORK = os.path.abspath(sys.argv[1])
HUB = os.path.join(WORK, "hub.git")
LOGFILE = os.environ.get("SPIRAL_MODEL_LOG") or os.path.join(WORK, "commands.log")

rng = random.Random(SEED)

SCHOOLS = ["Kōwhai Intermediate", "Tōtara College", "Rimu School",
           "Pōhutukawa Kura", "Harbour High", "Mānuka Primary",
           "Kahikatea School", "Ōtaki College"]
PEOPLE = [("Aroha Ngata", "aroha@kowhai.school.nz"),
          ("Hēmi Walker", "hemi@totara.school.nz"),
          ("Mere Tūhoe", "mere@rimu.school.nz"),
          ("Pita O'Brien", "pita@pohutukawa.school.nz"),
          ("Ana Smith", "ana@harbour.school.nz"),
          ("Wiremu Pōtae", "wiremu@manuka.school.nz"),
          ("Ngaio Lee", "ngaio@kahikatea.school.nz"),
          ("Tāne Brown", "tane@otaki.school.nz")]
# Clock of each clone: (offset from the shared time, UTC offset in minutes).
CLOCKS = [(dt.timedelta(0), 13 * 60), (dt.timedelta(days=3, hours=2), 13 * 60),
          (dt.timedelta(days=-4, minutes=-17), 0),
          (dt.timedelta(days=365, hours=5), 12 * 60),
          (dt.timedelta(days=-1, hours=-9), -5 * 60)]
TAGS = ["writing", "oral-language", "pāngarau", "te-reo", "attendance",
        "numeracy", "wellbeing", "boys", "year-9", "reading"]
TEAM = ["Aroha", "Mere", "Tāne", "Ngaio", "Wiremu", "Hēmi Ngata", "Pita",
        "Ana", "Rāwiri", "Sione"]
PHRASES = ["Kōrero with ākonga about their writing.",
           "Attendance data; term 2 = worse #again",
           "[Year 9] boys \\ girls \"reluctant\" writers",
           "We noticed  two spaces and a\ttab.",
           "Te reo Māori: whānau hui on Thursday.",
           "Results were mixed; see the spreadsheet = notes",
           "Hunch: our feedback is too late 😬",
           "Learners can name two adults who believe in them.",
           "Line one\nline two\n\nline four",
           "trailing spaces   "]
MEASURES = ["writing_at_expected", "attendance", "reading-age", "e-asTTle.score", "wellbeing"]
PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]
FIELDS = ["title", "learners", "status"]

passed = 0
failed = 0
failures_shown = 0
history = []          # every command run: (op index, clone, command line)
cur_op = -1           # op index (-1: setup, NOPS: final sync and checks)
cur_cmd = ""
logf = open(LOGFILE, "w", encoding="utf-8")


def say(msg):
    print(msg, flush=True)


def where():
    phase = "setup" if cur_op < 0 else ("final" if cur_op >= NOPS else "op %d" % cur_op)
    return "seed=%d clones=%d ops=%d, at %s" % (SEED, NCLONES, NOPS, phase)


def check(cond, desc, *details):
    global passed, failed, failures_shown
    if cond:
        passed += 1
        return True
    failed += 1
    failures_shown += 1
    if failures_shown <= 40:
        say("FAIL %s" % desc)
        for d in details:
            for line in str(d).splitlines()[:30]:
                say("  " + line)
        say("  (%s; last command: %s)" % (where(), cur_cmd))
        if failures_shown == 1:
            say("  last commands before the first failure:")
            for h in history[-12:]:
                say("    op %d c%s: %s" % h)
    elif failures_shown == 41:
        say("(further failures not shown)")
    return False


class Abort(Exception):
    pass


# ---- clocks and commands ---------------------------------------------------

BASE = dt.datetime(2026, 12, 1, 7, 30, 0, tzinfo=dt.timezone.utc)
now = BASE             # the shared time, advanced a few minutes per op
tick = 0               # seconds within an op, so each command has its own


def clock(c):
    off, tzmin = CLOCKS[c] if c < len(CLOCKS) else CLOCKS_EXTRA[c]
    tz = dt.timezone(dt.timedelta(minutes=tzmin))
    t = (now + off + dt.timedelta(seconds=tick)).astimezone(tz)
    h, m = divmod(abs(tzmin), 60)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ("%s%02d:%02d" % ("-" if tzmin < 0 else "+", h, m))


CLOCKS_EXTRA = {}
for _c in range(len(CLOCKS), NCLONES):
    CLOCKS_EXTRA[_c] = (dt.timedelta(days=rng.randint(-9, 9), minutes=rng.randint(-300, 300)),
                        rng.choice([0, 13 * 60, 12 * 60, -8 * 60]))

ENV0 = dict(os.environ)
for k in ("GIT_DIR", "GIT_WORK_TREE", "SPIRAL_DIR", "VISUAL", "EDITOR"):
    ENV0.pop(k, None)


def cdir(c):
    return HUB if c == "hub" else os.path.join(WORK, "c%d" % c)


def run(argv, c=None, cwd=None, expect=0, desc=None):
    """Run a command as clone c (its identity and clock) in its directory.
    Checks the exit status against expect (None: no check).  Returns
    (rc, stdout, stderr)."""
    global tick, cur_cmd
    env = dict(ENV0)
    if c is not None and c != "hub":
        date = clock(c)
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
        name, email = PEOPLE[c % len(PEOPLE)]
        env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = name
        env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = email
        tick += 1
    if cwd is None:
        cwd = cdir(c) if c is not None else WORK
    shown = " ".join(shlex.quote(a) for a in argv)
    if argv[0] == SPIRAL:
        shown = "spiral" + shown[len(shlex.quote(SPIRAL)):]
    cur_cmd = "(cd %s && %s%s)" % (shlex.quote(os.path.relpath(cwd, WORK)),
                                   ("GIT_AUTHOR_DATE=%s " % env["GIT_AUTHOR_DATE"]) if "GIT_AUTHOR_DATE" in env and c is not None else "",
                                   shown)
    history.append((cur_op, c, cur_cmd))
    logf.write("op %d c%s: %s\n" % (cur_op, c, cur_cmd))
    p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if expect is not None:
        check(p.returncode == expect, desc or ("exit %d expected" % expect),
              "exit %d: %s" % (p.returncode, cur_cmd), "stdout: " + out[:1500],
              "stderr: " + err[:1500])
    return p.returncode, out, err


def sp(c, *args, expect=0, desc=None, cwd=None):
    return run([SPIRAL] + list(args), c, cwd=cwd, expect=expect, desc=desc)


def git(c, *args, expect=0):
    return run(["git"] + list(args), c, expect=expect)


def git_out(path, *args):
    p = subprocess.run(["git", "-C", path] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, env=ENV0)
    return p.returncode, p.stdout.decode("utf-8", "replace").strip()


def head(c):
    return git_out(cdir(c), "rev-parse", "-q", "--verify", "HEAD" if c != "hub" else "refs/heads/main")[1]


# ---- the model -------------------------------------------------------------

events = {}            # eid -> dict
know = {}              # clone (int) or "hub" -> set of eids its repository holds
inq_eids = {}          # spiral inquiry id -> eid of its creation
inq_serial = {}        # spiral inquiry id -> creation order (for seeded choices)
next_eid = 0
serial = 0
stats = {}
conflicts_seen = set()
pull_conflicts = []    # "conflict: ..." lines pull and sync printed


def learn(c, eids):
    """Clone c's repository now also holds eids (a pull)."""
    if not eids <= know[c]:
        if any(events[e]["kind"] == "inq" for e in eids - know[c]):
            listed.pop(c, None)
        know[c] |= eids


def count(kind):
    stats[kind] = stats.get(kind, 0) + 1


def new_event(c, **kw):
    global next_eid
    next_eid += 1
    kw["eid"] = next_eid
    kw["clone"] = c
    kw["op"] = cur_op
    events[next_eid] = kw
    know[c].add(next_eid)
    if kw["kind"] == "inq":
        listed.pop(c, None)
    return kw


def token():
    global serial
    serial += 1
    return "tok%05d" % serial


def text_with(tok):
    a = rng.choice(PHRASES)
    if rng.random() < 0.3:
        return [a, "%s %s" % (tok, rng.choice(PHRASES))]
    return ["%s %s" % (a, tok)] if rng.random() < 0.5 else ["%s %s" % (tok, a)]


def known(c, kind, inq=None, field=None):
    return [events[e] for e in know[c]
            if events[e]["kind"] == kind and (inq is None or events[e]["inq"] == inq)
            and (field is None or events[e].get("field") == field)]


def heads(c, inq, field):
    chg = known(c, "chg", inq, field)
    seen = set()
    for d in chg:
        seen |= d["seen"]
    return [x for x in chg if x["eid"] not in seen]


def live_set(c, inq, field):
    """Tags or team as the model says clone c must show them (add-wins)."""
    removed = set()
    for r in known(c, "rem", inq, field):
        removed |= r["seen"]
    return sorted({a["value"] for a in known(c, "add", inq, field) if a["eid"] not in removed})


def view_checks(c, inq, d, label):
    """Compare a show of inquiry inq in clone c with the model.  Returns the
    number of mismatches (each reported)."""
    bad = []
    ents = d.get("entries", [])
    nts = d.get("notes", [])
    want_e = sorted(e["token"] for e in known(c, "entry", inq))
    want_n = sorted(e["token"] for e in known(c, "note", inq))
    got_e = sorted(t for x in ents for t in re.findall(r"tok\d+", x["text"]))
    got_n = sorted(t for x in nts for t in re.findall(r"tok\d+", x["text"]))
    if got_e != want_e:
        bad.append("entries: missing %s, extra %s" % (sorted(set(want_e) - set(got_e)),
                                                     sorted(set(got_e) - set(want_e)) or
                                                     [t for t in set(got_e) if got_e.count(t) > 1]))
    if got_n != want_n:
        bad.append("notes: missing %s, extra %s" % (sorted(set(want_n) - set(got_n)),
                                                   sorted(set(got_n) - set(want_n)) or
                                                   [t for t in set(got_n) if got_n.count(t) > 1]))
    # Order: every record after every record of its kind its writer had seen.
    for kind, lst, key in (("entry", ents, "seen_e"), ("note", nts, "seen_n")):
        pos = {x["id"]: i for i, x in enumerate(lst)}
        for ev in known(c, kind, inq):
            if ev.get("id") not in pos:
                continue
            before = [s for s in ev[key] if s in pos and pos[s] > pos[ev["id"]]]
            if before:
                bad.append("%s %s (%s, written at op %d in c%d) sorts before %d record(s) its writer had seen: %s"
                           % (kind, ev["token"], ev["id"][:8], ev["op"], ev["clone"], len(before),
                              ", ".join(s[:8] for s in before[:5])))
    conf = d.get("conflicts") or {}
    for field in FIELDS:
        hs = heads(c, inq, field)
        vals = sorted({h["value"] for h in hs})
        got = d.get(field)
        cv = conf.get(field)
        if cv:
            conflicts_seen.add((inq, field, tuple(sorted(cv))))
        if len(vals) == 1:
            if got != vals[0] or (cv and sorted(set(cv)) != vals):
                bad.append("%s: %r (conflicts %r), but the one change no later change saw sets %r (op %d, c%d)"
                           % (field, got, cv, vals[0], hs[0]["op"], hs[0]["clone"]))
        elif len(vals) > 1:
            if not cv or sorted(set(cv)) != vals or got not in vals:
                bad.append("%s: %r with conflicts %r, but the changes no later change saw are %s"
                           % (field, got, cv, "; ".join("%r (op %d, c%d)" % (h["value"], h["op"], h["clone"])
                                                      for h in sorted(hs, key=lambda h: h["eid"]))))
    for field in ("tags", "team"):
        want = live_set(c, inq, field)
        if sorted(d.get(field, [])) != want:
            bad.append("%s: %r, expected %r (add-wins)" % (field, d.get(field), want))
    check(not bad, "%s: c%d's show of %s matches what the model says it holds" % (label, c, inq[:8]), *bad)
    return len(bad)


def show(c, inq, label="view"):
    rc, out, err = sp(c, "show", inq, "--format", "json")
    if rc != 0:
        raise Abort()
    d = json.loads(out)
    view_checks(c, inq, d, label)
    return d


listed = {}            # clone -> its inquiry ids, until its repository changes


def listing(c):
    if c in listed:
        return listed[c]
    rc, out, err = sp(c, "list", "--status", "all", "--format", "json")
    if rc != 0:
        raise Abort()
    lst = json.loads(out)
    ids = sorted(x["id"] for x in lst)
    want = sorted(i for i, e in inq_eids.items() if e in know[c])
    check(ids == want, "c%d lists the inquiries the model says it holds" % c,
          "missing: %s" % [i[:8] for i in set(want) - set(ids)],
          "extra: %s" % [i[:8] for i in set(ids) - set(want)])
    listed[c] = [i for i in ids if i in inq_serial]
    return listed[c]


def pick_inquiry(c):
    ids = listing(c)
    if not ids:
        return None
    ids.sort(key=lambda i: inq_serial[i])   # seeded choice, whatever the random ids
    if len(ids) > 3 and rng.random() < 0.6:
        ids = ids[:3]   # a few busy inquiries, so that concurrent changes meet
    return rng.choice(ids)


def new_record_id(before, after, key, tok):
    ids = [x["id"] for x in after[key] if tok in x["text"]]
    check(len(ids) == 1, "the %s written with %s shows once right after" % (key[:-1], tok),
          "found %d" % len(ids))
    return ids[0] if ids else None


# ---- operations ------------------------------------------------------------

def op_new(c):
    tok = token()
    title = "%s %s" % (rng.choice(["Year 9 writing", "Pāngarau talk", "Attendance",
                                   "Reading for pleasure", "Ākonga voice"]), tok)
    args = ["new", title, "-q"]
    learners = None
    if rng.random() < 0.7:
        learners = "%s %s" % (rng.choice(["Year 9 boys", "Year 4 ākonga", "Juniors"]), tok)
        args += ["--learners", learners]
    tags = rng.sample(TAGS, rng.randint(0, 2))
    team = rng.sample(TEAM, rng.randint(0, 2))
    for t in tags:
        args += ["--tag", t]
    for t in team:
        args += ["--team", t]
    h0 = head(c)
    rc, out, err = sp(c, *args)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    inq = out.strip()
    d = json.loads(sp(c, "show", inq, "--format", "json")[1])
    ev = new_event(c, kind="inq", inq=inq, title=title)
    inq_eids[inq] = ev["eid"]
    inq_serial[inq] = len(inq_serial)
    new_event(c, kind="chg", inq=inq, field="title", value=d["title"], seen=set())
    new_event(c, kind="chg", inq=inq, field="learners", value=d["learners"], seen=set())
    new_event(c, kind="chg", inq=inq, field="status", value="active", seen=set())
    check(d["title"] == title and d["learners"] == (learners or d["learners"]),
          "new %s: title and learners as given" % tok, d)
    for t in tags:
        new_event(c, kind="add", inq=inq, field="tags", value=t)
    for t in team:
        new_event(c, kind="add", inq=inq, field="team", value=t)
    view_checks(c, inq, d, "after new")
    count("new")


def change(c, inq, field, value, before):
    seen = {x["eid"] for x in known(c, "chg", inq, field)}
    new_event(c, kind="chg", inq=inq, field=field, value=value, seen=seen,
              shown=before.get(field), shown_conflicts=(before.get("conflicts") or {}).get(field))


def set_add(c, inq, field, value):
    new_event(c, kind="add", inq=inq, field=field, value=value)


def set_remove(c, inq, field, value):
    seen = {a["eid"] for a in known(c, "add", inq, field) if a["value"] == value}
    new_event(c, kind="rem", inq=inq, field=field, value=value, seen=seen)


def status_free(d):
    return "status" not in (d.get("conflicts") or {})


def op_phase(c, inq):
    d = show(c, inq)
    phase = rng.choice(PHASES)
    tok = token()
    paras = text_with(tok)
    args = [phase, inq]
    for p in paras:
        args += ["-m", p]
    evidence = [rng.choice(PHRASES).replace("\n", " ") for _ in range(rng.choice([0, 0, 1, 2]))]
    for e in evidence:
        args += ["--evidence", e]
    measures = {}
    for _ in range(rng.choice([0, 0, 1, 2])):
        measures[rng.choice(MEASURES)] = rng.choice(["%d" % rng.randint(0, 100), "%d.5" % rng.randint(0, 99)])
    for k, v in measures.items():
        args += ["--measure", "%s=%s" % (k, v)]
    targets = {}
    if rng.random() < 0.2:
        targets[rng.choice(MEASURES)] = "%d" % rng.randint(50, 120)
    for k, v in targets.items():
        args += ["--target", "%s=%s" % (k, v)]
    newtag = None
    if rng.random() < 0.12:
        free = [t for t in TAGS if t not in d["tags"]]
        if free:
            newtag = rng.choice(free)
            args += ["--tag", newtag]
    verdict, close = None, False
    if phase == "check":
        if rng.random() < 0.5:
            verdict = rng.choice(["enough", "partly", "not-enough"])
            args += ["--verdict", verdict]
        if rng.random() < 0.2:
            args += ["--new-cycle"]
        if rng.random() < 0.15 and d["status"] == "active" and status_free(d):
            close = True
            args += ["--close"]
    date = clock(c)
    h0 = head(c)
    rc, out, err = sp(c, *args)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    after = json.loads(sp(c, "show", inq, "--format", "json")[1])
    eid = new_record_id(d, after, "entries", tok)
    new_event(c, kind="entry", inq=inq, token=tok, id=eid, text="\n\n".join(paras),
              phase=phase, date=date, evidence=evidence,
              measures={k: float(v) for k, v in measures.items()},
              targets={k: float(v) for k, v in targets.items()}, verdict=verdict,
              school=SCHOOL[c], author=PEOPLE[c % len(PEOPLE)][0],
              seen_e={x["id"] for x in d["entries"]}, seen_n={x["id"] for x in d["notes"]})
    if newtag:
        set_add(c, inq, "tags", newtag)
    if close:
        change(c, inq, "status", "closed", d)
    view_checks(c, inq, after, "after " + phase)
    count(phase)


def op_note(c, inq):
    d = show(c, inq)
    tok = token()
    paras = text_with(tok)
    args = ["note", inq]
    for p in paras:
        args += ["-m", p]
    date = clock(c)
    h0 = head(c)
    rc, out, err = sp(c, *args)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    after = json.loads(sp(c, "show", inq, "--format", "json")[1])
    nid = new_record_id(d, after, "notes", tok)
    new_event(c, kind="note", inq=inq, token=tok, id=nid, text="\n\n".join(paras), date=date,
              school=SCHOOL[c], author=PEOPLE[c % len(PEOPLE)][0],
              seen_e={x["id"] for x in d["entries"]}, seen_n={x["id"] for x in d["notes"]})
    view_checks(c, inq, after, "after note")
    count("note")


def op_edit(c, inq):
    d = show(c, inq)
    args = ["edit", inq]
    todo = []
    kinds = dict.fromkeys(rng.sample(["title", "title", "title", "learners", "learners", "tag",
                                      "untag", "team", "unteam"], rng.choice([1, 1, 2, 3])))
    for k in kinds:
        if k in ("title", "learners"):
            tok = token()
            v = "%s %s" % (rng.choice(["Year 9 writing", "Whānau voice", "Y7-8 ākonga",
                                       "Boys' writing", "Maths talk"]), tok)
            args += ["--" + k, v]
            todo.append(("chg", k, v))
        elif k == "tag":
            free = [t for t in TAGS if t not in d["tags"]]
            if free:
                v = rng.choice(free)
                args += ["--tag", v]
                todo.append(("add", "tags", v))
        elif k == "team":
            free = [t for t in TEAM if t not in d["team"]]
            if free:
                v = rng.choice(free)
                args += ["--team", v]
                todo.append(("add", "team", v))
        elif k == "untag" and d["tags"]:
            v = rng.choice(sorted(d["tags"]))
            args += ["--untag", v]
            todo.append(("rem", "tags", v))
        elif k == "unteam" and d["team"]:
            v = rng.choice(sorted(d["team"]))
            args += ["--unteam", v]
            todo.append(("rem", "team", v))
    if not todo:
        return op_note(c, inq)
    h0 = head(c)
    rc, out, err = sp(c, *args)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    for kind, field, v in todo:
        if kind == "chg":
            change(c, inq, field, v, d)
        elif kind == "add":
            set_add(c, inq, field, v)
        else:
            set_remove(c, inq, field, v)
    count("edit")


def op_close(c, inq):
    d = show(c, inq)
    if not status_free(d):
        return op_resolve(c, inq, d)
    verb, value = ("close", "closed") if d["status"] == "active" else ("reopen", "active")
    h0 = head(c)
    rc, out, err = sp(c, verb, inq)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    change(c, inq, "status", value, d)
    count(verb)


def op_resolve(c, inq, d=None):
    if d is None:
        d = show(c, inq)
    conf = d.get("conflicts") or {}
    if not conf:
        return op_note(c, inq)
    field = rng.choice(sorted(conf))
    vals = sorted(set(conf[field]))
    if field != "status" and rng.random() < 0.25:
        value = "%s %s" % ("Settled:", token())
    else:
        value = rng.choice(vals)
    h0 = head(c)
    rc, out, err = sp(c, "resolve", inq, field, value)
    if rc != 0 and head(c) == h0:   # failed, and nothing written
        return
    change(c, inq, field, value, d)
    count("resolve")


def conflicted(c):
    out = []
    for inq, e in inq_eids.items():
        if e in know[c]:
            for f in FIELDS:
                if len({h["value"] for h in heads(c, inq, f)}) > 1:
                    out.append(inq)
                    break
    return sorted(out, key=lambda i: inq_serial[i])


# ---- sync ------------------------------------------------------------------

def porcelain_clean(c, what):
    rc, st = git_out(cdir(c), "status", "--porcelain")
    check(rc == 0 and st == "", "c%d: git status clean after %s" % (c, what), st)


def reported_conflicts(c, out):
    """Each "conflict:" line of a pull names a field the model says is in
    conflict in clone c now, with values among those of its heads."""
    for line in re.findall(r"^conflict: .*", out, re.M):
        pull_conflicts.append(line)
        m = re.match(r"conflict: ([0-9a-f]{4,}) .*: (title|learners|status) is (.*)$", line)
        inqs = [i for i in inq_eids if m and i.startswith(m.group(1)) and inq_eids[i] in know[c]]
        if not check(m and len(inqs) == 1, "c%d: a conflict line names a field of one inquiry" % c, line):
            continue
        hs = heads(c, inqs[0], m.group(2))
        vals = {h["value"] for h in hs}
        toks = set(re.findall(r"tok\d+", m.group(3)))
        check(len(vals) > 1 and toks <= set(re.findall(r"tok\d+", " ".join(vals))),
              "c%d: the conflict reported is one the model sees" % c, line,
              "model: %s of %s has head values %r" % (m.group(2), inqs[0][:8], sorted(vals)))


def has(c, sha):
    """Clone c's branch holds commit sha."""
    return subprocess.run(["git", "-C", cdir(c), "merge-base", "--is-ancestor", sha, "HEAD"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def pull(c, remote):
    """Pull remote ("origin" or a clone number) into c.  A pull that failed
    but merged all the same (e.g. a leak report at exit) was counted as a
    failure; the model follows what the repository holds, so that one
    fault is not reported again at every later step."""
    src = "hub" if remote == "origin" else remote
    theirs = head(src)
    name = "origin" if remote == "origin" else "c%d" % remote
    if STOCK_GIT:
        rc, out, err = git(c, "pull", "-q", "--no-rebase", "--no-edit", name, "main")
    elif remote == "origin" and rng.random() < 0.5:
        rc, out, err = sp(c, "pull")
    else:
        rc, out, err = sp(c, "pull", name)
    if rc == 0 or has(c, theirs):
        learn(c, know[src])
        reported_conflicts(c, out)
    porcelain_clean(c, "pull")
    return rc


def push(c, final=False):
    hub0, mine0 = head("hub"), head(c)
    ancestor = has(c, hub0)
    if STOCK_GIT:
        rc, out, err = git(c, "push", "-q", "origin", "main", expect=0 if ancestor else 1)
        reject_re = r"rejected|fetch first|non-fast-forward"
    else:
        rc, out, err = sp(c, "push", expect=0 if ancestor else 1)
        reject_re = r"pull first"
    if ancestor:
        if rc == 0:
            check(head("hub") == head(c), "c%d: the hub has what c%d pushed" % (c, c))
        if head("hub") == head(c):
            know["hub"] = set(know[c])
            count("push")
    else:
        check(re.search(reject_re, err) is not None, "c%d: a rejected push says to pull first" % c,
              "stderr: " + err)
        check(head("hub") == hub0 and head(c) == mine0,
              "c%d: a rejected push changes nothing" % c,
              "hub %s -> %s, clone %s -> %s" % (hub0, head("hub"), mine0, head(c)))
        porcelain_clean(c, "rejected push")
        count("push-rejected")


def op_sync(c):
    if STOCK_GIT:
        if pull(c, "origin") == 0:
            push(c)
        count("sync")
        return
    srcs = list(remotes(c)) + ["hub"] if rng.random() < 0.25 else ["hub"]
    theirs = {r: head(r) for r in srcs}
    rc, out, err = sp(c, "sync", *(["--all"] if len(srcs) > 1 else []))
    # The remotes are pulled in turn, each after a "From URL" line: a
    # conflict line tells of the state after that remote's merge.
    by_url = {os.path.normpath(cdir(r)): r for r in srcs}
    for url, text in re.findall(r"^From (.*)\n((?:(?!From ).*\n?)*)", out, re.M):
        r = by_url.get(os.path.normpath(url.strip()))
        if r is not None and (rc == 0 or has(c, theirs[r])):
            learn(c, know[r])
            reported_conflicts(c, text)
    for r in srcs:
        if rc == 0 or has(c, theirs[r]):
            learn(c, know[r])
    if rc == 0:
        check(head("hub") == head(c), "c%d: after sync the hub has c%d's branch" % (c, c))
    if head("hub") == head(c):
        know["hub"] = set(know[c])
    porcelain_clean(c, "sync")
    count("sync")


def remotes(c):
    return [x for x in range(NCLONES) if x != c]


# ---- setup -----------------------------------------------------------------

SCHOOL = {c: SCHOOLS[c % len(SCHOOLS)] + ("" if c < len(SCHOOLS) else " %d" % c) for c in range(NCLONES)}


def setup():
    global cur_op
    cur_op = -1
    run(["git", "init", "-q", "--bare", HUB])
    know["hub"] = set()
    for c in range(NCLONES):
        know[c] = set()
    sp(0, "init", cdir(0), "--school", SCHOOL[0], cwd=WORK)
    op_new(0)   # something to clone
    if STOCK_GIT:
        git(0, "remote", "add", "origin", HUB)
        git(0, "push", "-q", "-u", "origin", "main")
    else:
        sp(0, "remote", "add", "origin", HUB)
        sp(0, "push")
    know["hub"] = set(know[0])
    for c in range(1, NCLONES):
        if STOCK_GIT:
            run(["git", "clone", "-q", HUB, cdir(c)], c, cwd=WORK)
            git(c, "config", "spiral.school", SCHOOL[c])
        else:
            rc, out, err = sp(c, "clone", HUB, "c%d" % c, "--school", SCHOOL[c], cwd=WORK)
            check(re.search(r"Cloned .* into c%d: 1 inquir" % c, out) is not None,
                  "clone says what it cloned", out)
            rc, cfg = git_out(cdir(c), "config", "merge.spiral.driver")
            check(cfg.startswith("spiral merge-file %O %A %B"), "clone registers the merge driver", cfg)
        know[c] = set(know["hub"])
    for c in range(NCLONES):
        for r in remotes(c):
            if STOCK_GIT:
                git(c, "remote", "add", "c%d" % r, cdir(r))
            else:
                sp(c, "remote", "add", "c%d" % r, cdir(r))
        if not STOCK_GIT:
            rc, out, err = sp(c, "config", "school")
            check(out.strip() == SCHOOL[c], "c%d's school is its own" % c, out)


# ---- the run ---------------------------------------------------------------

WEIGHTS = [("new", 4), ("phase", 26), ("note", 8), ("edit", 18), ("close", 4),
           ("resolve", 6), ("pull-clone", 12), ("pull-hub", 7), ("push", 7), ("sync", 5)]


def one_op(i):
    global now, tick
    now += dt.timedelta(minutes=rng.randint(1, 7))
    tick = 0
    c = rng.randrange(NCLONES)
    ninq = sum(1 for e in inq_eids.values() if e in know[c])
    kinds, weights = zip(*WEIGHTS)
    weights = list(weights)
    if ninq < 3:
        weights[0] = 20
    elif len(inq_eids) >= 8:
        weights[0] = 1
    # Offline spells (a school week without syncing) and online ones, so
    # that changes made without seeing each other are common.
    offline = i % 30 < 18
    for k, name in enumerate(kinds):
        if name.startswith(("pull", "push", "sync")):
            weights[k] = weights[k] // 4 if offline else weights[k] * 2
    kind = rng.choices(kinds, weights)[0]
    if VERBOSE:
        say("op %d: c%d %s" % (i, c, kind))
    if kind == "new":
        return op_new(c)
    if kind == "pull-clone":
        r = rng.choice(remotes(c))
        pull(c, r)
        return count("pull-clone")
    if kind == "pull-hub":
        pull(c, "origin")
        return count("pull-hub")
    if kind == "push":
        return push(c)
    if kind == "sync":
        return op_sync(c)
    if kind == "resolve":
        cands = conflicted(c)
        if cands:
            return op_resolve(c, rng.choice(cands))
        kind = "phase"
    inq = pick_inquiry(c)
    if inq is None:
        return op_new(c)
    {"phase": op_phase, "note": op_note, "edit": op_edit, "close": op_close}[kind](c, inq)


def final_sync():
    """Every clone pulls every other clone and the hub, then pushes, until a
    round changes no branch."""
    for rnd in range(6):
        heads0 = [head(c) for c in range(NCLONES)] + [head("hub")]
        for c in range(NCLONES):
            for r in remotes(c) + ["origin"]:
                pull(c, r)
            push(c, final=True)
        heads1 = [head(c) for c in range(NCLONES)] + [head("hub")]
        if heads0 == heads1:
            break
    check(len(set(heads1)) == 1, "after the final sync every clone and the hub are on one commit",
          "\n".join("%s %s" % (c, h) for c, h in zip(list(range(NCLONES)) + ["hub"], heads1)))
    check(heads0 == heads1, "the final sync settles (a round that changes nothing) within 6 rounds")
    return rnd + 1


def final_checks():
    everything = set(events)
    for c in range(NCLONES):
        check(know[c] == everything, "model: c%d holds every record after the final sync" % c)
    # The same bytes in every clone.
    lists = [sp(c, "list", "--status", "all", "--format", "json")[1] for c in range(NCLONES)]
    check(len(set(lists)) == 1, "list --status all --format json is the same in every clone",
          *["c%d: %s" % (c, l[:300]) for c, l in enumerate(lists)])
    ids = sorted(x["id"] for x in json.loads(lists[0]))
    check(ids == sorted(inq_eids), "every inquiry ever made is listed",
          "missing %s" % sorted(set(inq_eids) - set(ids)))
    shows = {}
    for inq in sorted(inq_eids, key=lambda i: inq_serial[i]):
        outs = [sp(c, "show", inq, "--format", "json")[1] for c in range(NCLONES)]
        diff = [c for c in range(NCLONES) if outs[c] != outs[0]]
        check(not diff, "show %s --format json is the same in every clone" % inq[:8],
              *["c%d differs from c0:\n  c0: %s\n  c%d: %s" % (c, outs[0][:600], c, outs[c][:600]) for c in diff])
        shows[inq] = json.loads(outs[0])
        view_checks(0, inq, shows[inq], "final")
    # Every entry and note exactly once, intact, in its inquiry.
    where_tok = {}
    for inq, d in shows.items():
        for key in ("entries", "notes"):
            for x in d[key]:
                for t in re.findall(r"tok\d+", x["text"]):
                    where_tok.setdefault(t, []).append((inq, key, x))
    for ev in sorted(events.values(), key=lambda e: e["eid"]):
        if ev["kind"] not in ("entry", "note"):
            continue
        key = "entries" if ev["kind"] == "entry" else "notes"
        hits = where_tok.get(ev["token"], [])
        if not check(len(hits) == 1 and hits[0][0] == ev["inq"] and hits[0][1] == key,
                     "%s %s (op %d, c%d) is present exactly once, in its inquiry"
                     % (ev["kind"], ev["token"], ev["op"], ev["clone"]),
                     "found: %s" % [(h[0][:8], h[1]) for h in hits]):
            continue
        x = hits[0][2]
        bad = []
        want = {"id": ev["id"], "text": ev["text"], "date": ev["date"], "school": ev["school"],
                "author": ev["author"]}
        if ev["kind"] == "entry":
            want.update(phase=ev["phase"], evidence=ev["evidence"], verdict=ev["verdict"],
                        measures=ev["measures"], targets=ev["targets"])
        for k, v in want.items():
            got = x.get(k)
            if k in ("measures", "targets") and isinstance(got, dict):
                got = {a: float(b) for a, b in got.items()}
            if got != v:
                bad.append("%s: %r, written %r" % (k, got, v))
        check(not bad, "%s %s reads back as written" % (ev["kind"], ev["token"]), *bad)
    # Order (each record after every record of its kind its writer had seen).
    for ev in events.values():
        if ev["kind"] not in ("entry", "note"):
            continue
        key, skey = ("entries", "seen_e") if ev["kind"] == "entry" else ("notes", "seen_n")
        pos = {x["id"]: i for i, x in enumerate(shows[ev["inq"]][key])}
        if ev["id"] in pos:
            late = [s[:8] for s in ev[skey] if pos.get(s, -1) > pos[ev["id"]]]
            check(not late and all(s in pos for s in ev[skey]),
                  "%s %s sorts after the %d its writer had seen" % (ev["kind"], ev["token"], len(ev[skey])),
                  "before it: %s" % late)
    # Single-valued fields: a change no later change saw is the value or in conflicts.
    for ev in events.values():
        if ev["kind"] != "chg":
            continue
        later = [d for d in events.values() if d["kind"] == "chg" and d["inq"] == ev["inq"]
                 and d["field"] == ev["field"] and ev["eid"] in d["seen"]]
        if later:
            continue
        d = shows[ev["inq"]]
        conf = (d.get("conflicts") or {}).get(ev["field"]) or []
        check(d[ev["field"]] == ev["value"] or ev["value"] in conf,
              "%s of %s set to %r (op %d, c%d, which showed %r, conflicts %r) is the value or in conflicts"
              % (ev["field"], ev["inq"][:8], ev["value"], ev["op"], ev["clone"], ev.get("shown"),
                 ev.get("shown_conflicts")),
              "value %r, conflicts %r" % (d[ev["field"]], conf))
    # Sets: an addition no removal saw is present.
    for ev in events.values():
        if ev["kind"] != "add":
            continue
        if any(r["eid"] for r in events.values() if r["kind"] == "rem" and ev["eid"] in r["seen"]):
            continue
        d = shows[ev["inq"]]
        check(ev["value"] in d[ev["field"]],
              "%s %r added to %s (op %d, c%d) and seen by no removal is present"
              % (ev["field"], ev["value"], ev["inq"][:8], ev["op"], ev["clone"]), d[ev["field"]])
    # The repositories themselves.
    for c in range(NCLONES):
        rc, st = git_out(cdir(c), "status", "--porcelain")
        check(rc == 0 and st == "", "c%d: git status --porcelain is clean" % c, st)
        p = subprocess.run(["git", "-C", cdir(c), "fsck", "--strict"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=ENV0)
        check(p.returncode == 0 and not p.stdout.strip(), "c%d: git fsck --strict is silent" % c,
              p.stdout.decode("utf-8", "replace"))
        files = subprocess.run(["git", "-C", cdir(c), "ls-files", "-z", "*.ini"],
                               stdout=subprocess.PIPE).stdout.split(b"\0")
        files = [f.decode() for f in files if f]
        p = subprocess.run([INI_CHECK] + files, cwd=cdir(c), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT) if files else None
        check(len(files) > 1 and p.returncode == 0,
              "c%d: every .ini parses with the system's inih (%d files)" % (c, len(files)),
              p.stdout.decode("utf-8", "replace")[:2000] if p else "no files")
        rc, out, err = sp(c, "fsck", desc="spiral fsck finds no problem")
    p = subprocess.run(["git", "-C", HUB, "fsck", "--strict"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=ENV0)
    check(p.returncode == 0 and not p.stdout.strip(), "hub: git fsck --strict is silent",
          p.stdout.decode("utf-8", "replace"))
    return shows


def main():
    global cur_op
    t0 = time.time()
    say("model: seed %d, %d clones, %d ops%s" % (SEED, NCLONES, NOPS,
                                                  " (sync through stock git)" if STOCK_GIT else ""))
    try:
        setup()
        for i in range(NOPS):
            cur_op = i
            try:
                one_op(i)
            except Abort:
                pass
        cur_op = NOPS
        rounds = final_sync()
        shows = final_checks()
    except Exception as e:   # a harness error still ends with the counts
        check(False, "the run went through (%s: %s)" % (type(e).__name__, e),
              traceback.format_exc())
        rounds, shows = 0, {}
    ops = ", ".join("%s %d" % kv for kv in sorted(stats.items()))
    nconf = sum(1 for d in shows.values() for f in (d.get("conflicts") or {}))
    say("model: seed %d: %s; %d inquiries, %d entries, %d notes, %d field changes; "
        "%d distinct conflicts seen (%d reported by pull), %d left at the end; final sync %d round(s); %.0fs"
        % (SEED, ops, len(inq_eids), sum(1 for e in events.values() if e["kind"] == "entry"),
           sum(1 for e in events.values() if e["kind"] == "note"),
           sum(1 for e in events.values() if e["kind"] == "chg" and e["seen"]),
           len(conflicts_seen), len(pull_conflicts), nconf, rounds, time.time() - t0))
    if VERBOSE:
        for line in sorted(set(pull_conflicts)):
            say("pull said: " + line)
        for inq, field, vals in sorted(conflicts_seen):
            say("show said: %s %s %r" % (inq[:8], field, vals))
    if failed:
        say("to reproduce: SPIRAL_MODEL_SEED=%d SPIRAL_MODEL_CLONES=%d SPIRAL_MODEL_OPS=%d%s "
            "bash tests/cli/t-model.sh (every command: SPIRAL_MODEL_LOG=FILE)"
            % (SEED, NCLONES, NOPS, " SPIRAL_MODEL_STOCK_GIT=1" if STOCK_GIT else ""))
    say("%d passed, %d failed" % (passed, failed))
    logf.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
