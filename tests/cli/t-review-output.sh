#!/usr/bin/env bash
# Issue 13, part 0 (output side): what a review found, each with its
# regression test.
#   1. dates only within the years 0001-9999, from --date, GIT_AUTHOR_DATE
#      and files; no parser overflows (run this under UBSan too);
#   2. a date without an offset in a file is UTC on every machine;
#   3. --since/--until DAY cover the whole local day, 23 and 25 hours too;
#   4. numbers in every format are finite (progress of inf/nan is null);
#   5. invalid UTF-8, C1, DEL and invisible format characters (bidi
#      controls, zero-width ones) are visible in table/md/csv, exact and
#      escaped in JSON, visible in commit messages; CSV text cells that a
#      spreadsheet would take for a formula are guarded.
. "$(dirname "$0")/lib.sh"

new_repo
ID=$(spiral new "Dates" -q)
base=$(git rev-list --count HEAD)

# JSON on stdin must be UTF-8 and parse; prints the value of the python
# expression $1 over it (d).
json_eval() {
	python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))
print(eval(sys.argv[1]))' "$1"
}

# ---- 1. dates within 0001-9999, no overflow ------------------------------

for bad in 10000-01-01 0000-12-31 0000-12-31T23:00:00Z 0001-01-01T00:30:00+01:00 \
	9999-12-31T23:30:00-01:00 99999-01-01T00:00:00Z; do
	fails "--date $bad is refused" 2 "date|0001 to 9999" spiral scan -m x --date "$bad"
done
fails "the range is named" 2 "outside the years 0001 to 9999" \
	spiral scan -m x --date 0000-12-31T23:00:00Z
for bad in '@9223372036854775807 +1000' '@253402300800 +0000' '@253402300799 +0100' \
	'9223372036854775807 +0000' '@99999999999999999999999999 +0000' \
	'8 Apr 5 2227000013:3 +0000' 'Thu, 07 Apr 99999 22:13:13 +0200' \
	'Thu, 31 Dec 9999 23:59:59 -0100' '1 Jan 0 00:00:00 +0000' \
	'10000-01-01T00:00:00Z' '0000-06-01T00:00:00Z' '@-1 +0000'; do
	fails "GIT_AUTHOR_DATE='$bad' is refused" 2 "GIT_AUTHOR_DATE" \
		env GIT_AUTHOR_DATE="$bad" "$SPIRAL" scan -m x
done
commits "nothing was written by the refused dates" "$base"
GIT_AUTHOR_DATE='@253402300799 +0000' spiral note -m "the last second" >/dev/null
GIT_AUTHOR_DATE='0001-01-01T00:00:00Z' spiral note -m "the first second" >/dev/null
GIT_AUTHOR_DATE='Thu, 07 Apr 2005 22:13:13 +0200' spiral note -m "rfc 2822" >/dev/null
GIT_AUTHOR_DATE='7 Apr 2005 2:3 +0200' spiral note -m "rfc 2822, short fields" >/dev/null
ok "the edges of the range are written and read back" spiral show --format json
same "their dates, exactly" \
	"['0001-01-01T00:00:00+00:00', '2005-04-07T02:03:00+02:00', '2005-04-07T22:13:13+02:00', '9999-12-31T23:59:59+00:00']" \
	"$(json_eval 'sorted(n["date"] for n in d["notes"])' <<<"$OUT")"
ok "fsck is clean after them" spiral fsck
ok "the file names' stamps are four-digit years" \
	bash -c "ls inquiries/*/$ID/notes | grep -Ev '^[0-9]{8}T[0-9]{6}Z-' && exit 1 || exit 0"

# Hand-written files with dates outside the range: a problem, the rest read.
dir=$(dirname inquiries/*/"$ID"/inquiry.ini)
for bad in 10000-01-01T00:00:00Z 0000-06-01T00:00:00Z -0001-01-01T00:00:00Z \
	9999-12-31T23:59:59-00:01 99999999999999999999-01-01; do
	rid=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
	printf '[note]\ndate = %s\nauthor = Hand\n\n[text]\np = out of range\n' "$bad" \
		>"$dir/notes/20260101T000000Z-$rid.ini"
done
git add -A && git commit -qm "hand-written dates out of range"
fails "fsck reports each date out of range" 1 "" spiral fsck
same "with its path and line, five of them" 5 \
	"$(printf '%s\n' "$OUT" | grep -c "notes/20260101T000000Z-.*:2: date: ")"
ok "show still reads the rest" spiral show --format json
same "four notes as before" 4 "$(json_eval 'len(d["notes"])' <<<"$OUT")"
git rm -q "$dir"/notes/20260101T000000Z-* && git commit -qm "remove them"

# ---- 2. a date without an offset in a file is UTC everywhere -----------------

new_repo offsets
OID=$(spiral new "Offsets" -q)
odir=$(dirname inquiries/*/"$OID"/inquiry.ini)
mkdir -p "$odir/entries"
e1=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
e2=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# Two concurrent entries (no seq): one without an offset at 09:00, one at
# 08:30 UTC.  Read as UTC, 08:30Z comes first on every machine.
printf '[entry]\nphase = scan\ndate = 2026-03-01T09:00:00\nauthor = Hand\ncycle = 1\n\n[text]\np = no offset\n' \
	>"$odir/entries/20260301T090000Z-scan-$e1.ini"
printf '[entry]\nphase = scan\ndate = 2026-03-01T08:30:00+00:00\nauthor = Hand\ncycle = 1\n\n[text]\np = with offset\n' \
	>"$odir/entries/20260301T083000Z-scan-$e2.ini"
git add -A && git commit -qm "hand-written entries"
auckland=$(TZ=Pacific/Auckland spiral show --format json)
newyork=$(TZ=America/New_York spiral show --format json)
same "two time zones read the same dates and order" "$auckland" "$newyork"
same "an offset-less date reads as UTC" \
	"['2026-03-01T08:30:00+00:00', '2026-03-01T09:00:00+00:00']" \
	"$(json_eval '[e["date"] for e in d["entries"]]' <<<"$auckland")"
fails "fsck warns about the date without an offset" 1 "" spiral fsck
matches "fsck names its file, line and reading" \
	"entries/20260301T090000Z-scan-$e1.ini:3: date: '2026-03-01T09:00:00' has no UTC offset: read as UTC" "$OUT"
same "--date typed without an offset stays local time, stored with it" \
	"date = 2026-03-01T09:00:00+13:00" \
	"$(TZ=Pacific/Auckland spiral focus -m typed --date 2026-03-01T09:00 >/dev/null &&
		grep -h '^date = 2026-03-01T09:00:00+13:00' "$odir"/entries/*.ini)"

# ---- 3. --since/--until DAY: the whole local day --------------------------------

new_repo days
spiral new "Days" -q >/dev/null
for d in 2026-04-04T23:59:59+13:00 2026-04-05T00:00:00+13:00 2026-04-05T02:30:00+13:00 \
	2026-04-05T02:30:00+12:00 2026-04-05T23:30:00+12:00 2026-04-05T23:59:59+12:00 \
	2026-04-06T00:00:00+12:00 \
	2026-10-24T23:59:59+01:00 2026-10-25T00:00:00+01:00 2026-10-25T23:30:00+00:00 \
	2026-10-26T00:00:00+00:00 \
	2026-03-29T00:00:00+00:00 2026-03-29T23:59:59+01:00 2026-03-30T00:00:00+01:00; do
	spiral scan -m "at $d" --date "$d" >/dev/null || fail "scan --date $d"
done
in_day() { # TZ DAY: the texts of the entries log shows for that day
	TZ=$1 spiral log --since "$2" --until "$2" --format json |
		json_eval '" ".join(sorted(e["text"][3:] for e in d))'
}
same "Auckland, 5 April 2026 (25 hours): all of it and nothing else" \
	"2026-04-05T00:00:00+13:00 2026-04-05T02:30:00+12:00 2026-04-05T02:30:00+13:00 2026-04-05T23:30:00+12:00 2026-04-05T23:59:59+12:00" \
	"$(in_day Pacific/Auckland 2026-04-05)"
same "London, 25 October 2026 (25 hours)" \
	"2026-10-25T00:00:00+01:00 2026-10-25T23:30:00+00:00" \
	"$(in_day Europe/London 2026-10-25)"
same "London, 29 March 2026 (23 hours)" \
	"2026-03-29T00:00:00+00:00 2026-03-29T23:59:59+01:00" \
	"$(in_day Europe/London 2026-03-29)"
same "--until alone includes the last hour of the long day" 5 \
	"$(TZ=Pacific/Auckland spiral log --since 2026-04-05T00:00:00+13:00 --until 2026-04-05 \
		--format json | json_eval 'len(d)')"
same "--since starts at local midnight" 1 \
	"$(TZ=Europe/London spiral log --since 2026-10-25 --until 2026-10-25T00:00:00+01:00 \
		--format json | json_eval 'len(d)')"
fails "--until 0000-01-01 is a usage error" 2 "0001 to 9999" spiral log --until 0000-01-01
ok "--since 0001-01-01 and --until 9999-12-31 are the whole range" \
	env TZ=Pacific/Kiritimati "$SPIRAL" log --since 0001-01-01 --until 9999-12-31 --format json
same "and show everything" 14 "$(json_eval 'len(d)' <<<"$OUT")"

# ---- 4. numbers are finite in every format --------------------------------------

new_repo numbers
spiral new "Numbers" -q >/dev/null
spiral scan -m "far apart" --measure m=-1e308 --target m=1e308 --measure n=-3 >/dev/null
spiral act -m "to the top" --measure m=1e308 >/dev/null
ok "show json" spiral show --format json
same "progress of inf/inf is null, valid JSON" "None" \
	"$(json_eval 'd["measures"]["m"]["progress"]' <<<"$OUT")"
same "a negative measure is a number" "-3" "$(json_eval 'd["measures"]["n"]["latest"]' <<<"$OUT")"
ok "log json" spiral log --format json
ok "list json" spiral list --format json
for f in table md csv; do
	ok "show --format $f" spiral show --format "$f"
	if printf '%s' "$OUT" | grep -Eiq '(^|[^a-z])(nan|-?inf)([^a-z]|$)'; then
		fail "no inf or nan in show --format $f" "$OUT"
	else
		pass "no inf or nan in show --format $f"
	fi
done
ok "show --format md" spiral show --format md
matches "md: an empty progress, -3 as it is" '\| m \| -1e\+308 \| 1e\+308 \| 1e\+308 \|  \|' "$OUT"
matches "md: -3 stays -3" '\| n \| -3 \|' "$OUT"
ok "log --format csv" spiral log --format csv
matches "csv: measures stay numbers (n=-3, no quote added)" ',m=1e\+308,' "$OUT"
matches "csv: -3 unguarded" 'm=-1e\+308; n=-3' "$OUT"

# ---- 5. output safety ----------------------------------------------------------

new_repo safety
u() { printf "$@"; } # \u escapes through bash's printf
hidden=$(u 'Bidi \u202egnp.exe\u202c zw\u200bsp bom\ufeff shy\u00adx lrm\u200e rlm\u200f alm\u061c iso\u2066x\u2069 wj\u2060 ls\u2028 tag\U000E0041 c1\u0085 del\x7f')
# The code points that must never reach table, md or csv raw, and must come
# back exactly from JSON.
never='\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u200e\u200f\u061c\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u2028\u2029\U000e0041'
spiral new "$hidden" --learners "$hidden" --tag "tag$(u '\u202e')x" --team "Mere$(u '\u200b')" -q >/dev/null
spiral scan -m "text $hidden" --evidence "ev $hidden" >/dev/null
spiral note -m "note $hidden" >/dev/null
spiral edit --team "Tama$(u '\u2066')" >/dev/null
check_raw() { # DESC: no C1, DEL, invalid UTF-8 or invisible character in $OUT
	if printf '%s' "$OUT" | python3 -c '
import sys
b = sys.stdin.buffer.read()
never = sys.argv[1].encode().decode("unicode_escape")
try:
    s = b.decode("utf-8", "strict")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8: %s" % e)
bad = [hex(ord(c)) for c in s if c in never or 0x80 <= ord(c) <= 0x9f or c == "\x7f"]
sys.exit("raw: %s" % bad if bad else 0)' "$never" 2>"$SANDBOX/raw"; then
		pass "$1"
	else
		fail "$1" "$(cat "$SANDBOX/raw")"
	fi
}
for cmd in show list log status; do
	for f in table md csv; do
		ok "$cmd --format $f" spiral $cmd --format $f
		check_raw "$cmd --format $f: nothing invisible, C1, DEL or invalid raw"
	done
	ok "$cmd --format json" spiral $cmd --format json
	check_raw "$cmd --format json: escaped, not raw"
done
ok "show" spiral show
matches "table: bidi controls shown as <U+202E>" 'Bidi <U\+202E>gnp\.exe<U\+202C>' "$OUT"
matches "table: zero width, BOM, soft hyphen, LRM, ALM visible" \
	'zw<U\+200B>sp bom<U\+FEFF> shy<U\+00AD>x lrm<U\+200E> rlm<U\+200F> alm<U\+061C>' "$OUT"
matches "table: astral format characters too" 'tag<U\+E0041>' "$OUT"
matches "table: C1 and DEL visible" 'c1\\u0085 del\\x7f' "$OUT"
matches "table: the team's and tag's too" 'Mere<U\+200B>' "$OUT"
matches "table: evidence too" 'evidence: ev Bidi <U\+202E>' "$OUT"
ok "show --format json" spiral show --format json
same "json carries the exact title" "True" \
	"$(python3 -c 'import json,sys; print(json.load(sys.stdin)["title"] == sys.argv[1])' "$hidden" <<<"$OUT")"
same "json carries the exact tag, team, evidence and note" "True" \
	"$(python3 -c '
import json, sys
d, h = json.load(sys.stdin), sys.argv[1]
print(d["tags"] == ["tag\u202ex"] and sorted(d["team"]) == ["Mere\u200b", "Tama\u2066"]
      and d["entries"][0]["evidence"] == ["ev " + h] and d["notes"][0]["text"] == "note " + h)' \
	"$hidden" <<<"$OUT")"
matches "json escapes them as \\uXXXX" 'Bidi \\u202egnp\.exe\\u202c zw\\u200bsp' "$OUT"
matches "json: astral ones as a surrogate pair" 'tag\\udb40\\udc41' "$OUT"

fails "a tag with a C1 control is refused" 2 "tag" spiral edit --tag "a$(u '\u0085')b"

# Commit messages: C1, DEL and invisible characters visible.
log=$(git log --format=%B)
if printf '%s' "$log" | python3 -c '
import sys
s = sys.stdin.buffer.read().decode("utf-8", "strict")
never = sys.argv[1].encode().decode("unicode_escape")
sys.exit(1 if [c for c in s if c in never or 0x80 <= ord(c) <= 0x9f or c == "\x7f"] else 0)' "$never"; then
	pass "commit messages hold no raw C1, DEL or invisible character"
else
	fail "commit messages hold no raw C1, DEL or invisible character" "$log"
fi
matches "the subject shows them" '^new\([0-9a-f]{8}\): Bidi <U\+202E>gnp\.exe<U\+202C>' "$log"
matches "the body shows C1 and DEL" 'text Bidi .*c1\\u0085 del\\x7f' "$log"

# File names with C1 bytes, invalid UTF-8 and bidi controls: fsck and status.
sdir=$(dirname inquiries/*/*/inquiry.ini)
for name in "bad$(u '\xc2\x9b')31m.ini" "bad$(u '\xff\xfe')x.ini" "bidi$(u '\u202e')x.ini"; do
	printf '[note]\n' >"$sdir/notes/$name"
done
ok "status --format json with such files uncommitted" spiral status --format json
same "status json is valid UTF-8 JSON, invalid bytes as U+FFFD" \
	"['bad\\x9b31m.ini', 'bad\\ufffd\\ufffdx.ini', 'bidi\\u202ex.ini']" \
	"$(json_eval 'ascii(sorted(p.rsplit("/", 1)[1] for p in d["changed"]))' <<<"$OUT")"
check_raw "status json: no raw C1 or bidi control"
ok "status" spiral status
check_raw "status: no raw C1, invalid byte or bidi control"
matches "status shows the bytes" 'bad\\u009b31m\.ini.*|bad\\xff\\xfex\.ini' "$OUT"
git add -A && git commit -qm "hostile file names"
fails "fsck reports the files" 1 "" spiral fsck
check_raw "fsck: no raw C1, invalid byte or bidi control"
matches "fsck shows C1 visibly" 'notes/bad\\u009b31m\.ini: ' "$OUT"
matches "fsck shows invalid bytes visibly" 'notes/bad\\xff\\xfex\.ini: ' "$OUT"
matches "fsck shows bidi controls visibly" 'notes/bidi<U\+202E>x\.ini: ' "$OUT"
fails "and on stderr too, for reading commands" 0 "" spiral list
if LC_ALL=C grep -q "$(u '\xc2\x9b')\|$(u '\xff')" "$SANDBOX/stderr"; then
	fail "warnings hold no raw C1 or invalid byte" "$(cat "$SANDBOX/stderr")"
else
	pass "warnings hold no raw C1 or invalid byte"
fi
git rm -q "$sdir"/notes/bad* "$sdir"/notes/bidi* && git commit -qm "remove them"

# CSV: text that a spreadsheet would take for a formula gets a quote first.
new_repo csv
spiral new '=HYPERLINK("http://evil.example/","click")' --learners '+SUM(A1:A9)' \
	--tag '-2+3' --team '@Mere' -q >/dev/null
spiral scan -m '=1+1' --evidence '@cmd' --measure n=-3 >/dev/null
spiral act -m "$(u '\tTab first')" >/dev/null
ok "list --format csv" spiral list --format csv
matches "a title starting with = is guarded, inside quotes" \
	',"'"'"'=HYPERLINK\(""http://evil.example/"",""click""\)",' "$OUT"
matches "learners starting with +" ',"'"'"'\+SUM\(A1:A9\)",' "$OUT"
matches "tags starting with -" ",\"'-2\\+3\"," "$OUT"
matches "team starting with @" ",\"'@Mere\"," "$OUT"
matches "numeric columns untouched (cycle, entries)" ',active,act,1,.*,2'$'\r''?$' "$OUT"
ok "log --format csv" spiral log --format csv
matches "entry text starting with =" ",\"'=1\\+1\"," "$OUT"
matches "evidence starting with @" ",\"'@cmd\"," "$OUT"
matches "measures stay as they are" ',n=-3,' "$OUT"
ok "show --format csv" spiral show --format csv
matches "show csv guards too" ",\"'=1\\+1\"," "$OUT"
matches "text starting with a tab" ",\"'$(u '\t')Tab first\"," "$OUT"
python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert rows[1][1] == "'"'"'=HYPERLINK(\"http://evil.example/\",\"click\")", rows[1]
assert rows[1][5] == "1" and rows[1][12] == "2", rows[1]
print("ok")' < <(spiral list --format csv) >/dev/null 2>"$SANDBOX/csv.err" &&
	pass "a CSV reader sees the guarded text and bare numbers" ||
	fail "a CSV reader sees the guarded text and bare numbers" "$(cat "$SANDBOX/csv.err")"
ok "status --format csv" spiral status --format csv
matches "status csv: the id is not guarded" '^inquiry,[0-9a-f]{32}' "$(printf '%s' "$OUT" | sed -n 2p)"

inih_reads "every file written here parses with inih, lines within 160 bytes"
finish
