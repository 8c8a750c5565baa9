#!/usr/bin/env bash
# Filters and dates as a teacher or a leader types them (issue 14, points 3
# and 4): a filter given twice means either, different filters all apply;
# schools and authors match in any case and however their accents were
# typed; status takes only its own options; log -n; --no-pager; --date and
# --since/--until take "yesterday", "3 days ago", "last monday".
. "$(dirname "$0")/lib.sh"

new_repo repo "Tōtara Primary"
as() { GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" "${@:3}"; }
at() { GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" "${@:2}"; }
EMILIE=("Émilie Ngata" emilie@totara.school.nz)
ZOE=("Zoë Brown" zoe@kowhai.school.nz)

# T: Tōtara Primary, tags reo and writing: Émilie scans, Aroha acts.
T=$(at 2026-02-02T09:00:00+13:00 as "${EMILIE[@]}" spiral new "Reo writing" --tag reo --tag writing -q)
at 2026-02-10T09:00:00+13:00 as "${EMILIE[@]}" spiral scan "$T" -m "scan T" >/dev/null
at 2026-03-10T09:00:00+13:00 spiral act "$T" -m "act T" >/dev/null
# K: Kōwhai College, tag maths: Zoë scans.
git config spiral.school "Kōwhai College"
K=$(at 2026-02-03T09:00:00+13:00 as "${ZOE[@]}" spiral new "Maths talk" --tag maths -q)
at 2026-02-11T09:00:00+13:00 as "${ZOE[@]}" spiral scan "$K" -m "scan K" >/dev/null
# R: Rimu School, tag reo: Aroha focuses, then checks.
git config spiral.school "Rimu School"
R=$(at 2026-02-04T09:00:00+13:00 spiral new "Reading aloud" --tag reo -q)
at 2026-02-12T09:00:00+13:00 spiral focus "$R" -m "focus R" >/dev/null
at 2026-03-12T09:00:00+13:00 spiral check "$R" -m "check R" >/dev/null
# P: a school whose name was typed decomposed (o + U+0304), tag maths.
NFD_SCHOOL=$(printf 'Po\xcc\x84hutukawa School')
git config spiral.school "$NFD_SCHOOL"
P=$(at 2026-02-05T09:00:00+13:00 spiral new "Pōhutukawa maths" --tag maths -q)

titles() { python3 -c "import json,sys; print(' '.join(sorted(x['title'].split()[0] for x in json.load(sys.stdin))))"; }
texts() { python3 -c "import json,sys; print(' '.join(x['text'] for x in json.load(sys.stdin)))"; }
list() { spiral list --format json "$@" | titles; }
log() { spiral log --format json "$@" | texts; }

# ---- a filter given twice means either; different filters all apply ----
same "list --school A --school B: the rows of both" "Maths Reo" \
	"$(list --school "Tōtara Primary" --school "Kōwhai College")"
same "list --school given three times" "Maths Reading Reo" \
	"$(list --school "Tōtara Primary" --school "Kōwhai College" --school "Rimu School")"
same "list --tag x --tag y: either tag" "Maths Pōhutukawa Reading Reo" "$(list --tag reo --tag maths)"
same "list --tag writing --tag reo" "Reading Reo" "$(list --tag writing --tag reo)"
same "school and tag combine with and" "Reading" "$(list --school "Rimu School" --tag reo)"
same "two schools and a tag" "Reo" \
	"$(list --school "Tōtara Primary" --school "Kōwhai College" --tag reo)"
same "two schools and two tags" "Maths Reo" \
	"$(list --school "Tōtara Primary" --school "Kōwhai College" --tag reo --tag maths)"
same "list --phase act --phase check" "Reading Reo" "$(list --phase act --phase check)"
same "list --author x --author y" "Maths Reo" "$(list --author emilie --author zoe)"
same "an unknown school finds nothing" "" "$(list --school "Nowhere School")"

same "log --school A --school B: the entries of both" "act T scan K scan T" \
	"$(log --school "Kōwhai College" --school "Tōtara Primary")"
same "log --phase scan --phase check" "check R scan K scan T" "$(log --phase scan --phase check)"
same "log --tag maths --tag writing" "act T scan K scan T" "$(log --tag maths --tag writing)"
same "log --school and --phase combine with and" "scan T" \
	"$(log --school "Tōtara Primary" --school "Rimu School" --phase scan)"
same "log of one inquiry, two phases" "check R focus R" "$(log "$R" --phase focus --phase check)"

ok "list --format csv with two schools" spiral list --format csv --school "Tōtara Primary" --school "Rimu School"
same "csv: a header and both rows" 3 \
	"$(printf '%s' "$OUT" | python3 -c 'import csv, sys; print(len(list(csv.reader(sys.stdin))))')"
matches "csv: Tōtara's row" "Reo writing,Tōtara Primary" "$OUT"
matches "csv: Rimu's row" "Reading aloud,Rimu School" "$OUT"
ok "list --format md with two schools" spiral list --format md --school "Tōtara Primary" --school "Rimu School"
matches "md: Tōtara's row" "Reo writing.*Tōtara Primary" "$OUT"
matches "md: Rimu's row" "Reading aloud.*Rimu School" "$OUT"
ok "list table with two schools" spiral list --school "Tōtara Primary" --school "Rimu School"
matches "table: Tōtara's row" "Reo writing +Tōtara Primary" "$OUT"
matches "table: Rimu's row" "Reading aloud +Rimu School" "$OUT"
same "table: no other row" 3 "$(printf '%s\n' "$OUT" | wc -l)"
ok "log --format csv with two schools" spiral log --format csv --school "Kōwhai College" --school "Rimu School"
same "log csv: header and three entries" 4 "$(printf '%s\n' "$OUT" | wc -l)"
ok "log --format md with two tags" spiral log --format md --tag maths --tag writing
matches "log md: K's scan" "scan K" "$OUT"
matches "log md: T's act" "act T" "$OUT"

# show: the entry filters given twice mean either too.
ok "show --author x --author y" spiral show "$T" --format json --author aroha --author émilie
json_check "show json: both authors' entries" \
	"assert [e['text'] for e in d['entries']] == ['scan T', 'act T'], d['entries']"
ok "show --phase scan --phase act" spiral show "$T" --format json --phase scan --phase act
json_check "show json: both phases" "assert len(d['entries']) == 2"
ok "show --phase act alone" spiral show "$T" --format json --phase act
json_check "show json: one phase" "assert [e['text'] for e in d['entries']] == ['act T']"
ok "show csv with two authors" spiral show "$T" --format csv --author aroha --author ÉMILIE
same "show csv: both entries" 3 "$(printf '%s\n' "$OUT" | wc -l)"
ok "show md with two phases" spiral show "$T" --format md --phase scan --phase act
matches "show md: the scan" "scan T" "$OUT"
matches "show md: the act" "act T" "$OUT"

# ---- Unicode case folding and normalisation ----
same "TŌTARA PRIMARY finds Tōtara Primary" "Reo" "$(list --school "TŌTARA PRIMARY")"
same "tōtara primary finds it too" "Reo" "$(list --school "tōtara primary")"
same "KŌWHAI COLLEGE" "Maths" "$(list --school "KŌWHAI COLLEGE")"
same "decomposed input finds composed data" "Reo" \
	"$(list --school "$(printf 'TO\xcc\x84TARA PRIMARY')")"
same "composed input finds decomposed data" "Pōhutukawa" "$(list --school "PŌHUTUKAWA SCHOOL")"
same "decomposed input finds decomposed data" "Pōhutukawa" "$(list --school "$NFD_SCHOOL")"
same "a school is the whole name, not a part" "" "$(list --school "Tōtara")"
same "a macron is not a plain o" "" "$(list --school "Totara Primary")"
same "--author ÉMILIE finds Émilie" "Reo" "$(list --author ÉMILIE)"
same "--author émilie finds Émilie" "Reo" "$(list --author émilie)"
same "--author decomposed finds Émilie" "Reo" "$(list --author "$(printf 'E\xcc\x81milie')")"
same "--author ZOË finds Zoë" "Maths" "$(list --author ZOË)"
same "--author a part of the email, in any case" "Maths" "$(list --author ZOE@KOWHAI)"
same "log --author ÉMILIE: her entry alone" "scan T" "$(log --author ÉMILIE)"
same "tags match exactly" "" "$(list --tag REO)"
fails "a school that is not UTF-8 is refused" 1 "UTF-8" spiral list --school $'\xff'
fails "an author that is not UTF-8 is refused" 1 "UTF-8" spiral log --author $'T\xc3'

# ---- status takes the shared filters (the contract): they choose whose
# unsettled conflicts are listed; the rest shows whatever they say ----
ok "status --tag" spiral status --tag reo
matches "still shows the current inquiry" "On inquiry" "$OUT"
ok "status --school, twice" spiral status --school "Rimu School" --school "TŌTARA PRIMARY"
ok "status --since in words" spiral status --since yesterday
fails "status --bogus is a usage error" 2 "unknown option '--bogus'" spiral status --bogus
matches "with status's usage" "usage: spiral status \[filters\]" "$ERR"
ok "status --format json" spiral status --format json
json_check "status json: the current inquiry" "assert d['inquiry']['id'] == '$P'"
ok "status --color=never" spiral status --color=never
ok "status --help" spiral status --help
matches "status --help lists --format" "--format" "$OUT"
matches "status --help lists the filters" "--school" "$OUT"

# ---- log -n N ----
all=$(log)
same "log -n 2: the two newest" "$(printf '%s' "$all" | cut -d' ' -f1-4)" "$(log -n 2)"
same "log -n 2: two entries" 2 "$(spiral log -n 2 --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
same "log -n2" "$(log -n 2)" "$(log -n2)"
same "log --max-count 1" "check R" "$(log --max-count 1)"
same "log --max-count=1" "check R" "$(log --max-count=1)"
same "log -n 0: none" "" "$(log -n 0)"
same "log -n 100: all" "$all" "$(log -n 100)"
same "log -n with a filter: the newest that match" "scan K" "$(log -n 1 --phase scan)"
same "log -n of one inquiry" "act T" "$(log "$T" -n 1)"
ok "log -n 1 in a table" spiral log -n 1
same "table: a header and one row" 2 "$(printf '%s\n' "$OUT" | wc -l)"
for n in x -1 1.5 "" 2x 99999999999; do
	fails "log -n '$n' is a usage error" 2 "-n takes a number of entries, not '$n'" spiral log -n "$n"
done
fails "log -n without a value" 2 "needs a value" spiral log -n
fails "list -n is not an option" 2 "unknown option" spiral list -n 2
fails "list --max-count is not an option" 2 "unknown option" spiral list --max-count 2

# ---- --no-pager ----
fake_pager
paged() {
	rm -f "$SANDBOX/paged"
	PAGER="$SANDBOX/pager" bash -c "$(declare -f tty_run); tty_run '$*'" >"$SANDBOX/tty.out"
	test -f "$SANDBOX/paged"
}
if paged "$SPIRAL" list; then pass "list on a terminal is paged"; else fail "list on a terminal is paged"; fi
for cmd in "--no-pager list" "--no-pager log" "-P log" "--no-pager show" \
	"list --no-pager" "log --no-pager" "show --no-pager" "-C . --no-pager log"; do
	if paged "$SPIRAL" $cmd; then
		fail "spiral $cmd: no pager" "$(cat "$SANDBOX/tty.out")"
	else
		pass "spiral $cmd: no pager"
	fi
	if grep -q "Reading\|check R\|Pōhutukawa" "$SANDBOX/tty.out"; then
		pass "spiral $cmd: printed to the terminal"
	else
		fail "spiral $cmd: printed to the terminal" "$(cat "$SANDBOX/tty.out")"
	fi
done
ok "--no-pager in a script" spiral --no-pager list --format json
same "--no-pager prints the same" "$(spiral list --format json)" "$OUT"
ok "status --no-pager (accepted like every reading command's)" spiral status --no-pager
ok "spiral --no-pager status" spiral --no-pager status
ok "spiral --help names --no-pager" spiral --help
matches "--no-pager in the help" "--no-pager" "$OUT"

# ---- dates as people say them ----
git config spiral.school "Rimu School"
D=$(spiral new "Dates" -q)
entry_day() { spiral show "$D" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['entries'][-1]['date'])"; }
for when in yesterday today "3 days ago" "1 day ago" "1 week ago" "2 weeks ago" \
	"last monday" "last friday" "last sunday"; do
	ok "--date '$when'" spiral scan "$D" -m "on $when" --date "$when"
	same "--date '$when' is stored as that local day" \
		"$(date -d "$when" +%F)T00:00:00+00:00" "$(entry_day)"
done
ok "--date in any case" spiral act "$D" -m "YESTERDAY" --date "YESTERDAY"
same "YESTERDAY is yesterday" "$(date -d yesterday +%F)T00:00:00+00:00" "$(entry_day)"
ok "--date 'Last Monday'" spiral act "$D" -m "Last Monday" --date "Last Monday"
same "Last Monday is last monday" "$(date -d "last monday" +%F)T00:00:00+00:00" "$(entry_day)"
same "last monday is before today" 1 "$([[ $(date -d "last monday" +%F) < $(date +%F) ]] && echo 1)"
ok "--date '30 days ago'" spiral learn "$D" -m "a month ago" --date "30 days ago"
ok "--date today, 12:00" spiral learn "$D" -m "noon" --date "$(date +%F)T12:00"

sel() { spiral log "$D" --format json "$@" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
count_between() { # entries of D dated from day $1 to day $2, by the test's own reckoning
	spiral log "$D" --format json | python3 -c "import json,sys
print(sum(1 for e in json.load(sys.stdin) if '$1' <= e['date'][:10] <= '$2'))"
}
TODAY=$(date +%F)
same "--since '2 weeks ago': the last two weeks" \
	"$(count_between "$(date -d '2 weeks ago' +%F)" 9999-12-31)" "$(sel --since "2 weeks ago")"
same "--since '2 weeks ago' leaves out a month ago" 0 \
	"$(spiral log "$D" --format json --since '2 weeks ago' | python3 -c "import json,sys; print(sum(e['text']=='a month ago' for e in json.load(sys.stdin)))")"
same "--since yesterday: yesterday and today" \
	"$(count_between "$(date -d yesterday +%F)" "$TODAY")" "$(sel --since yesterday)"
same "--until yesterday: the whole of yesterday, not today" \
	"$(count_between 0000-01-01 "$(date -d yesterday +%F)")" "$(sel --until yesterday)"
same "--since today --until today: today's entries" \
	"$(count_between "$TODAY" "$TODAY")" "$(sel --since today --until today)"
same "--since 'last monday' --until 'last monday': that day" \
	"$(count_between "$(date -d 'last monday' +%F)" "$(date -d 'last monday' +%F)")" \
	"$(sel --since 'last monday' --until 'last monday')"
same "--since '3 DAYS AGO' as '3 days ago'" "$(sel --since '3 days ago')" "$(sel --since '3 DAYS AGO')"
same "list --since '1 week ago' finds the inquiry" "Dates" "$(spiral list --since '1 week ago' --format json | titles)"

before=$(git rev-list --count HEAD)
example="try 2026-03-02, 2026-03-02T09:00, today, yesterday, 3 days ago, 2 weeks ago or last monday"
for bad in fortnight "last week" "3 days" "days ago" "next monday" "yesterday noon" "-2 days ago"; do
	fails "--date '$bad' is a usage error" 2 "" spiral scan "$D" -m x --date "$bad"
	same "--date '$bad': the message shows an example" \
		"spiral: error: --date: '$bad' is not a date ($example)" "$(head -n 1 <<<"$ERR")"
	matches "--date '$bad': a usage hint" "usage: spiral scan" "$ERR"
done
fails "--date far back is out of range" 2 "outside the years 0001 to 9999" \
	spiral scan "$D" -m x --date "99999999 days ago"
same "nothing was written" "$before" "$(git rev-list --count HEAD)"
fails "--since fortnight is a usage error" 2 "--since: 'fortnight' is not a date \(try 2026-03-02" \
	spiral log --since fortnight
fails "--until 'next week' is a usage error" 2 "--until: 'next week' is not a date \(try" \
	spiral list --until "next week"

# An inquiry started today for work done months ago: its entries' dates,
# not its creation, say whether it is stalled (the contract counts from
# the creation only an inquiry with no entries).
ok "an inquiry started today" spiral new "Back-dated work" --learners "Year 3"
B=$(spiral list --format json | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin) if i["title"]=="Back-dated work"][0])')
ok "  whose scan was logged for 60 days ago" \
	spiral scan "$B" -m "Noticed in the first term" --date "60 days ago"
ok "list --stalled 28" spiral list --stalled 28 --format json
json_check "  shows it, 60 days idle" '
r = [i for i in d if i["title"] == "Back-dated work"]
assert r and r[0]["days_idle"] == 60, r'
ok "report --idle 28" spiral report --format json
json_check "  counts it as stalled" '
assert any(s["title"] == "Back-dated work" and s["days_idle"] == 60 for s in d["stalled"]), d["stalled"]'
ok "an inquiry with no entries yet" spiral new "Nothing logged yet"
ok "list --stalled 1" spiral list --stalled 1 --format json
json_check "  leaves it out: it counts from its creation, today" '
assert not [i for i in d if i["title"] == "Nothing logged yet"], d'
clean "the repository is clean"

finish
