#!/usr/bin/env python3
"""Generate a seeded spiral cluster repository for the speed benchmark.

    bench/gen.py OUTDIR [--schools 20] [--inquiries 10000] [--entries 100000]
                        [--notes 20000] [--seed 1]
                        [--remotes N --remote-entries M]

Makes, under OUTDIR:

  cluster/      a git repository (branch main) in spiral's layout (spiral(5)),
                its history written with `git fast-import` (one commit per
                school per year), then checked out; user.name, user.email and
                spiral.school are set so that spiral can write there.  With
                --remotes, the remotes school-1..school-N are added to it.
  school-K/     (--remotes N) a bare clone of the cluster with M new entries
                in active inquiries of school K, in a few commits.
  base          the cluster's starting commit: the pull benchmark resets to it.
  tasks.json    the same inquiries as Taskwarrior tasks, for `task import`.
  manifest.json what was made: sizes, seed, counts, an inquiry id to show.

Standard library only.  The same arguments (and the same git) give the same
files and the same commits: every random choice comes from random.Random(seed).
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import unicodedata

import random

PHASES = ["scan", "focus", "hunch", "learn", "act", "check"]

SCHOOLS = [
    "Te Kura o Āwhina", "Ōtaki School", "Kōwhai Intermediate",
    "Te Kura Kaupapa Māori o Mātāwai", "Rāwhiti School", "Māngere Bridge School",
    "Tāmaki College", "Ōrewa North School", "Kāpiti College",
    "Te Awamutu Intermediate", "Hāwera High School", "Pāpāmoa Primary",
    "Ōpōtiki College", "Whāingaroa School", "Waitākere College",
    "Ōtautahi Community School", "Taupō Intermediate", "Kaikōura Primary",
    "Mōtueka High School", "Pōneke Girls' College",
]

FIRST = [
    "Aroha", "Mere", "Hēmi", "Tāne", "Ngaio", "Wiremu", "Kiri", "Rāwiri",
    "Ana", "Sione", "Mele", "Losa", "Tavita", "Priya", "Wei", "Sarah", "James",
    "Emma", "Liam", "Olivia", "Hannah", "Tom", "Grace", "Ariana", "Mātiu",
    "Pania", "Rangi", "Tūī", "Moana", "Fetu", "Ioane", "Grace", "Jack", "Ruby",
]
LAST = [
    "Ngata", "Te Whiu", "Parata", "Tūhoe", "Walker", "Smith", "Tuilagi",
    "Fifita", "Patel", "Chen", "Williams", "Brown", "Wilson", "Taylor", "Hōhaia",
    "Māhuika", "Rēweti", "Tāwhai", "Faleolo", "Leota", "Thompson", "Kerehoma",
    "Pōmare", "Nikora", "Anderson", "Singh", "Kīngi", "Tipene",
]

# tag -> measure names that go with it (a measure name may carry a macron).
TAGS = {
    "writing": ["stories", "writing_stanine", "words_written"],
    "numeracy": ["numeracy_stage", "maths_pct"],
    "attendance": ["attendance_pct", "days_absent"],
    "wellbeing": ["wellbeing_score", "belonging_pct"],
    "te reo Māori": ["reo_kōrero", "kupu_hou"],
    "oral language": ["talk_moves", "oral_score"],
    "reading": ["reading_age", "running_record_pct"],
    "student agency": ["goals_set", "agency_score"],
    "hauora": ["hauora_score"],
    "transition": ["settled_pct"],
    "science": ["inquiry_questions"],
    "whānau engagement": ["whānau_hui", "conferences"],
}
TAG_NAMES = list(TAGS)

LEARNERS = [
    "Year 7 boys", "Māori and Pasifika learners", "Year 9 ākonga",
    "Year 3 and 4 readers", "English language learners", "Year 10 girls in maths",
    "Tamariki in Rūma 5", "Year 1 new entrants", "Learners with high absence",
    "Year 12 NCEA Level 2 students", "Year 5 and 6 writers", "Our Pasifika boys",
    "Ākonga in the bilingual unit", "Year 8 learners moving to college",
    "Priority learners in Year 2", "Students new to Aotearoa",
]

FOCI = {
    "writing": "writing", "numeracy": "number knowledge",
    "attendance": "attendance", "wellbeing": "wellbeing",
    "te reo Māori": "kōrero in te reo Māori", "oral language": "oral language",
    "reading": "reading", "student agency": "learner agency",
    "hauora": "hauora", "transition": "transition", "science": "science talk",
    "whānau engagement": "whānau engagement",
}

TITLES = [
    "Why do {l} stop {f}?", "How can we lift {f} for {l}?",
    "What helps {l} with {f}?", "Does {s} lift {f} for {l}?",
    "Will {s} make a difference to {f}?", "{L}: {f} through {s}",
]
STRATEGIES = [
    "daily free writing", "peer tutoring", "a tuakana-teina programme",
    "culturally sustaining texts", "talk moves", "goal-setting conferences",
    "a morning karakia and check-in", "whānau learning hui", "number talks",
    "guided reading in small groups", "the Ako Hiko devices", "structured literacy",
    "kapa haka in class time", "a buddy class",
]

# Sentences of each phase: {l} learners, {f} focus, {s} strategy, {n} a number,
# {p} a person.  None of them holds ';', '#', '[' or a backslash.
SENTENCES = {
    "scan": [
        "Only {n} of {m} {l} finished a piece this term.",
        "The data from Term {t} shows {f} dropping for {l}.",
        "Our ākonga told us they feel unsure about {f}.",
        "Talking with whānau, we heard that {f} matters at home too.",
        "{p} noticed that {l} go quiet when {f} comes up.",
        "Attendance on Mondays is lower than on other days.",
        "Running records show a plateau since the start of the year.",
    ],
    "focus": [
        "We will concentrate on {l} and {f}.",
        "The biggest difference will come from {f} in the first block of the day.",
        "We narrowed it down to {n} learners in Rūma {t}.",
        "Kaiako agreed that {f} is where our energy should go.",
    ],
    "hunch": [
        "Our hunch is that we talk too much and the learners too little.",
        "We may be rushing past {f} to get to the next topic.",
        "Perhaps our texts do not reflect the learners' own lives.",
        "We suspect the tasks are pitched too high for {l}.",
        "Mā te kōrero ka mārama: maybe we do not let them talk first.",
    ],
    "learn": [
        "{p} ran a staff hui on {s}.",
        "We read the research on {s} and visited Ōtaki School.",
        "Our facilitator modelled {s} in Rūma {t}.",
        "We learnt from whānau what works at home.",
        "Professional reading: three articles on {f}, shared in the PLG.",
    ],
    "act": [
        "We are trying {s} for {n} weeks.",
        "Every morning starts with {s}.",
        "Each learner has a goal for {f}, checked every Friday.",
        "{p} leads {s} with two classes.",
    ],
    "check": [
        "{n} of {m} learners met their goal.",
        "The change was bigger for some learners than for others.",
        "Whānau noticed the difference at home: ka pai.",
        "We made progress but not enough for {l} yet.",
        "The data shows a clear lift in {f}.",
    ],
    "note": [
        "Kia ora, great to see this mahi.",
        "Have you looked at what Rāwhiti School did with {s}?",
        "Ka rawe! Can we visit to see {s} in action?",
        "Interesting results. How did {l} feel about it?",
        "We are trying something similar with {l}, let us talk at the next hui.",
        "Ngā mihi for sharing your data.",
        "Could you share the template you used for {f}?",
    ],
}
EVIDENCE = [
    "Running records, Term {t}", "Student voice survey", "Writing samples",
    "Attendance register", "e-asTTle results", "Whānau hui notes",
    "Observation notes from Rūma {t}", "PAT results",
]

EPOCH_START = dt.datetime(2016, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_END = dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=dt.timezone.utc)
REMOTE_START = dt.datetime(2026, 11, 1, 8, 0, 0, tzinfo=dt.timezone.utc)

SPIRAL_INI = "; A spiral repository: collaborative inquiry, see spiral(5).\n[repository]\nformat = 1\n"
GITATTRIBUTES = ("# spiral records are only ever added; the merge driver is a\n"
                 "# safety net for hand edits (see spiral(5)).\n"
                 "*.ini text eol=lf merge=spiral\n")

WRAP = 76


def ascii_slug(s, sep="."):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    out = []
    for c in s.lower():
        out.append(c if c.isalnum() and c.isascii() else " ")
    return sep.join("".join(out).split())


# ---- the INI writer (spiral's: see lib/codec.c) ---------------------------

def value_line(key, value):
    """key = value, wrapped greedily at single spaces at 76 bytes as spiral's
    writer does.  The generated values need no escapes: checked here."""
    assert value and value == value.strip() and "  " not in value, value
    for bad in ("\\", "\n", "\t", " ;", " #"):
        assert bad not in value, value
    assert value[0] not in ";#[", value
    words = value.split(" ")
    lines = []
    prefix = len(key.encode()) + 3
    cur = None
    width = 0
    for w in words:
        wl = len(w.encode())
        if cur is None:
            cur, width = [w], prefix + wl
        elif width + 1 + wl <= WRAP:
            cur.append(w)
            width += 1 + wl
        else:
            lines.append(" ".join(cur))
            cur, width = [w], 2 + wl
    lines.append(" ".join(cur))
    assert all(len(x.encode()) < 150 for x in lines)
    return key + " = " + "\n  ".join(lines) + "\n"


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def isodate(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def number(x):
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


# ---- the model -------------------------------------------------------------

class School:
    def __init__(self, name, idx, rng):
        self.name = name
        self.idx = idx
        domain = ascii_slug(name, "") + ".school.nz"
        n = rng.randint(5, 9)
        people = set()
        self.people = []
        while len(self.people) < n:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if (first, last) in people:
                continue
            people.add((first, last))
            name_ = first + " " + last
            email = ascii_slug(first) + "." + ascii_slug(last) + "@" + domain
            self.people.append((name_, email))


class Inquiry:
    __slots__ = ("id", "school", "author", "title", "learners", "created",
                 "tags", "team", "focus", "strategy", "records", "state",
                 "closed", "title_now", "measures", "end", "phase_i", "cycle", "seq")


def mid(learners):
    """Learners in the middle of a sentence."""
    if learners.split()[0] in ("Year", "Māori", "English"):
        return learners
    return learners[0].lower() + learners[1:]


def who_lines(person, school):
    return (value_line("author", person[0]) + value_line("email", person[1]) +
            value_line("school", school.name))


class Gen:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.schools = []
        for i in range(args.schools):
            name = SCHOOLS[i] if i < len(SCHOOLS) else "Kura %d" % (i + 1)
            self.schools.append(School(name, i, self.rng))
        self.counts = {"inquiries": 0, "entries": 0, "notes": 0, "changes": 0,
                       "closed": 0, "title changes": 0, "bytes": 0}

    def new_id(self, rng=None):
        return "%032x" % (rng or self.rng).getrandbits(128)

    def fill(self, tmpl, inq, rng):
        m = rng.randint(12, 30)
        return tmpl.format(l=mid(inq.learners), f=inq.focus, s=inq.strategy,
                           n=rng.randint(2, m), m=m, t=rng.randint(1, 4),
                           p=rng.choice(inq.school.people)[0])

    def text(self, kind, inq, rng):
        """1 to 4 paragraphs, each one to three sentences."""
        paras = []
        for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 4))):
            pool = SENTENCES[kind]
            sents = [self.fill(x, inq, rng)
                     for x in rng.sample(pool, rng.randint(1, min(3, len(pool))))]
            p = " ".join(s[0].upper() + s[1:] for s in sents)
            paras.append(p)
        return paras

    def make_inquiries(self):
        a, rng = self.args, self.rng
        inqs = []
        for i in range(a.inquiries):
            q = Inquiry()
            q.id = self.new_id()
            q.school = self.schools[i % len(self.schools)] if i < len(self.schools) \
                else rng.choice(self.schools)
            q.author = rng.choice(q.school.people)
            q.tags = rng.sample(TAG_NAMES, rng.choice((1, 1, 2, 2, 3)))
            q.focus = FOCI[q.tags[0]]
            q.strategy = rng.choice(STRATEGIES)
            q.learners = rng.choice(LEARNERS)
            q.title = rng.choice(TITLES).format(l=mid(q.learners), L=q.learners,
                                                f=q.focus, s=q.strategy)
            others = [p for p in q.school.people if p != q.author]
            q.team = [p[0] for p in rng.sample(others, rng.randint(0, min(3, len(others))))]
            span = (EPOCH_END - EPOCH_START).total_seconds() - 40 * 86400
            q.created = EPOCH_START + dt.timedelta(seconds=int(rng.random() * span))
            life = rng.uniform(30, 4 * 365) * 86400
            q.end = min(EPOCH_END, q.created + dt.timedelta(seconds=life))
            q.records = []
            inqs.append(q)
        # Entries and notes per inquiry: uneven, summing to the totals.
        per = []
        for total in (a.entries, a.notes):
            w = [rng.expovariate(1.0) + 0.3 for _ in inqs]
            s = sum(w)
            n = [int(total * x / s) for x in w]
            while sum(n) < total:
                n[rng.randrange(len(n))] += 1
            per.append(n)
        self.inqs = inqs
        for q, k_e, k_n in zip(inqs, per[0], per[1]):
            self.fold_inquiry(q, k_e, k_n)

    def entry_record(self, q, t, phase, cycle, seq, rng, person, new_cycle=False,
                     verdict=None):
        eid = self.new_id(rng)
        body = ["[entry]\n", "phase = %s\n" % phase, "date = %s\n" % isodate(t),
                "seq = %d\n" % seq, who_lines(person, q.school),
                "cycle = %d\n" % cycle]
        if new_cycle:
            body.append("new-cycle = yes\n")
        if verdict:
            body.append("verdict = %s\n" % verdict)
        paras = self.text(phase, q, rng)
        body.append("\n[text]\n")
        body.extend(value_line("p", p) for p in paras)
        if phase in ("scan", "learn", "check") and rng.random() < 0.3:
            body.append("\n[evidence]\n")
            for e in rng.sample(EVIDENCE, rng.randint(1, 2)):
                body.append(value_line("item", e.format(t=rng.randint(1, 4))))
        ms = q.measures
        if phase == "scan" and rng.random() < 0.8:
            names = TAGS[q.tags[0]][:rng.randint(1, len(TAGS[q.tags[0]]))]
            ms["base"] = {m: self.base_value(m, rng) for m in names}
            ms["now"] = dict(ms["base"])
            body.append("\n[measures]\n")
            body.extend("%s = %s\n" % (m, number(v)) for m, v in ms["base"].items())
        elif phase == "act" and ms.get("base") and rng.random() < 0.8:
            ms["target"] = {m: self.target_value(v, rng) for m, v in ms["base"].items()}
            body.append("\n[targets]\n")
            body.extend("%s = %s\n" % (m, number(v)) for m, v in ms["target"].items())
        elif phase == "check" and ms.get("base"):
            got = {}
            for m, b in ms["base"].items():
                tgt = ms.get("target", {}).get(m, b * 1.2 + 1)
                got[m] = round(b + (tgt - b) * rng.uniform(-0.2, 1.3), 1)
            body.append("\n[measures]\n")
            body.extend("%s = %s\n" % (m, number(v)) for m, v in got.items())
        path = "entries/%s-%s-%s.ini" % (stamp(t), phase, eid)
        return path, "".join(body)

    @staticmethod
    def base_value(m, rng):
        if m.endswith("_pct"):
            return rng.randint(40, 85)
        if m in ("reading_age",):
            return round(rng.uniform(6, 12), 1)
        return rng.randint(1, 20)

    @staticmethod
    def target_value(b, rng):
        return round(b * rng.uniform(1.1, 1.6) + 1, 1 if isinstance(b, float) else 0)

    def fold_inquiry(self, q, n_entries, n_notes, rng=None):
        rng = rng or self.rng
        c = self.counts
        c["inquiries"] += 1
        q.measures = {}
        closed = rng.random() < (0.35 if q.end < EPOCH_END - dt.timedelta(days=200) else 0.05)
        title_change = rng.random() < 0.05
        # Distinct seconds, strictly after creation, in (created, end].
        n = n_entries + n_notes + (1 if title_change else 0)
        span = max(int((q.end - q.created).total_seconds()), n + 10)
        offs = sorted(rng.sample(range(60, span + 60), n)) if n else []
        kinds = ["e"] * n_entries + ["n"] * n_notes + (["t"] if title_change else [])
        rng.shuffle(kinds)
        seq = 0
        phase_i, cycle = -1, 1
        left = n_entries
        q.title_now = q.title
        q.closed = None
        for off, kind in zip(offs, kinds):
            t = q.created + dt.timedelta(seconds=off)
            seq += 1
            person = q.author if rng.random() < 0.7 else rng.choice(q.school.people)
            if kind == "e":
                left -= 1
                if phase_i < 0 or not (rng.random() < 0.15 and phase_i != 5):
                    phase_i = (phase_i + 1) % 6
                phase = PHASES[phase_i]
                verdict, new_cycle = None, False
                if phase == "check":
                    if rng.random() < 0.9:
                        verdict = rng.choice(("enough", "partly", "partly", "not-enough"))
                    new_cycle = left > 0 or (not closed and rng.random() < 0.5)
                path, body = self.entry_record(q, t, phase, cycle, seq, rng, person,
                                               new_cycle, verdict)
                if new_cycle:
                    cycle += 1
                    phase_i = -1
                    q.measures = {}
                c["entries"] += 1
            elif kind == "n":
                school = q.school if rng.random() < 0.5 else rng.choice(self.schools)
                person = rng.choice(school.people)
                body = ("[note]\ndate = %s\nseq = %d\n" % (isodate(t), seq) +
                        who_lines(person, school) + "\n[text]\n" +
                        "".join(value_line("p", p) for p in self.text("note", q, rng)))
                path = "notes/%s-%s.ini" % (stamp(t), self.new_id(rng))
                c["notes"] += 1
                q.records.append((t, path, body, school.idx))
                continue
            else:
                q.title_now = "%s (cycle %d)" % (q.title if len(q.title) < 150 else q.focus, cycle)
                path, body = self.change(q, t, seq, person, "title", q.title_now, rng)
                c["title changes"] += 1
            q.records.append((t, path, body, q.school.idx))
        q.phase_i, q.cycle, q.seq = phase_i, cycle, seq
        if closed:
            t = max(q.end, q.records[-1][0] if q.records else q.created) + \
                dt.timedelta(seconds=rng.randint(3600, 30 * 86400))
            t = min(t, EPOCH_END + dt.timedelta(seconds=-1))
            if q.records and t <= q.records[-1][0]:
                t = q.records[-1][0] + dt.timedelta(seconds=1)
            q.seq += 1
            path, body = self.change(q, t, q.seq, q.author, "status", "closed", rng)
            q.records.append((t, path, body, q.school.idx))
            q.closed = t
            c["closed"] += 1

    def change(self, q, t, seq, person, field, value, rng):
        self.counts["changes"] += 1
        body = ("[change]\ndate = %s\nseq = %d\n" % (isodate(t), seq) +
                who_lines(person, q.school) + "field = %s\nop = set\n" % field +
                value_line("value", value))
        return "changes/%s-%s-%s.ini" % (stamp(t), field, self.new_id(rng)), body

    def inquiry_ini(self, q):
        s = ["[inquiry]\n", value_line("title", q.title), value_line("learners", q.learners),
             "created = %s\n" % isodate(q.created), who_lines(q.author, q.school)]
        s.extend(value_line("tag", t) for t in q.tags)
        s.extend(value_line("team", m) for m in q.team)
        return "".join(s)

    @staticmethod
    def folder(qid):
        return "inquiries/%s/%s/" % (qid[:2], qid)

    # ---- the history -----------------------------------------------------

    def groups(self):
        """(year, school) -> [(path, body)], and each group's last date."""
        g = {}
        for q in self.inqs:
            base = self.folder(q.id)
            key = (q.created.year, q.school.idx)
            g.setdefault(key, []).append((q.created, base + "inquiry.ini", self.inquiry_ini(q)))
            for t, path, body, _ in q.records:
                g.setdefault((t.year, q.school.idx), []).append((t, base + path, body))
        return g

    def write_history(self, repo):
        leader = self.schools[0].people[0]
        fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done"],
                              stdin=subprocess.PIPE)
        out = fi.stdin
        mark = [0]

        def commit(who, when, message, files):
            mark[0] += 1
            msg = message.encode()
            ts = "%d +0000" % int(when.timestamp())
            ident = "%s <%s> %s" % (who[0], who[1], ts)
            head = ("commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n"
                    % (mark[0], ident, ident, len(msg))).encode()
            out.write(head + msg + b"\n")
            buf = []
            for path, body in files:
                b = body.encode()
                self.counts["bytes"] += len(b)
                buf.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(b), b))
            out.write(b"".join(buf))
            out.write(b"\n")

        commit(leader, EPOCH_START - dt.timedelta(days=1),
               "init: start a spiral repository\n\nspiral keeps collaborative inquiries here "
               "as INI files (see spiral(5)).\n",
               [("spiral.ini", SPIRAL_INI), (".gitattributes", GITATTRIBUTES)])
        groups = self.groups()
        for key in sorted(groups):
            year, si = key
            recs = sorted(groups[key], key=lambda r: (r[0], r[1]))
            school = self.schools[si]
            kinds = {"inquiry.ini": 0, "entries": 0, "notes": 0, "changes": 0}
            for _, p, _ in recs:
                k = p.split("/")[3]
                kinds[k] += 1
            msg = ("%s, %d: %d inquiries, %d entries, %d notes, %d changes\n"
                   % (school.name, year, kinds["inquiry.ini"], kinds["entries"],
                      kinds["notes"], kinds["changes"]))
            commit(school.people[0], recs[-1][0], msg, [(p, b) for _, p, b in recs])
        out.write(b"done\n")
        out.close()
        if fi.wait() != 0:
            sys.exit("gen.py: git fast-import failed")
        return mark[0]


def git(repo, *args, capture=False):
    r = subprocess.run(["git", "-C", repo] + list(args), check=True,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return r.stdout.decode().strip() if capture else None


def configure(repo, school, person):
    git(repo, "config", "user.name", person[0])
    git(repo, "config", "user.email", person[1])
    git(repo, "config", "spiral.school", school.name)
    git(repo, "config", "merge.spiral.name", "spiral: INI-aware merge of hand-edited records")
    git(repo, "config", "merge.spiral.driver", "spiral merge-file %O %A %B %P")
    # No automatic repacking: bench/run puts the object store back as it was
    # generated (the files listed in the manifest) between pulls.
    git(repo, "config", "gc.auto", "0")
    git(repo, "config", "maintenance.auto", "false")


def object_files(repo):
    """The files of the object store (packs, loose objects), relative."""
    top = os.path.join(repo, ".git", "objects")
    out = []
    for dp, _, fs in os.walk(top):
        rel = os.path.relpath(dp, top)
        if rel.split(os.sep)[0] == "info":
            continue
        out.extend(os.path.normpath(os.path.join(rel, f)) for f in fs)
    return sorted(out)


def make_remote(gen, outdir, k, m):
    """school-K: a bare clone of the cluster with M new entries in active
    inquiries of school K, in a few commits of fast-import."""
    rng = random.Random("%d-remote-%d" % (gen.args.seed, k))
    school = gen.schools[(k - 1) % len(gen.schools)]
    path = os.path.join(outdir, "school-%d" % k)
    subprocess.run(["git", "clone", "-q", "--bare", os.path.join(outdir, "cluster"), path],
                   check=True)
    mine = [q for q in gen.inqs if q.school is school and not q.closed] or \
        [q for q in gen.inqs if q.school is school]
    pick = rng.sample(mine, min(len(mine), max(1, min(10, m // 10 or 1))))
    ncommits = max(1, min(5, (m + 99) // 100))
    person = school.people[0]
    state = {q.id: [q.phase_i, q.cycle, q.seq] for q in pick}
    t = REMOTE_START + dt.timedelta(hours=k)
    fi = subprocess.Popen(["git", "-C", path, "fast-import", "--quiet", "--done"],
                          stdin=subprocess.PIPE)
    out = fi.stdin
    made = 0
    for c in range(ncommits):
        n = m // ncommits + (1 if c < m % ncommits else 0)
        files = []
        for _ in range(n):
            q = rng.choice(pick)
            st = state[q.id]
            st[0] = (st[0] + 1) % 6
            st[2] += 1
            t += dt.timedelta(seconds=rng.randint(60, 1800))
            phase = PHASES[st[0]]
            verdict = "partly" if phase == "check" else None
            saved = q.measures
            q.measures = {}
            p, body = gen.entry_record(q, t, phase, st[1], st[2], rng, person,
                                       phase == "check", verdict)
            q.measures = saved
            if phase == "check":
                st[1] += 1
                st[0] = -1
            files.append((gen.folder(q.id) + p, body))
        made += n
        msg = ("%s: %d entries\n" % (school.name, n)).encode()
        ident = "%s <%s> %d +0000" % (person[0], person[1], int(t.timestamp()))
        out.write(("commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n"
                   % (ident, ident, len(msg))).encode() + msg + b"\n")
        if c == 0:
            out.write(b"from refs/heads/main^0\n")
        for fp, body in files:
            b = body.encode()
            out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (fp.encode(), len(b), b))
        out.write(b"\n")
    out.write(b"done\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("gen.py: git fast-import failed in " + path)
    return path, made


def generator_hash():
    """Names this version of gen.py: bench/run regenerates when it changes."""
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def uuid_of(i):
    return "%s-%s-%s-%s-%s" % (i[:8], i[8:12], i[12:16], i[16:20], i[20:])


def write_tasks(gen, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        for n, q in enumerate(gen.inqs):
            anns = []
            last = q.created
            for t, p, body, _ in q.records:
                last = max(last, t)
                kind = p.split("/")[0]
                if kind == "changes":
                    continue
                text = body[body.index("[text]\n") + 7:].split("\n\n")[0]
                text = " ".join(ln[4:] if ln.startswith("p = ") else ln.strip()
                                for ln in text.split("\n") if ln)
                label = p.split("-")[1] if kind == "entries" else "note"
                anns.append({"entry": stamp(t), "description": "%s: %s" % (label, text)})
            task = {
                "uuid": uuid_of(q.id), "description": q.title_now,
                "project": q.school.name,
                "tags": [x.replace(" ", "_") for x in q.tags],
                "status": "completed" if q.closed else "pending",
                "entry": stamp(q.created), "modified": stamp(last),
                "annotations": anns,
            }
            if q.closed:
                task["end"] = stamp(q.closed)
            f.write(json.dumps(task, ensure_ascii=False))
            f.write(",\n" if n + 1 < len(gen.inqs) else "\n")
        f.write("]\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--schools", type=int, default=20)
    ap.add_argument("--inquiries", type=int, default=10000)
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--notes", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--remotes", type=int, default=0)
    ap.add_argument("--remote-entries", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR's contents")
    a = ap.parse_args()
    if a.schools < 1 or a.inquiries < a.schools:
        ap.error("need at least one school and one inquiry per school")
    if a.remotes and a.remote_entries < 1:
        ap.error("--remotes needs --remote-entries")
    t0 = time.perf_counter()
    out = os.path.abspath(a.outdir)
    repo = os.path.join(out, "cluster")
    if os.path.exists(out) and os.listdir(out):
        if not a.force:
            sys.exit("gen.py: %s is not empty (--force replaces it)" % out)
        shutil.rmtree(out)
    os.makedirs(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    gen = Gen(a)
    gen.make_inquiries()
    t1 = time.perf_counter()
    ncommits = gen.write_history(repo)
    t2 = time.perf_counter()
    configure(repo, gen.schools[0], gen.schools[0].people[0])
    git(repo, "reset", "-q", "--hard", "main")
    base = git(repo, "rev-parse", "HEAD", capture=True)
    t3 = time.perf_counter()
    remotes = []
    for k in range(1, a.remotes + 1):
        path, made = make_remote(gen, out, k, a.remote_entries)
        git(repo, "remote", "add", "school-%d" % k, path)
        remotes.append({"name": "school-%d" % k, "path": path, "entries": made,
                        "school": gen.schools[(k - 1) % len(gen.schools)].name})
    t4 = time.perf_counter()
    write_tasks(gen, os.path.join(out, "tasks.json"))
    with open(os.path.join(out, "base"), "w") as f:
        f.write(base + "\n")
    # An inquiry with many records, for `spiral show`.
    big = max(gen.inqs, key=lambda q: len(q.records))
    manifest = {
        "generator": generator_hash(), "seed": a.seed, "schools": a.schools, "inquiries": a.inquiries,
        "entries": a.entries, "notes": a.notes, "remotes": remotes,
        "remote_entries": a.remote_entries, "base": base, "commits": ncommits,
        "show": big.id, "show_records": len(big.records),
        "note_in": gen.inqs[0].id, "counts": gen.counts,
        "objects": object_files(repo),
        "files": 2 + gen.counts["inquiries"] + gen.counts["entries"] +
        gen.counts["notes"] + gen.counts["changes"],
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    t5 = time.perf_counter()
    c = gen.counts
    print("gen.py: %s (seed %d)" % (out, a.seed))
    print("  %d schools, %d inquiries (%d closed, %d title changes), %d entries, "
          "%d notes, %d changes" % (a.schools, c["inquiries"], c["closed"],
                                    c["title changes"], c["entries"], c["notes"],
                                    c["changes"]))
    print("  %d files, %.1f MB in %d commits; base %s" % (manifest["files"], c["bytes"] / 1e6,
                                                       ncommits, base[:12]))
    if remotes:
        print("  %d remotes school-1..school-%d, %d new entries each" %
              (len(remotes), len(remotes), a.remote_entries))
    print("  seconds: model %.1f, fast-import %.1f, checkout %.1f, remotes %.1f, "
          "tasks %.1f, total %.1f" % (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0))


if __name__ == "__main__":
    main()
