#!/usr/bin/env python3
"""spiral's speed benchmark: each spiral command against a reference.

    bench/run [--size small|full] [--runs N] [--dir DIR] [--spiral PATH]
              [--seed N] [--fresh] [--no-install]

See bench/README.  Prints two Markdown tables (times, then peak memory) and
the machine.  A command that fails is a failure of the bench (exit 1, its
stderr shown); no time is ever asserted.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

SIZES = {
    "full": dict(schools=20, inquiries=10000, entries=100000, notes=20000,
                 remotes=20, remote_entries=500, runs=7),
    "small": dict(schools=4, inquiries=300, entries=3000, notes=600,
                  remotes=4, remote_entries=20, runs=3),
}
# The repository of row 2: 1,000 entries, for the growth of a write.
K1 = dict(inquiries=100, entries=1000, notes=200)


class BenchError(Exception):
    pass


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ---- running and timing ----------------------------------------------------

class Runner:
    def __init__(self, env, timerun):
        self.env, self.timerun = env, timerun

    def timed(self, cmd, cwd, what):
        """Runs cmd under timerun, its output to /dev/null; returns (seconds,
        max RSS in KiB).  A non-zero exit is a BenchError with its stderr."""
        with tempfile.TemporaryFile() as err:
            r = subprocess.run([self.timerun] + cmd, cwd=cwd, env=self.env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
            try:
                ns, rss, code = (int(x) for x in r.stdout.split())
            except ValueError:
                ns, rss, code = 0, 0, r.returncode or 1
            if r.returncode != 0 or code != 0:
                err.seek(0)
                raise BenchError("%s: `%s` in %s exited %d:\n%s" % (
                    what, " ".join(cmd)[:300], cwd, code,
                    err.read().decode(errors="replace")[-4000:]))
        return ns / 1e9, rss

    def out(self, cmd, cwd):
        r = subprocess.run(cmd, cwd=cwd, env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise BenchError("`%s` in %s exited %d:\n%s" % (
                " ".join(cmd), cwd, r.returncode, r.stderr.decode(errors="replace")))
        return r.stdout.decode()


class Row:
    """One line of the table: a spiral command and its reference, run pair
    by pair.  before_s/before_r run before each, outside the timing."""

    def __init__(self, what, label, spiral, ref, cwd, goal=None, mem_goal=100,
                 before_s=None, before_r=None, after_s=None, after_r=None, warm=True):
        self.what, self.label, self.spiral, self.ref = what, label, spiral, ref
        self.cwd, self.goal, self.mem_goal = cwd, goal, mem_goal
        self.before_s, self.before_r, self.warm = before_s, before_r, warm
        self.after_s, self.after_r = after_s, after_r
        self.ts, self.tr, self.ms, self.mr = [], [], [], []

    def cmd(self, c, i):
        return c(i) if callable(c) else c

    def run(self, R, runs):
        if self.warm:  # one untimed pair: page cache and spiral's cache warm
            for before, c in ((self.before_s, self.spiral), (self.before_r, self.ref)):
                if before:
                    before()
                R.timed(self.cmd(c, -1), self.cwd, self.what)
        for i in range(runs):
            if self.before_s:
                self.before_s()
            t, m = R.timed(self.cmd(self.spiral, i), self.cwd, self.what)
            self.ts.append(t)
            self.ms.append(m)
            if self.after_s:
                self.after_s()
            if self.before_r:
                self.before_r()
            t, m = R.timed(self.cmd(self.ref, i), self.cwd, self.what + " (reference)")
            self.tr.append(t)
            self.mr.append(m)
            if self.after_r:
                self.after_r()

    @property
    def s(self):
        return statistics.median(self.ts)

    @property
    def r(self):
        return statistics.median(self.tr)


def fmt_t(t):
    if t >= 10:
        return "%.1f s" % t
    if t >= 1:
        return "%.2f s" % t
    return "%.1f ms" % (t * 1000) if t < 0.1 else "%.0f ms" % (t * 1000)


def fmt_x(x):
    return ("%.2fx" % x) if x < 10 else ("%.1fx" % x)


# ---- the repositories ----------------------------------------------------

def generate(dirpath, params, seed, fresh):
    """The cluster of params under dirpath, made by gen.py unless already
    there with the same parameters."""
    man = os.path.join(dirpath, "manifest.json")
    sys.path.insert(0, HERE)
    import gen
    want = dict(params, seed=seed, generator=gen.generator_hash())
    if not fresh and os.path.exists(man):
        with open(man) as f:
            m = json.load(f)
        if all(m.get(k) == v for k, v in want.items() if k != "remotes") \
                and len(m.get("remotes", [])) == params.get("remotes", 0) \
                and all(os.path.exists(os.path.join(dirpath, "cluster", ".git", "objects", o))
                        for o in m.get("objects", ["-"])):
            say("reusing %s" % dirpath)
            return m
    cmd = [sys.executable, os.path.join(HERE, "gen.py"), dirpath, "--force",
           "--seed", str(seed)]
    for k in ("schools", "inquiries", "entries", "notes"):
        cmd += ["--" + k, str(params[k])]
    if params.get("remotes"):
        cmd += ["--remotes", str(params["remotes"]),
                "--remote-entries", str(params["remote_entries"])]
    say("generating %s" % dirpath)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.stderr.write(r.stdout.decode())
    if r.returncode != 0:
        raise BenchError("gen.py failed")
    with open(man) as f:
        return json.load(f)


def start_daemon(base, tmp):
    """git daemon serving the repositories under base on a free port of
    127.0.0.1; returns its port and PID."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    pidfile = os.path.join(tmp, "git-daemon.pid")
    subprocess.run(["git", "daemon", "--reuseaddr", "--export-all", "--detach",
                    "--listen=127.0.0.1", "--port=%d" % port, "--pid-file=" + pidfile,
                    "--base-path=" + base, base], check=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    with open(pidfile) as f:
        pid = int(f.read().strip())
    return {"port": port, "pid": pid}


def stop_daemon(daemon):
    try:
        os.kill(daemon["pid"], signal.SIGTERM)
    except ProcessLookupError:
        pass


def git(repo, *args):
    r = subprocess.run(["git", "-C", repo] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise BenchError("git %s in %s: %s" % (" ".join(args), repo, r.stderr.decode()))
    return r.stdout.decode()


def restore(repo, man):
    """Puts a clone back as generated: the notes and pulls of a run undone,
    remote-tracking branches and reflogs dropped, and the object store as
    gen.py left it (the files its manifest lists), so that each pull fetches
    what a first pull fetches.  spiral's cache (.git/spiral/) goes too."""
    git(repo, "config", "gc.auto", "0")
    git(repo, "reset", "-q", "--hard", man["base"])
    git(repo, "clean", "-q", "-fd", "--", "inquiries")
    refs = git(repo, "for-each-ref", "--format=delete %(refname)", "refs/remotes")
    if refs:
        r = subprocess.run(["git", "-C", repo, "update-ref", "--no-deref", "--stdin"],
                           input=refs.encode(), stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise BenchError("update-ref in %s: %s" % (repo, r.stderr.decode()))
    git(repo, "reflog", "expire", "--expire=now", "--all")
    keep = set(man["objects"])
    top = os.path.join(repo, ".git", "objects")
    for dp, _, fs in os.walk(top):
        rel = os.path.relpath(dp, top)
        if rel.split(os.sep)[0] == "info":
            continue
        for f in fs:
            if os.path.normpath(os.path.join(rel, f)) not in keep:
                os.remove(os.path.join(dp, f))
    for f in ("FETCH_HEAD", "ORIG_HEAD"):
        if os.path.exists(os.path.join(repo, ".git", f)):
            os.remove(os.path.join(repo, ".git", f))
    drop_cache(repo)


def drop_cache(repo):
    shutil.rmtree(os.path.join(repo, ".git", "spiral"), ignore_errors=True)


# ---- Taskwarrior -----------------------------------------------------------

def ensure_task(install):
    if shutil.which("task"):
        return True
    if not install:
        return False
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say("installing Taskwarrior (apt-get install -y taskwarrior)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "taskwarrior"], env=env,
                       stdout=subprocess.DEVNULL, timeout=120)
        if not shutil.which("task"):
            subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env,
                           stdout=subprocess.DEVNULL, timeout=120)
            subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "taskwarrior"],
                           env=env, stdout=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        say("could not install Taskwarrior: %s" % e)
    return bool(shutil.which("task"))


def task_setup(tmp, tasks_json, env):
    data = os.path.join(tmp, "taskdata")
    os.makedirs(data)
    rc = os.path.join(tmp, "taskrc")
    with open(rc, "w") as f:
        f.write("data.location=%s\nconfirmation=off\nverbose=nothing\nhooks=off\n"
                "json.array=on\n" % data)
    env["TASKRC"], env["TASKDATA"] = rc, data
    t0 = time.perf_counter()
    r = subprocess.run(["task", "import", tasks_json], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise BenchError("task import: " + r.stderr.decode())
    return time.perf_counter() - t0


# ---- the machine -----------------------------------------------------------

def machine(spiral, env, sizes):
    def first(cmd):
        try:
            r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            return r.stdout.decode().strip().split("\n")[0]
        except OSError:
            return "-"
    cpu = "?"
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for ln in open("/proc/meminfo"):
            if ln.startswith("MemTotal"):
                ram = "%.1f GiB" % (int(ln.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        debian = "-"
    return [
        ("CPU", cpu), ("cores", str(os.cpu_count())), ("RAM", ram),
        ("kernel", platform.release()), ("Debian", debian),
        ("spiral", first([spiral, "--version"])), ("git", first(["git", "--version"])),
        ("Taskwarrior", first(["task", "--version"]) if shutil.which("task") else "-"),
        ("load average at the end", open("/proc/loadavg").read().split()[0]
         if os.path.exists("/proc/loadavg") else "-"),
    ] + sizes


# ---- the bench -------------------------------------------------------------

def note_file(repo, qid, text):
    """A note as spiral writes it, for the git reference: its path (relative)
    and contents; seq one more than the inquiry's largest."""
    folder = os.path.join("inquiries", qid[:2], qid)
    top = 0
    for sub in ("entries", "notes", "changes"):
        d = os.path.join(repo, folder, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), encoding="utf-8") as f:
                for ln in f:
                    if ln.startswith("seq = "):
                        top = max(top, int(ln[6:]))
                        break
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    nid = "%032x" % random.getrandbits(128)
    path = os.path.join(folder, "notes", "%s-%s.ini" % (now.strftime("%Y%m%dT%H%M%SZ"), nid))
    body = ("[note]\ndate = %s\nseq = %d\nauthor = Bench Git\nemail = git@bench.invalid\n"
            "school = Te Kura o Āwhina\n\n[text]\np = %s\n"
            % (now.strftime("%Y-%m-%dT%H:%M:%S+00:00"), top + 1, text))
    return path, body


def note_rows(S, repo, qid, label):
    ref = ["bash", "-c", 'mkdir -p "$(dirname "$2")" && printf %s "$1" >"$2" && '
           'git add -- "$2" && git commit -q -m "$3"', "note"]
    pending = {}

    def before_r():
        pending["file"] = note_file(repo, qid, "Bench note by git")

    def refcmd(i):
        path, body = pending["file"]
        return ref + [body, path, "note: bench"]

    return Row("note -m TEXT vs write a file, git add, git commit" + label,
               "spiral note ID -m TEXT" + label,
               lambda i: [S, "note", qid, "-m", "Bench note %d, kia ora" % i],
               refcmd, repo, goal=0.5, before_r=before_r)


def main():
    ap = argparse.ArgumentParser(description="spiral's speed benchmark (see bench/README)")
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--dir", default=os.path.join(HERE, "work"))
    ap.add_argument("--spiral", default=os.path.join(TOP, "build", "cmd", "spiral"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pull-over", choices=["daemon", "path"], default="daemon",
                    help="remotes served by a git daemon on 127.0.0.1 (as a hub "
                    "serves them), or read as local paths")
    ap.add_argument("--pull-runs", type=int,
                    help="runs of the pull row (the slowest; default: --runs)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the repositories")
    ap.add_argument("--no-install", action="store_true",
                    help="do not install Taskwarrior when it is missing")
    a = ap.parse_args()
    size = SIZES[a.size]
    runs = a.runs or size["runs"]
    if runs < 1:
        ap.error("--runs must be at least 1")
    S = os.path.abspath(a.spiral)
    if not os.access(S, os.X_OK):
        raise BenchError("no spiral program at %s (build it, or give --spiral)" % S)
    t_start = time.perf_counter()
    work = os.path.abspath(a.dir)
    os.makedirs(work, exist_ok=True)

    env = dict(os.environ)
    # spiral on PATH: the clones' merge driver is `spiral merge-file`.
    env["PATH"] = os.path.dirname(S) + os.pathsep + env.get("PATH", "")
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env["LC_ALL"] = env.get("LC_ALL") or "C.UTF-8"

    # The repositories, cached by size and seed.
    params = {k: size[k] for k in ("schools", "inquiries", "entries", "notes",
                                   "remotes", "remote_entries")}
    big_dir = os.path.join(work, "%s-seed%d" % (a.size, a.seed))
    big = generate(big_dir, params, a.seed, a.fresh)
    k1_params = dict(K1, schools=size["schools"], remotes=0, remote_entries=0)
    k1_dir = os.path.join(work, "k1-%dschools-seed%d" % (size["schools"], a.seed))
    k1 = generate(k1_dir, k1_params, a.seed, a.fresh)
    repo = os.path.join(big_dir, "cluster")
    repo1 = os.path.join(k1_dir, "cluster")
    restore(repo, big)
    restore(repo1, k1)

    # readall and timerun, built here.
    tools = {}
    for name in ("readall", "timerun"):
        exe, src = os.path.join(work, name), os.path.join(HERE, name + ".c")
        if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
            cc = os.environ.get("CC", "cc")
            r = subprocess.run([cc, "-O2", "-o", exe, src], stderr=subprocess.PIPE)
            if r.returncode != 0:
                raise BenchError("%s -O2 %s: %s" % (cc, src, r.stderr.decode()))
        tools[name] = exe
    readall = tools["readall"]
    R = Runner(env, tools["timerun"])
    say("readall: " + R.out([readall], repo).strip())

    tmp = tempfile.mkdtemp(prefix="spiral-bench-")
    daemon = None
    have_task = ensure_task(not a.no_install)
    import_s = None
    try:
        if have_task:
            say("task import of %d tasks" % big["inquiries"])
            import_s = task_setup(tmp, os.path.join(big_dir, "tasks.json"), env)
        else:
            say("no Taskwarrior: the task export row is skipped")

        qid, show = big["note_in"], big["show"]
        show_files = sorted(
            os.path.join(dp, f)
            for dp, _, fs in os.walk(os.path.join(repo, "inquiries", show[:2], show))
            for f in fs)
        remotes = [r["name"] for r in big["remotes"]]
        if a.pull_over == "daemon" and remotes:
            # The schools as a hub serves them: a git daemon on 127.0.0.1,
            # stopped by its PID at the end.
            daemon = start_daemon(os.path.dirname(big["remotes"][0]["path"]), tmp)
            for r in big["remotes"]:
                git(repo, "remote", "set-url", r["name"], "git://127.0.0.1:%d/%s"
                    % (daemon["port"], os.path.basename(r["path"])))

        def cold():
            drop_cache(repo)

        def before_pull():
            restore(repo, big)

        counts = {"spiral": [], "git": []}

        def files_after(who):
            return lambda: counts[who].append(
                len(R.out(["git", "ls-files"], repo).splitlines()))

        rows = []
        rows.append(note_rows(S, repo, qid, ""))
        rows.append(note_rows(S, repo1, k1["note_in"], " (1,000 entries)"))
        if have_task:
            rows.append(Row("list --status all --format json vs task export",
                            "spiral list --status all --format json",
                            [S, "list", "--status", "all", "--format", "json"],
                            ["task", "export"], repo, goal=0.1, mem_goal=30))
        for what, cmd, g in (
                ("list --status all --format csv", ["list", "--status", "all", "--format", "csv"], 30),
                ("log --format csv", ["log", "--format", "csv"], 100),
                ("report --format json", ["report", "--format", "json"], 100)):
            rows.append(Row(what + " vs readall, warm", "spiral " + what,
                            [S] + cmd, [readall], repo, goal=0.2, mem_goal=g))
            rows.append(Row(what + " vs readall, cold (no .git/spiral/)",
                            "spiral %s, cold" % what, [S] + cmd, [readall],
                            repo, goal=1.0, mem_goal=g, before_s=cold))
        rows.append(Row("search writing --format json vs readall, warm",
                        "spiral search writing --format json",
                        [S, "search", "writing", "--format", "json"], [readall], repo))
        rows.append(Row("match ID --format json vs readall, warm",
                        "spiral match ID --format json",
                        [S, "match", show, "--format", "json"], [readall], repo))
        rows.append(Row("status vs git status --porcelain", "spiral status", [S, "status"],
                        ["git", "status", "--porcelain"], repo, goal=1.0))
        rows.append(Row("show ID --format json vs cat of its %d files" % len(show_files),
                        "spiral show ID --format json", [S, "show", show, "--format", "json"],
                        ["cat"] + show_files, repo, goal=2.0))
        git_loop = ["bash", "-c", 'for r in "$@"; do git pull -q --no-rebase --no-edit '
                    '"$r" main || exit 1; done', "pull"] + remotes
        pull_runs = a.pull_runs if a.pull_runs else runs
        pull = Row("pull --all of %d remotes x %d entries vs git pull of each"
                   % (len(remotes), big["remote_entries"]), "spiral pull --all",
                   [S, "pull", "--all"], git_loop, repo, goal=1.0,
                   before_s=before_pull, before_r=before_pull,
                   after_s=files_after("spiral"), after_r=files_after("git"), warm=False)

        for n, row in enumerate(rows + [pull], 1):
            say("%d/%d %s" % (n, len(rows) + 1, row.what))
            row.run(R, pull_runs if row is pull else runs)
            # Each row's figures as soon as it has them, for a run cut short.
            say("    spiral %s, reference %s, ratio %s; peak %.1f MB" % (
                fmt_t(row.s), fmt_t(row.r), fmt_x(row.s / row.r), max(row.ms) / 1024))
        restore(repo, big)
        restore(repo1, k1)
        # Pull: spiral and the git loop end with the same files, every run.
        expect = big["files"] + sum(r["entries"] for r in big["remotes"])
        if set(counts["spiral"] + counts["git"]) != {expect}:
            raise BenchError("pull: spiral pull --all left %s files, the git loop %s; "
                             "expected %d" % (counts["spiral"], counts["git"], expect))
    finally:
        if daemon:
            stop_daemon(daemon)
            for r in big["remotes"]:
                git(repo, "remote", "set-url", r["name"], r["path"])
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- the tables ------------------------------------------------------
    out = []
    p = out.append
    p("## spiral speed, %s size (%d inquiries, %d entries, %d notes; median of %d runs)"
      % (a.size, big["inquiries"], big["entries"], big["notes"], runs))
    p("")
    p("| what (spiral vs reference) | spiral | reference | ratio | goal | |")
    p("|---|---:|---:|---:|---:|---|")

    def mark(ok):
        return "met" if ok else "**missed**"

    note_full, note_k1 = rows[0], rows[1]
    for row in rows + [pull]:
        ratio = row.s / row.r
        goal = "≤ %gx" % row.goal if row.goal is not None else "–"
        met = mark(ratio <= row.goal) if row.goal is not None else "–"
        p("| %s | %s | %s | %s | %s | %s |" % (
            row.what, fmt_t(row.s), fmt_t(row.r), fmt_x(ratio), goal, met))
        if row is note_k1:
            gs, gr = note_full.s / note_k1.s, note_full.r / note_k1.r
            p("| growth of a note, 1,000 entries → %s entries (time at %s / at 1,000) "
              "| %s | %s (git) | – | spiral ≤ 1.5x | %s |" % (
                  "{:,}".format(big["entries"]), a.size, fmt_x(gs), fmt_x(gr),
                  mark(gs <= 1.5)))
    p("")
    p("Peak memory (max RSS from wait4, largest of the runs):")
    p("")
    p("| spiral command | peak RSS | its reference's | goal | |")
    p("|---|---:|---:|---:|---|")
    for row in rows + [pull]:
        ms, mr = max(row.ms) / 1024, max(row.mr) / 1024
        p("| %s | %.1f MB | %.1f MB | ≤ %d MB | %s |" % (
            row.label, ms, mr, row.mem_goal, mark(ms <= row.mem_goal)))
    p("")
    sizes = [
        ("size", "%s: %d schools, %d inquiries, %d entries, %d notes, %d files; "
         "pull of %d remotes x %d entries (%s); 1,000-entry repository: %d inquiries, "
         "%d entries, %d notes" % (
             a.size, big["schools"], big["inquiries"], big["entries"], big["notes"],
             big["files"], len(big["remotes"]), big["remote_entries"],
             "served by git daemon on 127.0.0.1" if a.pull_over == "daemon"
             else "local paths",
             k1["inquiries"], k1["entries"], k1["notes"])),
        ("seed", str(a.seed)),
        ("runs", "%d pairs per row, spiral and reference alternately, after one untimed "
         "pair (not for the pull: each of its runs starts from the generated clone, "
         "objects included); wall clock of the whole process; output to /dev/null" % runs),
        ("task import", "%.1f s, once" % import_s if import_s is not None else "-"),
        ("date", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("bench time", "%.0f s" % (time.perf_counter() - t_start)),
    ]
    p("| machine | |")
    p("|---|---|")
    for k, v in machine(S, env, sizes):
        p("| %s | %s |" % (k, v.replace("|", "\\|")))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
