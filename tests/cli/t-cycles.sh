#!/usr/bin/env bash
# Cycles and the spiral's decisions (issue 14, points 1 and 2): every
# cycle's results stay in show; Next: says what a check's verdict calls
# for; a closed inquiry says how to reopen; --continues is followed both
# ways.
. "$(dirname "$0")/lib.sh"

new_repo
A=$(spiral new "Year 9 writing" --learners "Year 9 boys" -q)
A8=${A:0:8}
py() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($1)" "$OUT"; }

# ---- cycle 1: measures, a target, a check without a verdict ---------------
ok "scan with a measure and a target" spiral scan -m "Most boys stop writing" \
	--measure writing=40 --target writing=60 --measure attendance=0.8 --date 2026-02-02
matches "a scan leads to focus, with its question and command" \
	"Next: focus: Where will concentrating.*
  spiral focus $A8 -m" "$OUT"
ok "act with a measure" spiral act -m "Blogging every week" --measure writing=51 \
	--date 2026-03-02
ok "check without a verdict" spiral check -m "Some gains" --date 2026-03-20
matches "it asks for the verdict with the check's question" \
	"^Next: check: Have we made enough of a difference\\?" "$OUT"
matches "and shows the --verdict to give" \
	"spiral check $A8 --verdict enough\\|partly\\|not-enough -m" "$OUT"
ok "status after it" spiral status
matches "status gives the same advice" "^Next: check: Have we made enough" "$OUT"
ok "status json after it" spiral status --format json
json_check "status json: the decision is the verdict" '
n = d["next"]
assert n["decision"] == "verdict" and n["phase"] == "check", n
assert n["question"] == "Have we made enough of a difference?", n
assert n["verdict"] is None and n["cycle"] == 1, n
assert n["commands"] and "--verdict" in n["commands"][0], n'

ok "check --verdict not-enough (no new cycle yet)" spiral check -m "Not there" \
	--verdict not-enough --date 2026-03-25
matches "not-enough suggests a new cycle" \
	"^Next: the check says not-enough: start cycle 2" "$OUT"
matches "with check --new-cycle" "spiral check $A8 --new-cycle -m" "$OUT"
ok "status json after not-enough" spiral status --format json
json_check "status json: new-cycle" '
n = d["next"]
assert n["decision"] == "new-cycle" and n["verdict"] == "not-enough", n
assert any("--new-cycle" in c for c in n["commands"]), n'

ok "check --verdict partly --new-cycle" spiral check -m "Partly; again" \
	--verdict partly --new-cycle --date 2026-03-30
matches "a cycle starts" "Cycle 2 starts with the next entry" "$OUT"
matches "and the next step is its scan" "^Next: scan: What's going on for our learners\\?" "$OUT"
ok "status after the new cycle" spiral status
matches "status: the new cycle's scan" "^Next: scan: " "$OUT"

# ---- cycle 2: measures again, no --target -----------------------------------
ok "scan in cycle 2" spiral scan -m "Second look" --measure writing=52 --date 2026-04-10
ok "act in cycle 2" spiral act -m "More blogging" --measure writing=56 --date 2026-05-01

ok "show --format json" spiral show --format json
json_check "the contract's measures: the current cycle, as before" '
assert d["measures"] == {"writing": {"baseline": 52, "target": None,
                                     "latest": 56, "progress": None}}, d["measures"]'
json_check "cycles: both, oldest first, with dates and verdicts" '
c = d["cycles"]
assert [x["cycle"] for x in c] == [1, 2], c
assert c[0]["started"] == "2026-02-02T00:00:00+00:00", c[0]
assert c[0]["ended"] == "2026-03-30T00:00:00+00:00", c[0]
assert c[0]["verdict"] == "partly", c[0]
assert c[1]["started"] == "2026-04-10T00:00:00+00:00", c[1]
assert c[1]["ended"] is None and c[1]["verdict"] is None, c[1]'
json_check "cycle 1 keeps its results" '
m = d["cycles"][0]["measures"]
assert set(m) == {"writing", "attendance"}, m
w = m["writing"]
assert (w["baseline"], w["target"], w["latest"]) == (40, 60, 51), w
assert abs(w["progress"] - 0.55) < 1e-9, w
assert w["carried_target"] is None and w["carried_progress"] is None, w
assert m["attendance"] == {"baseline": 0.8, "target": None, "latest": 0.8,
    "progress": None, "carried_target": None, "carried_progress": None}, m'
json_check "cycle 2: baseline is its first value; target carried from cycle 1" '
w = d["cycles"][1]["measures"]["writing"]
assert (w["baseline"], w["latest"]) == (52, 56), w
assert w["target"] is None and w["progress"] is None, w
assert w["carried_target"] == 60 and abs(w["carried_progress"] - 0.5) < 1e-9, w
assert "attendance" not in d["cycles"][1]["measures"]'

ok "show (table)" spiral show
matches "table: cycle 1 with its dates and verdict" \
	"cycle 1: 2026-02-02 to 2026-03-30, verdict partly" "$OUT"
matches "table: cycle 1's measures" "writing +40 +60 +51 +55%" "$OUT"
matches "table: cycle 2 is current" "cycle 2 \\(current\\): since 2026-04-10" "$OUT"
matches "table: cycle 2's target carried over" "writing +52 +60 \\(cycle 1's\\) +56 +50%" "$OUT"
same "table: cycle 1 comes before cycle 2" "cycle 1 cycle 2" \
	"$(printf '%s\n' "$OUT" | sed -n 's/^\(cycle [12]\).*/\1/p' | tr '\n' ' ' | sed 's/ $//')"

ok "show --format md" spiral show --format md
matches "md: a section for cycle 1" "## Cycle 1: 2026-02-02 to 2026-03-30" "$OUT"
matches "md: its verdict" "Verdict: \\*\\*partly\\*\\*" "$OUT"
matches "md: cycle 1's measures" "\\| writing \\| 40 \\| 60 \\| 51 \\| 55% \\|" "$OUT"
matches "md: cycle 2, current" "## Cycle 2 \\(current\\): since 2026-04-10" "$OUT"
matches "md: the carried target" "\\| writing \\| 52 \\| 60 \\(cycle 1's\\) \\| 56 \\| 50% \\|" "$OUT"

ok "show --format csv" spiral show --format csv
same "csv: one row per entry of every cycle, with its cycle" "1 1 1 1 1 2 2" \
	"$(printf '%s' "$OUT" | python3 -c "import csv,sys
print(' '.join(r['cycle'] for r in csv.DictReader(sys.stdin)))")"

# A new --target in cycle 2 ends the carry-over.
ok "a new target in cycle 2" spiral learn -m "Aim higher" --target writing=70 \
	--date 2026-05-10
ok "show --format json after it" spiral show --format json
json_check "cycle 2's own target; nothing carried" '
w = d["cycles"][1]["measures"]["writing"]
assert w["target"] == 70 and abs(w["progress"] - 4 / 18) < 1e-9, w
assert w["carried_target"] is None and w["carried_progress"] is None, w
assert d["measures"]["writing"]["target"] == 70, d["measures"]'

# ---- enough: close, or carry the learning on --------------------------------
ok "check --verdict enough" spiral check -m "Enough" --verdict enough --date 2026-06-01
matches "enough: close or carry it on" \
	"^Next: the check says enough: close the inquiry, or carry the learning to new learners" "$OUT"
matches "enough suggests close" "spiral close $A8" "$OUT"
matches "or check --close" "spiral check $A8 --close" "$OUT"
matches "or new --continues" "spiral new TITLE .*--continues $A8" "$OUT"
ok "status after enough" spiral status
matches "status gives the same advice" "spiral new TITLE .*--continues $A8" "$OUT"
ok "status json after enough" spiral status --format json
json_check "status json: close" '
n = d["next"]
assert n["decision"] == "close" and n["phase"] is None and n["verdict"] == "enough", n
assert len(n["commands"]) == 3, n'
ok "show after enough" spiral show --format json
json_check "cycle 2's verdict" 'assert d["cycles"][-1]["verdict"] == "enough", d["cycles"]'

# ---- a closed inquiry -------------------------------------------------------
ok "close" spiral close
ok "status of a closed inquiry" spiral status
matches "says it is closed" "The inquiry is closed" "$OUT"
matches "and how to reopen" "spiral reopen $A8" "$OUT"
if printf '%s\n' "$OUT" | grep -q '^Next:'; then
	fail "no next phase for a closed inquiry" "$OUT"
else
	pass "no next phase for a closed inquiry"
fi
ok "status json of a closed inquiry" spiral status --format json
json_check "status json: reopen" '
n = d["next"]
assert n["decision"] == "reopen" and n["phase"] is None and n["question"] is None, n
assert n["commands"] == ["spiral reopen %s" % d["inquiry"]["id"]], n'
n=$(git rev-list --count HEAD)
fails "logging into a closed inquiry warns" 0 \
	"^spiral: warning: inquiry $A8 is closed; spiral reopen $A8 to carry on$" \
	spiral act -m "A late entry"
same "and still logs it" "$((n + 1))" "$(git rev-list --count HEAD)"
matches "its confirmation says it is closed" "The inquiry is closed" "$OUT"
ok "reopen" spiral reopen
ok "a phase in an open inquiry" spiral scan -m "Open again"
same "does not warn" "" "$(cat "$SANDBOX/stderr")"
ok "check --close closes with the check" spiral check -m "Done" --verdict enough --close
matches "and says how to reopen" "The inquiry is closed; to carry on:
  spiral reopen $A8" "$OUT"
same "no warning: it was open" "" "$(cat "$SANDBOX/stderr")"
spiral reopen >/dev/null
clean "the decisions left the repository clean"

# ---- --continues both ways --------------------------------------------------
B=$(spiral new "Year 10 writing" --continues "$A" -q)
C=$(spiral new "Year 11 writing" --continues "$B" -q)
ok "show of the third generation" spiral show "$C" --format json
json_check "its lineage back to the first, nearest first" "
assert d['lineage'] == ['$B', '$A'], d['lineage']
assert d['continues'] == '$B' and d['continued_by'] == [], d
assert d['lineage_missing'] is None"
ok "show of the first" spiral show "$A" --format json
json_check "the first: continued by the second" "
assert d['continued_by'] == ['$B'] and d['lineage'] == [], d"
ok "show of the second" spiral show "$B" --format json
json_check "the second: both ways" "
assert d['continued_by'] == ['$C'] and d['lineage'] == ['$A'], d"
ok "show of the third (table)" spiral show "$C"
matches "names its lineage" "^continues: ${B:0:8} Year 10 writing <- $A8 Year 9 writing$" "$OUT"
ok "show of the first (table)" spiral show "$A"
matches "names what continues it, with its school" \
	"^continued by: ${B:0:8} Year 10 writing \\(Kōwhai Intermediate\\)$" "$OUT"
ok "show of the third (md)" spiral show "$C" --format md
matches "md: the lineage" "Continues:.*${B}.*Year 10 writing.*${A}.*Year 9 writing" "$OUT"
ok "show of the second (md)" spiral show "$B" --format md
matches "md: continued by" "Continued by:.*${C}.*Year 11 writing" "$OUT"

# A link to an inquiry this repository does not hold stops the lineage.
new_repo other "Tōtara School"
X=$(spiral new "Elsewhere" -q)
Y=$(spiral new "Here from elsewhere" --continues "$X" -q)
cd "$SANDBOX/repo"
mkdir -p "inquiries/${Y:0:2}"
cp -r "$SANDBOX/other/inquiries/${Y:0:2}/$Y" "inquiries/${Y:0:2}/"
git add inquiries && git commit -qm "a colleague's inquiry, copied by hand"
Z=$(spiral new "Three generations, one missing" --continues "$Y" -q)
ok "show with a missing link" spiral show "$Z" --format json
json_check "the lineage stops at the missing one and says so" "
assert d['lineage'] == ['$Y', '$X'], d['lineage']
assert d['lineage_missing'] == '$X', d"
ok "show with a missing link (table)" spiral show "$Z"
matches "says it is not here" \
	"^continues: ${Y:0:8} Here from elsewhere <- ${X:0:8} \\(not in this repository\\)$" "$OUT"
ok "show of the inquiry whose link is missing" spiral show "$Y" --format json
json_check "its continued_by and lineage" "
assert d['continued_by'] == ['$Z'] and d['lineage'] == ['$X'], d"

# A loop (only a hand edit can make one) ends the walk.
file="inquiries/${A:0:2}/$A/inquiry.ini"
printf 'continues = %s\n' "$C" >>"$file"
ok "show of an inquiry in a loop" spiral show "$C" --format json
json_check "the walk stops before coming back" "
assert d['lineage'] == ['$B', '$A'], d['lineage']"
ok "show of an inquiry in a loop (table)" spiral show "$A"
matches "says where the loop closes" \
	"^continues: ${C:0:8} Year 11 writing <- ${B:0:8} Year 10 writing <- $A8 \\(a loop: stops here\\)$" "$OUT"
git checkout -q -- "$file"
clean "show changed nothing"

finish
