#!/usr/bin/env bash
# Output for people (issue 14, point 8): list and log tables fit the
# terminal, counting wide characters (CJK, emoji) as two columns and
# combining marks as none, and a pipe gets whole rows; never -0%; list
# --stalled shows the days idle; log shows the inquiry title and the
# verdict; Markdown uses short IDs; the CSV list separator is the one the
# man pages name.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# widest: the display width of the widest line on stdin, as a terminal
# counts it (East Asian wide and full-width characters two columns,
# combining marks and format characters none, colour sequences none).
widest() {
	python3 -c '
import re, sys, unicodedata
def width(s):
    n = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return n
text = re.sub("\x1b\\[[0-9;]*m", "", sys.stdin.buffer.read().decode("utf-8"))
print(max(width(l) for l in text.replace("\r", "").split("\n")))'
}
# uses_width DESC WIDTH TEXT: the widest line of TEXT is within WIDTH and
# no more than 7 columns short of it (the room is used).
uses_width() {
	local w
	w=$(printf '%s\n' "$3" | widest)
	if [ "$w" -le "$2" ] && [ "$w" -ge $(($2 - 7)) ]; then
		pass "$1 ($w of $2)"
	else
		fail "$1" "$w of $2" "$3"
	fi
}

# aligned COLUMN: every row of the table on stdin has its COLUMN cell start
# at the display column where the header puts COLUMN, after two spaces: the
# cells before it were measured and cut as a terminal shows them.
aligned() {
	python3 -c '
import sys, unicodedata
def cw(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1
lines = [l for l in sys.stdin.buffer.read().decode("utf-8").replace("\r", "").split("\n") if l]
head = lines[0]
off = head.index(sys.argv[1])
for row in lines[1:]:
    acc, i = 0, 0
    while acc < off:
        acc += cw(row[i]); i += 1
    while i < len(row) and cw(row[i]) == 0:
        i += 1
    assert acc == off and row[i - 2:i] == "  " and row[i] != " ", (off, acc, row)
print("ok")' "$1"
}

new_repo
wide_title="漢字のテスト 😀 reading and writing across the whole school, every day"
comb_title=$'Te Reo Ma\xcc\x84ori: ko\xcc\x84rero in every classroom, every single day'
long_text="We looked at the writing samples from every class and found that boys wrote less than girls in every year"
ok "an inquiry titled in CJK and emoji" \
	spiral new "$wide_title" --tag "reading; writing" --tag "oral language" \
	--team "Ngata, Aroha" --team "Tui Rangi" -q
wide=$OUT
ok "scan" spiral scan -m "$long_text" --evidence "samples; term 1" --evidence "survey, term 2"
ok "check with a verdict" spiral check -m "Better, not there yet" --verdict partly
ok "an inquiry with combining macrons" spiral new "$comb_title" -q
comb=$OUT
ok "its scan" spiral scan -m "Kōrero in 漢字 and emoji 🎉🎉🎉 $long_text"

# ---- tables fit the width ------------------------------------------------------

for cmd in list log; do
	ok "COLUMNS=60 spiral $cmd" env COLUMNS=60 "$SPIRAL" $cmd
	same "$cmd: every line within 60 columns" 60 "$(printf '%s\n' "$OUT" | widest)"
	same "$cmd: columns line up after wide characters" ok \
		"$(printf '%s\n' "$OUT" | aligned PHASE)"
	ok "COLUMNS=100 spiral $cmd" env COLUMNS=100 "$SPIRAL" $cmd
	uses_width "$cmd: uses the width when there is room" 100 "$OUT"
done
ok "list at 80 columns" env COLUMNS=80 "$SPIRAL" list
matches "a cut title ends in an ellipsis" '漢字のテスト 😀 [^ ]*…' "$OUT"
same "list at 80: the school starts where its header does" ok \
	"$(printf '%s\n' "$OUT" | aligned SCHOOL)"
ok "list at 200 columns" env COLUMNS=200 "$SPIRAL" list
matches "at 200 columns the title is whole" "$wide_title" "$OUT"
if printf '%s' "$OUT" | grep -q '…'; then fail "nothing cut at 200 columns" "$OUT"; else pass "nothing cut at 200 columns"; fi

# A pipe or a file gets whole rows (no COLUMNS: scripts see everything).
OUT=$(env -u COLUMNS "$SPIRAL" list | cat)
matches "piped list: the CJK and emoji title whole" "$wide_title" "$OUT"
matches "piped list: the combining title whole" "$comb_title" "$OUT"
if printf '%s' "$OUT" | grep -q '…'; then fail "piped list: nothing cut" "$OUT"; else pass "piped list: nothing cut"; fi
OUT=$(env -u COLUMNS "$SPIRAL" log | cat)
matches "piped log: the text whole" "$long_text" "$OUT"
OUT=$(env COLUMNS=wide "$SPIRAL" log)
matches "a COLUMNS that is not a number is no limit" "$long_text" "$OUT"

# Under cron's `env -i` (no locale at all) wide characters count the same.
OUT=$(env -i PATH="$PATH" HOME="$HOME" COLUMNS=60 "$SPIRAL" log 2>&1)
same "env -i COLUMNS=60 spiral log: every line within 60" 60 "$(printf '%s\n' "$OUT" | widest)"
same "env -i: columns line up" ok "$(printf '%s\n' "$OUT" | aligned PHASE)"
OUT=$(env -i PATH="$PATH" HOME="$HOME" "$SPIRAL" list 2>&1)
matches "env -i without COLUMNS: whole rows" "$wide_title" "$OUT"

# On a terminal (a pty from script(1), as t-terminal does) its own width,
# whatever COLUMNS says.
for cmd in list log; do
	out=$(env -u NO_COLOR PAGER=cat COLUMNS=200 bash -c "$(declare -f tty_run); tty_run 'stty cols 60 rows 40; $SPIRAL $cmd'")
	matches "$cmd on a terminal: a table, in colour" $'^\033\\[1m(ID|DATE) ' "$out"
	same "$cmd on a 60-column terminal: every line within 60" 60 "$(printf '%s\n' "$out" | widest)"
	out=$(PAGER=cat bash -c "$(declare -f tty_run); tty_run 'stty cols 132 rows 40; $SPIRAL $cmd'")
	uses_width "$cmd on a 132-column terminal uses it" 132 "$out"
done

# ---- log: title and verdict --------------------------------------------------------

ok "log" spiral log "$wide"
matches "log: a TITLE column" '^DATE +INQUIRY +TITLE +PHASE +AUTHOR +SCHOOL +TEXT' "$OUT"
matches "log: the inquiry's title" "${wide:0:8}  $wide_title" "$OUT"
matches "log: the check's verdict" 'check \(partly\)' "$OUT"
matches "log: a scan has no verdict" "$wide_title  scan  " "$OUT"
ok "log md" spiral log --format md
matches "log md: short id and title" "^\| [^|]+ \| ${wide:0:8} \| $wide_title \| check \(partly\) \|" "$OUT"
if printf '%s' "$OUT" | grep -q "$wide"; then fail "log md: no full ids" "$OUT"; else pass "log md: no full ids"; fi
ok "log csv" spiral log --format csv
matches "log csv: title and verdict columns as before" "^inquiry,title,id,phase,date,author,email,school,cycle,verdict," "$OUT"

# ---- Markdown: short IDs with titles ---------------------------------------------------

ok "list md" spiral list --format md
matches "list md: header" '^\| ID \| TITLE \| SCHOOL \| PHASE \| CYCLE \| STATUS \| LAST ACTIVITY \|$' "$OUT"
matches "list md: short id and title" "^\| ${wide:0:8} \| $wide_title \|" "$OUT"
matches "list md: the other one too" "^\| ${comb:0:8} \| $comb_title \|" "$OUT"
if printf '%s' "$OUT" | grep -q "$wide\|$comb"; then fail "list md: no full ids" "$OUT"; else pass "list md: no full ids"; fi

# ---- CSV: the list separator is the one the man pages name -----------------------------

ok "list csv" spiral list --format csv
json_csv() { python3 -c 'import csv,io,json,sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))'; }
OUT=$(printf '%s' "$OUT" | json_csv)
json_check "csv tags and team: one a line, each whole" "
r = [x for x in d if x['id'] == '$wide'][0]
assert r['tags'].split('\n') == ['oral language', 'reading; writing'], r['tags']
assert r['team'].split('\n') == ['Ngata, Aroha', 'Tui Rangi'], r['team']"
ok "log csv" spiral log "$wide" --format csv
OUT=$(printf '%s' "$OUT" | json_csv)
json_check "csv evidence: one a line, each whole" "
r = [x for x in d if x['phase'] == 'scan'][0]
assert r['evidence'].split('\n') == ['samples; term 1', 'survey, term 2'], r['evidence']"
for page in spiral-list.1 spiral-log.1; do
	text=$(tr '\n' ' ' <"$root/man/$page")
	matches "$page says list items are separated by a line break" \
		'one a line within their cell.*separated by a line break' "$text"
	if grep -q 'joined with *$' "$root/man/$page" && grep -A1 'joined with *$' "$root/man/$page" | grep -q 'Ql ;' &&
		grep -B2 'joined with *$' "$root/man/$page" | grep -qi 'tags\|evidence'; then
		fail "$page no longer says tags or evidence are joined with ;"
	else
		pass "$page no longer says tags or evidence are joined with ;"
	fi
done

# ---- never -0% ----------------------------------------------------------------------

ok "a measure" spiral new "Attendance" -q
att=$OUT
ok "baseline 100, target 200" spiral scan -m "baseline" --measure att=100 --target att=200
ok "latest a hair below the baseline" spiral act -m "dip" --measure att=99.9999
ok "a second measure" spiral learn -m "b" --measure late=60 --target late=50
ok "unchanged, target below" spiral act -m "same" --measure late=60
ok "show" spiral show "$att"
if printf '%s' "$OUT" | grep -q -- '-0%'; then fail "show: no -0%" "$OUT"; else pass "show: no -0%"; fi
matches "show: the tiny dip is 0%" 'att +100 +200 +99\.9999 +0%' "$OUT"
matches "show: no change towards a lower target is 0%" 'late +60 +50 +60 +0%' "$OUT"
ok "show md" spiral show "$att" --format md
if printf '%s' "$OUT" | grep -q -- '-0%'; then fail "show md: no -0%" "$OUT"; else pass "show md: no -0%"; fi
ok "show json" spiral show "$att" --format json
json_check "json: progress a number, never -0" "
p = d['measures']['late']['progress']
assert p == 0 and str(p) == '0', p
assert -1e-5 < d['measures']['att']['progress'] < 0"
if printf '%s' "$OUT" | grep -q '"progress":-0[,}]'; then fail "json: no -0" "$OUT"; else pass "json: no -0"; fi

# ---- list --stalled: days idle ---------------------------------------------------------

old=$(date -u -d '12 days ago' +%Y-%m-%dT%H:%M:%SZ)
ok "an inquiry started 12 days ago" env GIT_AUTHOR_DATE="$old" GIT_COMMITTER_DATE="$old" \
	"$SPIRAL" new "Quiet one" -q
quiet=$OUT
ok "its scan, 12 days ago" spiral scan "$quiet" -m "then nothing" --date "$old"
ok "list --stalled 10" spiral list --stalled 10
matches "table: a DAYS IDLE column" '^ID +TITLE +SCHOOL +PHASE +CYCLE +STATUS +LAST ACTIVITY +DAYS IDLE$' "$OUT"
matches "table: 12 days idle" "^${quiet:0:8} +Quiet one +.* +12$" "$OUT"
if printf '%s' "$OUT" | grep -q "${wide:0:8}"; then fail "only the stalled one" "$OUT"; else pass "only the stalled one"; fi
ok "list --stalled 0" spiral list --stalled 0
matches "an active inquiry is 0 days idle" "^${wide:0:8} .* 0$" "$OUT"
ok "list without --stalled" spiral list
if printf '%s' "$OUT" | grep -q 'IDLE'; then fail "no DAYS IDLE column without --stalled" "$OUT"; else pass "no DAYS IDLE column without --stalled"; fi
ok "list --stalled 10 md" spiral list --stalled 10 --format md
matches "md: DAYS IDLE" "^\| ID \|.*\| LAST ACTIVITY \| DAYS IDLE \|$" "$OUT"
matches "md: 12" "^\| ${quiet:0:8} \| Quiet one \|.*\| 12 \|$" "$OUT"
ok "list --stalled 10 json" spiral list --stalled 10 --format json
json_check "json: days_idle beside every key of the contract" "
keys = {'id','title','school','status','phase','cycle','created','updated','tags','team','learners','continues','entries','days_idle'}
assert len(d) == 1 and set(d[0]) == keys, d
assert d[0]['days_idle'] == 12 and d[0]['id'] == '$quiet'"
ok "list json without --stalled" spiral list --format json
json_check "json: no days_idle without --stalled" "assert all('days_idle' not in s for s in d), d"
ok "list --stalled 10 csv" spiral list --stalled 10 --format csv
matches "csv: days_idle last" '^id,title,school,status,phase,cycle,created,updated,tags,team,learners,continues,entries,days_idle' "$OUT"
matches "csv: 12" "^$quiet,Quiet one,.*,12"$'\r'"?$" "$OUT"
ok "list csv without --stalled" spiral list --format csv
matches "csv: no days_idle without --stalled" '^id,title,.*,continues,entries'$'\r''?$' "$(printf '%s' "$OUT" | head -1)"

# ---- show: the measures table lines up after names in any script ----
ok "a measure named in another script" spiral act "$wide" -m "Measures." \
	--measure reo_kōrero=3 --measure ab=2 --target reo_kōrero=9
ok "show, as text" spiral show "$wide" --color=never
same "show: every line of the measures table is as wide" 1 "$(printf '%s\n' "$OUT" |
	sed -n '/^  name /,/^$/p' | grep -v '^$' | python3 -c '
import sys, unicodedata
w = lambda s: sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(len({w(l.rstrip("\n")) for l in sys.stdin}))')"

inih_reads "every file written here parses with inih"
finish
