#!/usr/bin/env bash
# examples/cron/weekly-report as cron runs it: env -i (no HOME, a bare
# PATH), no terminal (setsid), standard input from /dev/null.  It pulls
# every school of the example cluster, checks the files and writes the
# report in HTML and CSV, dated copies kept; quiet on success, one line on
# standard error and exit 1 when a school cannot be pulled.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
job=$root/examples/cron/weekly-report
reports=$SANDBOX/reports

ok "cluster.sh builds the example cluster" \
	env SPIRAL="$SPIRAL" bash "$root/examples/cluster.sh" "$SANDBOX/cluster"
schools=$SANDBOX/cluster-schools
school=$(ls "$schools" | head -n 1)
cd "$SANDBOX/cluster" || exit 1
# With no HOME there is no global configuration: the job's name and email
# for pull's merges are the repository's own.
ok "the job's name and email, in the repository" \
	spiral config user.name "Weekly report"
ok "  and its email" spiral config user.email report@cluster.school.nz

# cron: nothing of ours in the environment, no terminal, no input (but
# the sanitizers' settings of the suite's second build: its leak
# suppressions for libgit2).
sanitizers=()
for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
	[ -n "${!v:-}" ] && sanitizers+=("$v=${!v}")
done
cron() {
	local rc=0
	setsid env -i SPIRAL="$SPIRAL" REPORT_DATE="$1" TZ=Pacific/Auckland \
		"${sanitizers[@]}" \
		sh "$job" "$SANDBOX/cluster" "$reports" \
		</dev/null >"$SANDBOX/cron.out" 2>"$SANDBOX/cron.err" || rc=$?
	return $rc
}

# A school logs something new, for the job's pull to bring in.
first=$(spiral -C "$schools/$school" list --status all --format csv |
	sed -n 2p | cut -d, -f1)
ok "a school logs a new entry" spiral -C "$schools/$school" learn "$first" \
	-m "Weekly check-in: the reading group moved up a level (cron test)"

ok "the weekly job runs under env -i with no terminal" cron 2026-12-07
same "it prints nothing on standard output" "" "$(cat "$SANDBOX/cron.out")"
same "it prints nothing on standard error" "" "$(cat "$SANDBOX/cron.err")"
for f in report-2026-12-07.html report-2026-12-07.csv report.html \
	report.csv pull-2026-12-07.log; do
	[ -s "$reports/$f" ] && pass "it wrote $f" || fail "it wrote $f" \
		"$(ls -la "$reports")"
done
same "nothing else is left in the folder" \
	"pull-2026-12-07.log report-2026-12-07.csv report-2026-12-07.html report.csv report.html" \
	"$(cd "$reports" && ls -A | tr '\n' ' ' | sed 's/ $//')"
ok "the school's new entry came in" spiral search "reading group moved up"
matches "  and is found by search" "cron test|moved up" "$OUT"
ok "the HTML is the report" grep -q 'Content-Security-Policy' \
	"$reports/report.html"
ok "  the latest is the dated copy" cmp "$reports/report.html" \
	"$reports/report-2026-12-07.html"
OUT=$(python3 - "$reports/report.csv" <<'PY' 2>&1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["section", "key", "item", "value"], rows[0]
assert any(r[0] == "group" for r in rows[1:]), "no group rows"
print(len(rows))
PY
) && pass "the CSV parses: $OUT rows" || fail "the CSV parses" "$OUT"
ok "the same report as spiral writes by hand" \
	spiral report --format csv -o "$SANDBOX/by-hand.csv"
same "  (apart from nothing)" "" \
	"$(diff "$SANDBOX/by-hand.csv" "$reports/report.csv" | grep -v generated | grep '^[<>]' | head -3)"

# Next week: a new pair, last week's kept.
ok "next week's run" cron 2026-12-14
same "  is quiet again" "" "$(cat "$SANDBOX/cron.out" "$SANDBOX/cron.err")"
for f in report-2026-12-07.html report-2026-12-14.html \
	report-2026-12-07.csv report-2026-12-14.csv; do
	[ -s "$reports/$f" ] && pass "  $f is there" || fail "  $f is there"
done
ok "  the latest is this week's" cmp "$reports/report.csv" \
	"$reports/report-2026-12-14.csv"

# A school that cannot be pulled: one line, exit 1, the report still
# written for the others.
ok "a remote to a school that has gone" spiral remote add gone \
	"$SANDBOX/no-such-school"
rc=0
cron 2026-12-21 || rc=$?
same "the job exits 1" 1 "$rc"
same "  with one line on standard error" 1 "$(wc -l <"$SANDBOX/cron.err")"
matches "  saying which step failed" \
	"^weekly-report: a school could not be pulled: see .*pull-2026-12-21.log$" \
	"$(cat "$SANDBOX/cron.err")"
ok "  and the log names the school" grep -q no-such-school "$reports/pull-2026-12-21.log"
[ -s "$reports/report-2026-12-21.html" ] && pass "  the report is still written" ||
	fail "  the report is still written"
same "  and nothing on standard output" "" "$(cat "$SANDBOX/cron.out")"
ok "remove it again" spiral remote remove gone

# The report cannot be written: exit 1, the old latest kept.
before=$(cksum <"$reports/report.html")
chmod a-w "$reports"
rc=0
if [ "$(id -u)" -ne 0 ]; then
	cron 2026-12-28 || rc=$?
	same "a folder it cannot write to: exit 1" 1 "$rc"
	matches "  saying so" "report was not written" "$(cat "$SANDBOX/cron.err")"
	same "  the latest report is the old one" "$before" \
		"$(cksum <"$reports/report.html")"
else
	# root writes anywhere: a file in the way of the folder instead.
	chmod u+w "$reports"
	setsid env -i SPIRAL="$SPIRAL" REPORT_DATE=2026-12-28 "${sanitizers[@]}" \
		sh "$job" "$SANDBOX/cluster" "$reports/report.html/x" \
		</dev/null >"$SANDBOX/cron.out" 2>"$SANDBOX/cron.err" || rc=$?
	same "a folder it cannot make: exit 1" 1 "$rc"
	matches "  saying so" "cannot make" "$(cat "$SANDBOX/cron.err")"
	same "  the latest report is the old one" "$before" \
		"$(cksum <"$reports/report.html")"
fi
chmod u+w "$reports"

# The crontab line names the script with a repository and a folder.
matches "the crontab line runs weekly-report every Monday" \
	'^0 6 \* \* 1 +[^ ]*/weekly-report [^ ]+ [^ ]+$' \
	"$(grep -v '^#' "$root/examples/cron/crontab" | grep .)"
finish
