#!/usr/bin/env bash
# The walkthrough of man/spiral.7 and the README's tour run as written.
#
# Every command of spiral.7's examples runs, in order, as one session: in a
# .Bd -literal ... .Ed block, a line starting with "$ " is a command (a line
# ending in \ or | goes on to the next line); every other line is what a
# command prints, or a file (a crontab, a script), and is not run.  Each
# command must exit 0, or N when it ends with "# exits N".  The session
# starts in an empty home folder with no identity, no terminal and no editor
# (so every phase command needs -m), with the built spiral on PATH.
#   - IDs: the first word of the output the page shows after "spiral new" is
#     that inquiry's ID on the page (4f1c2a9b); the real ID, printed by the
#     command, takes its place and that of any prefix of it (4f1c) in the
#     commands that follow.
#   - Other computers: /shared/ and /srv/ become folders of the sandbox; each
#     URL leads, through git's url.*.insteadOf, to a bare repository of the
#     sandbox.  Each such repository (URL or path ending in .git) is made by
#     the test before the run, according to the first command that names it:
#     "git init --bare" makes it itself; "spiral remote add NAME" (NAME not
#     origin) pulls a school's work from it, so it holds a spiral repository
#     with one inquiry of a school called NAME; anything else (a first push,
#     a cd into a hub) finds it empty.
# The README's tour is every line of the ```sh blocks between
# "<!-- tour" and "<!-- /tour -->" (a line starting with # is a comment),
# run the same way in an empty folder; its marker names the ID placeholder
# ("4f77 is the ID"), bound by the tour's first "spiral new".
#
# If a page's command stops working, this test fails, naming the page, the
# command and what it printed on stderr.  It prints "note: ran N commands
# from spiral.7" (and from README.md).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# ---- init says how to set the school ----------------------------------------

ok "init without --school works" spiral init "$SANDBOX/noschool"
matches "init without --school says how to set one" \
	'^Started a spiral repository in .*/noschool
Set the school you log for: spiral config school "Your School"$' "$OUT"
ok "init again, still no school" spiral init "$SANDBOX/noschool"
matches "init of a spiral repository without a school says it again" \
	'Set the school you log for: spiral config school "Your School"' "$OUT"
fails "without a school, new fails" 1 'spiral config school' \
	spiral -C "$SANDBOX/noschool" new "Year 9 writing"
ok "the hint's command sets the school" \
	spiral -C "$SANDBOX/noschool" config school "Kōwhai Intermediate"
ok "init of a repository with a school" spiral init "$SANDBOX/noschool"
same "init no longer prints the hint" \
	"$SANDBOX/noschool is already a spiral repository" "$OUT"
ok "init --school" spiral init "$SANDBOX/withschool" --school "Kōwhai Intermediate"
same "init --school prints no hint" \
	"Started a spiral repository in $SANDBOX/withschool" "$OUT"
ok "then new works" spiral -C "$SANDBOX/withschool" new "Year 9 writing"

# ---- the README's quick start -----------------------------------------------

quick=$(sed -n '/^## Quick start/,/^## /p' "$root/README.md" |
	sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
same "the quick start is two commands: the demo and the test suite" \
	"bash examples/demo.sh
bash tests/run" "$quick"
matches "CI runs the README's test command" '^exec bash tests/run$' \
	"$(grep -v '^#' "$root/.ci/run")"
matches "the README says where the built spiral is" 'build/cmd/spiral' \
	"$(cat "$root/README.md")"

# ---- extracting the commands -------------------------------------------------

# Writes NUL-separated records on stdout:
#   hub KIND LOCATION NAME   a repository to make first (KIND seed or empty)
#   cmd EXPECTED TEXT        a command and the exit status it must have
#   bind PAGEID              the last command printed the ID PAGEID stands for
cat >"$SANDBOX/extract.py" <<'PY'
import re
import sys

kind, path = sys.argv[1], sys.argv[2]
ESC = {"e": "\\", "&": "", "-": "-", " ": " ", "(aq": "'", "(dq": '"',
       "(em": "\u2014", "(en": "\u2013", "(lq": "\u201c", "(rq": "\u201d"}


def unescape(line, where):
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        m = re.match(r"\\\[u([0-9A-Fa-f]{4,5})\]", line[i:])
        if m:
            out.append(chr(int(m.group(1), 16)))
            i += len(m.group(0))
            continue
        for k, v in ESC.items():
            if line.startswith(k, i + 1):
                out.append(v)
                i += 1 + len(k)
                break
        else:
            sys.exit(f"{where}: an escape this test does not know: {line!r}")
    return "".join(out)


def blocks_man(text):
    """(lines of each .Bd -literal block), unescaped."""
    blocks, cur = [], None
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith(".Bd -literal"):
            cur = []
        elif line.startswith(".Ed") and cur is not None:
            blocks.append(cur)
            cur = None
        elif cur is not None:
            if line.startswith(".") and not line.startswith(".\\&"):
                cur.append(("out", line))
            else:
                cur.append(("line", unescape(line, f"{path}:{n}")))
    return blocks


def commands_man(blocks):
    """[[command lines], [output lines after it]] of every "$ " command."""
    cmds = []
    for b in blocks:
        cont, last = False, None
        for what, line in b:
            if what == "line" and cont:
                last[0].append(line)
            elif what == "line" and line.startswith("$ "):
                last = [[line[2:]], []]
                cmds.append(last)
            else:
                if last is not None:
                    last[1].append(line)
                cont = False
                continue
            cont = bool(re.search(r"(\\|\|)\s*$", line))
    return cmds


records = []
if kind == "man":
    cmds = commands_man(blocks_man(open(path, encoding="utf-8").read()))
    pairs = [("\n".join(c[0]), c[1]) for c in cmds]
else:
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<!-- tour:(.*?)-->(.*?)<!-- /tour -->", text, re.S)
    if not m:
        sys.exit(f"{path}: no <!-- tour: ... --> ... <!-- /tour --> section")
    pid = re.search(r"\b([0-9a-f]{4,}) is the ID", m.group(1))
    pairs, bound = [], False
    for block in re.findall(r"^```sh\n(.*?)^```$", m.group(2), re.S | re.M):
        cont = False
        for line in block.split("\n"):
            if cont:
                pairs[-1][0].append(line)
            elif line.strip() and not line.startswith("#"):
                pairs.append([[line], []])
            else:
                continue
            cont = bool(re.search(r"(\\|\|)\s*$", line))
    pairs = [("\n".join(t), o) for t, o in pairs]
    if pid:
        for i, (t, o) in enumerate(pairs):
            if re.match(r"\s*spiral new\b", t):
                pairs[i] = (t, [pid.group(1)])
                break

out = sys.stdout.buffer


def rec(*fields):
    for f in fields:
        out.write(f.encode("utf-8") + b"\0")


# The repositories on other computers, made before the run.
seen = set()
for t, _ in pairs:
    for loc in re.findall(r"(?:[a-z]+://[^\s\"']+|(?<![\w.~-])/(?:shared|srv)/[^\s\"']*\.git)", t):
        if loc in seen:
            continue
        seen.add(loc)
        m = re.search(r"spiral remote add (\S+) " + re.escape(loc), t)
        if re.search(r"git init --bare " + re.escape(loc), t):
            continue
        rec("hub", "seed" if m and m.group(1) != "origin" else "empty", loc,
            m.group(1) if m else "")
for t, o in pairs:
    m = re.search(r"#\s*exits (\d+)\s*$", t)
    rec("cmd", m.group(1) if m else "0", t)
    if re.match(r"\s*spiral new\b", t) and o:
        w = o[0].split()[0] if o[0].split() else ""
        if re.fullmatch(r"[0-9a-f]{4,}", w):
            rec("bind", w)
PY

# ---- running them ------------------------------------------------------------

mkdir -p "$SANDBOX/bin" "$SANDBOX/net" "$SANDBOX/root"
ln -s "$SPIRAL" "$SANDBOX/bin/spiral"
unset -f spiral
PATH="$SANDBOX/bin:$PATH"
T=$SANDBOX/root # stands for / in the pages' paths under /shared/ and /srv/

# hub KIND LOCATION NAME: make the repository LOCATION stands for.
make_hub() {
	local kind=$1 loc=$2 name=$3 dir
	case $loc in
	*://*)
		dir=$SANDBOX/net/$(printf '%s' "$loc" | tr -c 'A-Za-z0-9.\n' _)
		git config -f "$PAGE_HOME/.gitconfig" --add "url.$dir.insteadOf" "$loc"
		;;
	*) dir=$T$loc ;;
	esac
	mkdir -p "$(dirname "$dir")"
	if [ "$kind" != seed ]; then
		git init -q --bare "$dir" || exit 1
		return 0
	fi
	# A school's own repository, as its teachers pushed it.
	(
		export HOME=$SANDBOX/home # lib.sh's, with an identity
		git init -q --bare "$dir" || exit 1
		cd "$SANDBOX" || exit 1
		rm -rf "seed-$name"
		"$SPIRAL" init "seed-$name" --school "$name school" >/dev/null
		cd "seed-$name" &&
			"$SPIRAL" new "Attendance at $name" --learners "Year 5" \
				--tag attendance >/dev/null &&
			"$SPIRAL" scan -m "Attendance dips on Mondays." \
				--measure attendance=82 >/dev/null &&
			"$SPIRAL" remote add origin "$dir" >/dev/null &&
			"$SPIRAL" push >/dev/null 2>&1
	) || fail "making the repository $loc stands for" "$dir"
}

# run_doc LABEL KIND FILE: run every command of FILE; sets RAN.
run_doc() {
	local label=$1 kind=$2 file=$3 rec expect text loc hkind name pid real rc
	local -a subst=()
	RAN=0
	"$PYTHON" "$SANDBOX/extract.py" "$kind" "$file" >"$SANDBOX/records" \
		2>"$SANDBOX/extract.err" ||
		fail "$label: its commands can be read" "$(cat "$SANDBOX/extract.err")"
	while IFS= read -r -d '' rec; do
		case $rec in
		hub)
			IFS= read -r -d '' hkind && IFS= read -r -d '' loc &&
				IFS= read -r -d '' name
			make_hub "$hkind" "$loc" "$name"
			;;
		bind)
			IFS= read -r -d '' pid
			real=$(awk '{ print $1; exit }' "$SANDBOX/cmd.out")
			if ! [[ $real =~ ^[0-9a-f]{8,}$ ]]; then
				fail "$label: spiral new printed its ID first" "$(cat "$SANDBOX/cmd.out")"
				continue
			fi
			# pid, and each prefix of at least four of its characters.
			local alts=$pid i
			for ((i = ${#pid} - 1; i >= 4; i--)); do alts+="|${pid:0:i}"; done
			subst+=(-e "s#\\b($alts)\\b#$real#g")
			;;
		cmd)
			IFS= read -r -d '' expect && IFS= read -r -d '' text
			RAN=$((RAN + 1))
			text=$(printf '%s\n' "$text" |
				sed -E -e "s#(^|[[:space:]\"'=])/(shared|srv)/#\\1$T/\\2/#g" \
					"${subst[@]}")
			[ -n "${VERBOSE:-}" ] && printf '%s $ %s\n' "$label" "$text"
			rc=0
			eval "$text" </dev/null >"$SANDBOX/cmd.out" 2>"$SANDBOX/cmd.err" || rc=$?
			if [ "$rc" = "$expect" ]; then
				pass "$label: $text"
			else
				fail "$label: command $RAN exits $expect: $text" \
					"exit $rc in $PWD; stderr:" "$(head -c 1500 "$SANDBOX/cmd.err")" \
					"stdout:" "$(head -c 500 "$SANDBOX/cmd.out")"
			fi
			;;
		esac
	done <"$SANDBOX/records"
}

# ---- spiral.7 -----------------------------------------------------------------

command -v jq >/dev/null ||
	fail "jq is installed (spiral.7 pipes JSON into it; tests/deps.sh installs it)"
# session NAME KIND FILE HOME DIR LEAST: runs FILE's commands in a
# subshell with HOME (an empty .gitconfig) and DIR under it as the current
# folder; at least LEAST must run; the counts come back to this shell.
session() {
	local name=$1 kind=$2 file=$3 home=$4 dir=$5 least=$6
	rm -f "$SANDBOX/counts"
	mkdir -p "$home/$dir"
	: >"$home/.gitconfig"
	(
		export HOME=$home
		cd "$HOME/$dir" || exit 1
		run_doc "$name" "$kind" "$file"
		echo "note: ran $RAN commands from $name"
		[ "$RAN" -ge "$least" ] || fail "$name: at least $least commands ran" "$RAN"
		echo "$TESTS_PASSED $TESTS_FAILED" >"$SANDBOX/counts"
	) || fail "the $name session ran to its end"
	read -r TESTS_PASSED TESTS_FAILED <"$SANDBOX/counts" 2>/dev/null ||
		TESTS_FAILED=$((TESTS_FAILED + 1))
}
PAGE_HOME=$SANDBOX/page-home
session spiral.7 man "$root/man/spiral.7" "$PAGE_HOME" . 60

# What the walkthrough did, as the page describes it.
cd "$PAGE_HOME/kowhai-writing" || exit 1
ok "the teacher's repository passes fsck" spiral fsck
clean "the teacher's repository is clean"
ok "the walkthrough's inquiries, as JSON" spiral list --status all --format json
json_check "Year 9 writing: closed after 12 entries in 2 cycles; Year 10 writing continues it" '
y9 = [i for i in d if i["title"] == "Year 9 writing"]
y10 = [i for i in d if i["title"] == "Year 10 writing"]
assert len(y9) == 1 and len(y10) == 1, d
y9, y10 = y9[0], y10[0]
assert (y9["status"], y9["cycle"], y9["entries"], y9["phase"]) == ("closed", 2, 12, "check"), y9
assert y10["continues"] == y9["id"] and y10["status"] == "active", y10
assert "Kowhai College" == y9["school"]'
y9=$(spiral list --status all --format csv | awk -F, '/,Year 9 writing,/ { print $1 }')
ok "its show, as JSON" spiral show "$y9" --format json
json_check "cycle 2's measure: baseline 51, target 65, latest 65, progress 100%; the verdicts partly then enough" '
m = d["measures"]["writing_at_expected"]
assert (m["baseline"], m["target"], m["latest"], m["progress"]) == (51, 65, 65, 1), m
checks = [(e["cycle"], e["verdict"]) for e in d["entries"] if e["phase"] == "check"]
assert checks == [(1, "partly"), (2, "enough")], checks
c1 = [e["measures"] for e in d["entries"] if e["cycle"] == 1 and e["measures"]]
assert c1 == [{"writing_at_expected": 42}, {"writing_at_expected": 51}], c1
assert [n["text"] for n in d["notes"]] == ["Talk partners worked in 9R too. Year 7 next?"], d["notes"]'
cd "$PAGE_HOME/awa-cluster" || exit 1
ok "the cluster's repository passes fsck" spiral fsck
ok "the cluster holds every school's inquiries" spiral list --status all --format json
json_check "three schools in the cluster" '
assert sorted(set(i["school"] for i in d)) == ["Kowhai College", "awa school", "totara school"], d'

# ---- the README's tour ---------------------------------------------------------

README_HOME=$SANDBOX/readme-home
session README.md readme "$root/README.md" "$README_HOME" tour 15

finish
