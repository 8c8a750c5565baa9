#!/usr/bin/env bash
# Exact round trip through the tool: hostile texts given with -F, -F -, -m,
# as titles, learners and evidence come back byte for byte in
# `show`/`log`/`list --format json`; and every file spiral wrote stays
# within 160 bytes a line and in the shape any inih reads the same.
# What spiral refuses on purpose is refused, and only that: text of white
# space alone, a title or learners over 200 characters, evidence over 2000
# (spiral(5), LIMITS); and a file given with -F reads as the same file from
# nano would (no BOM, LF line ends), while -m keeps every byte.
. "$(dirname "$0")/lib.sh"

new_repo
T="$SANDBOX/texts"
mkdir -p "$T"
# Each hostile text in a file of its own, exactly its bytes.
python3 - "$T" <<'EOF'
import os, sys
texts = [
    "  leading and trailing spaces  ",
    " ",
    "     ",
    "\tstarts with a tab\tand\ttabs\tinside and at the end\t",
    "; a semicolon first\n# a hash first\n= an equals first\n[not a section]\n]",
    "key = value ; inline comment # another\nname=x;y#z [a] [b]",
    "  ; after spaces\n\t# after a tab\n  [ after spaces",
    "Quotes: \"double\", 'single', \u201ccurly\u201d, \u00abguillemets\u00bb, `back`",
    "Windows lines\r\nsecond\r\n\r\nafter a blank CRLF line",
    "ends with CR\r",
    "x" * 6000,
    ("word " * 1200).rstrip() + " end",
    "https://example.org/" + "a" * 300 + "?q=" + "b" * 100,
    "\u0101" * 3000,
    "\U0001f331" * 1600,
    "a" + " " * 200 + "b",
    "K\u014dwhai, T\u016b\u012b, Ng\u0101 mihi, wh\u0101nau, M\u0101ori \u2014 \u0100\u0112\u012a\u014c\u016a \u0101\u0113\u012b\u014d\u016b",
    "Emoji \U0001f331\U0001f95d\U0001f469\U0001f3fd\u200d\U0001f3eb\U0001f1f3\U0001f1ff end",
    "\n\nblank lines before\n\n\n\nand between\n \nand a line of one space",
    "\\",
    "\\" * 7,
    "\\\\\\\n\\\n\\",
    "not escapes: \\n \\t \\x41 \\s \\; \\# \\[ C:\\Users\\aroha\\",
    "trailing backslash \\",
    "bell\x07 esc\x1b[31mred\x1b[0m del\x7f unit\x1f",
    "p = a fake key\n  a fake continuation\n[text]\np = again\n\\",
    "\ufeffa BOM first, U+2028\u2028 and U+2029\u2029 separators, nbsp\u00a0here",
    "mixed \t \t spaces and tabs \t ",
    "last line ends in spaces   \nand tab\t\nand CRLF\r\nend",
    "ends with newlines (-m, titles, evidence)\n\n",
]
import unicodedata
def blank(t):
    return all(c in " \t\n\v\f\r\x85" or unicodedata.category(c) in ("Zs", "Zl", "Zp")
               for c in t)
ok = {"title": [], "evidence": [], "text": []}
for i, t in enumerate(texts):
    with open(os.path.join(sys.argv[1], "%02d" % i), "wb") as f:
        f.write(t.encode())
    if not blank(t) and len(t) <= 200:
        ok["title"].append("%02d" % i)
    if not blank(t):
        ok["text"].append("%02d" % i)
    if not blank(t) and len(t) <= 2000:
        ok["evidence"].append("%02d" % i)
for k, v in ok.items():
    with open(sys.argv[1] + ".ok-" + k, "w") as f:
        f.write(" %s " % " ".join(v))
EOF
# Which texts a title (and learners) or an evidence item may be.
ok_title=$(cat "$T.ok-title")
ok_evidence=$(cat "$T.ok-evidence")
ok_text=$(cat "$T.ok-text")
ok_as() { case $2 in *" $1 "*) return 0 ;; esac; return 1; }
files=("$T"/*)
same "the hostile texts are ready" 30 "${#files[@]}"
# text VAR FILE: the bytes of FILE in VAR, trailing newlines and all.
text() { IFS= read -r -d '' "$1" <"$2" || true; }
t='' t0='' t4='' t20='' title='' learners=''

# Python that compares the JSON on stdin with the files of $T; KIND picks
# what to compare.  Prints one line a mismatch.
compare() {
	python3 -c '
import json, os, sys
import unicodedata
kind, T = sys.argv[1], sys.argv[2]
want = {n: open(os.path.join(T, n), "rb").read().decode() for n in os.listdir(T)}
if "file-ends" in sys.argv[3:]:
    want = {k: v for k, v in want.items() if not v.endswith(("\n", "\r"))}
def blank(t):
    return all(c in " \t\n\v\f\r\x85" or unicodedata.category(c) in ("Zs", "Zl", "Zp")
               for c in t)
def from_file(t):
    # -F: no BOM, CRLF and CR as LF, the newlines ending the file dropped
    if t.startswith("\ufeff"):
        t = t[1:]
    return t.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
if "F" in sys.argv[3:]:
    want = {k: from_file(v) for k, v in want.items()}
if "F-even" in sys.argv[3:]:
    want = {k: from_file(v) if int(k) % 2 == 0 else v for k, v in want.items()}
names = sorted(want)
limit = {"evidence": 2000, "titles": 200, "learners": 200,
         "edited-titles": 200, "edited-learners": 200}.get(kind)
want = {k: v for k, v in want.items() if not blank(v)}
if limit:
    want = {k: v for k, v in want.items() if len(v) <= limit}
if kind.startswith("edited-"):
    # only inquiries that new made were edited
    made = lambda n: not blank(n) and len(n) <= 200
    texts = {n: open(os.path.join(T, n), "rb").read().decode() for n in names}
    shift = 1 if kind == "edited-titles" else 2
    want = {k: v for k, v in want.items()
            if made(texts[names[(names.index(k) - shift) % len(names)]])}
d = json.load(sys.stdin)
got = {}
if kind == "entries":
    for e in d["entries"]:
        got[e["evidence"][0].split()[-1]] = e["text"]
elif kind == "evidence":
    for e in d["entries"]:
        if len(e["evidence"]) > 1:
            got[e["evidence"][0].split()[-1]] = e["evidence"][1]
elif kind in ("titles", "learners", "edited-titles", "edited-learners"):
    # inquiries tagged case-NN; edited ones hold the texts of NN+1 and NN+2
    shift = {"titles": 0, "learners": 0, "edited-titles": 1, "edited-learners": 2}[kind]
    for i in d:
        for t in i["tags"]:
            if t.startswith("case-"):
                n = t[5:]
                n = names[(names.index(n) + shift) % len(names)]
                got[n] = i["learners" if "learners" in kind else "title"]
elif kind == "notes":
    for n in d["notes"]:
        got[n["text"][:2]] = n["text"][3:]
for n in sorted(want):
    if n not in got:
        print(n, "missing")
    elif got[n] != want[n]:
        print(n, "differs:", repr(got[n][:80]), "!=", repr(want[n][:80]))
' "$@"
}

# ---- entries: -F FILE, the case in an evidence item, then the text as one -------
ID=$(spiral new "Hostile texts" -q)
bad=0 refused=0
for f in "${files[@]}"; do
	text t "$f"
	n=${f##*/}
	if ok_as "$n" "$ok_evidence"; then
		set -- --evidence "$t"
	else
		set --
		fails "evidence $n: refused (white space, or over 2000 characters)" 1 \
			'--evidence is empty|an evidence item is [0-9]+ characters; at most 2000' \
			spiral act -m x --evidence "$t"
	fi
	if ! spiral act -F "$f" --evidence "case $n" "$@" >/dev/null 2>"$SANDBOX/err"; then
		if grep -q 'the text is empty; nothing was written' "$SANDBOX/err"; then
			refused=$((refused + 1))
		else
			bad=$((bad + 1))
			echo "act -F $f failed: $(cat "$SANDBOX/err")" >&2
		fi
	fi
done
same "every hostile text is accepted with -F and --evidence" 0 "$bad"
same "-F text of white space alone is refused as empty" 2 "$refused"
same "entries: every -F text reads back as from nano: no BOM, LF" "" \
	"$(spiral show "$ID" --format json | compare entries "$T" F)"
same "entries: log --format json has them too" "" \
	"$(spiral log "$ID" --format json | python3 -c '
import json, sys; print(json.dumps({"entries": json.load(sys.stdin)}))' | compare entries "$T" F)"
same "evidence reads back byte for byte" "" \
	"$(spiral show "$ID" --format json | compare evidence "$T")"
commits "one commit a text" $((2 + ${#files[@]} - 2))
clean "clean after the hostile texts"

# ---- -F FILE whose last line ends with LF, or CRLF, or several -------------------
ID2=$(spiral new "Line ends" -q)
for f in "${files[@]}"; do
	n=${f##*/}
	case $((10#$n % 3)) in
	0) { cat "$f"; printf '\n'; } >"$SANDBOX/lf" ;;
	1) { cat "$f"; printf '\r\n'; } >"$SANDBOX/lf" ;;
	2) { cat "$f"; printf '\n\n\n'; } >"$SANDBOX/lf" ;;
	esac
	# A text that itself ends in a newline (or a CR, before the LF) cannot
	# be told from the file's line end.
	case $(tail -c 1 "$f" | od -An -c | tr -d ' ') in
	'\n' | '\r') continue ;;
	esac
	ok_as "$n" "$ok_text" || continue
	spiral act -F "$SANDBOX/lf" --evidence "case $n" >/dev/null || echo "lf $n failed" >&2
done
same "the newlines that end a file (LF or CRLF) are not text" "" \
	"$(spiral show "$ID2" --format json | compare entries "$T" file-ends F)"

# ---- -F - and -m -------------------------------------------------------------
ID3=$(spiral new "Stdin and -m" -q)
for f in "${files[@]}"; do
	n=${f##*/}
	if ! ok_as "$n" "$ok_text"; then
		fails "text $n of white space alone: refused as empty" 1 \
			'^spiral: error: the text is empty; nothing was written$' \
			spiral scan -F - <"$f"
	elif [ $((10#$n % 2)) = 0 ]; then
		spiral scan -F - --evidence "case $n" <"$f" >/dev/null || echo "stdin $n failed" >&2
	else
		text t "$f"
		spiral scan -m "$t" --evidence "case $n" >/dev/null ||
			echo "-m $n failed" >&2
	fi
done
same "-m texts read back byte for byte, -F - ones as from nano" "" \
	"$(spiral show "$ID3" --format json | compare entries "$T" F-even)"
text t0 "$T/00"
text t4 "$T/04"
text t20 "$T/20"
ok "several -m: hostile paragraphs joined by a blank line" spiral scan \
	-m "$t0" -m "$t4" -m "$t20"
same "the joined paragraphs" "" "$(spiral show --format json | python3 -c "
import json, sys
T = sys.argv[1]
want = '\n\n'.join(open(T + '/' + n, 'rb').read().decode() for n in ('00', '04', '20'))
got = json.load(sys.stdin)['entries'][-1]['text']
print('' if got == want else repr(got))" "$T")"

# ---- titles, learners, notes ------------------------------------------------
for f in "${files[@]}"; do
	text t "$f"
	if ok_as "${f##*/}" "$ok_title"; then
		spiral new "$t" --learners "$t" --tag "case-${f##*/}" -q \
			>/dev/null || echo "new $f failed" >&2
	else
		fails "title ${f##*/}: refused (white space, or over 200 characters)" 1 \
			'the title is (only white space|[0-9]+ characters; at most 200)' \
			spiral new "$t" -q
	fi
done
same "titles given to new read back byte for byte" "" \
	"$(spiral list --format json | compare titles "$T")"
same "learners given to new read back byte for byte" "" \
	"$(spiral list --format json | compare learners "$T")"
# Each case-NN inquiry gets the texts of the next two cases by edit.
declare -A case_id
while read -r n id; do case_id[$n]=$id; done < <(spiral list --format json | python3 -c '
import json, sys
for i in json.load(sys.stdin):
    for t in i["tags"]:
        if t.startswith("case-"):
            print(t[5:], i["id"])')
i=0
for f in "${files[@]}"; do
	t1=${files[$(((i + 1) % ${#files[@]}))]}
	t2=${files[$(((i + 2) % ${#files[@]}))]}
	id=${case_id[${f##*/}]:-none}
	text title "$t1"
	text learners "$t2"
	if [ "$id" != none ]; then
		ok_as "${t1##*/}" "$ok_title" && { spiral edit "$id" --title "$title" \
			>/dev/null || echo "edit $f failed" >&2; }
		ok_as "${t2##*/}" "$ok_title" && { spiral edit "$id" --learners "$learners" \
			>/dev/null || echo "edit $f failed" >&2; }
	fi
	i=$((i + 1))
done
same "titles set by edit read back byte for byte" "" \
	"$(spiral list --format json | compare edited-titles "$T")"
same "learners set by edit read back byte for byte" "" \
	"$(spiral list --format json | compare edited-learners "$T")"
for f in "${files[@]}"; do
	text t "$f"
	spiral note "$ID" -m "${f##*/} $t" >/dev/null || echo "note $f failed" >&2
done
same "notes read back byte for byte" "" \
	"$(spiral show "$ID" --format json | compare notes "$T")"

same "commit subjects stay one line without control characters" "0" \
	"$(git log --format=%s | LC_ALL=C grep -c '[[:cntrl:]]')"
same "every commit message has a one-line subject, then a blank line" "" \
	"$(git log --format='%x00%B' | python3 -c '
import sys
for m in sys.stdin.buffer.read().split(b"\0")[1:]:
    lines = m.split(b"\n")
    if len(lines) > 1 and lines[1] != b"":
        print(repr(m[:100]))')"

# ---- the files -------------------------------------------------------------
clean "clean after everything"
ok "spiral fsck after everything" spiral fsck
git ls-files -z >"$SANDBOX/files"
same "spiral wrote many files" 1 "$(($(tr -cd '\0' <"$SANDBOX/files" | wc -c) > 150))"
long=$(xargs -0 env LC_ALL=C awk 'length($0) > 160 { print FILENAME ":" FNR ": " length($0) }' \
	<"$SANDBOX/files")
same "no line of any file is longer than 160 bytes" "" "$long"
# inih strips white space at both ends of a line, takes ';' or '#' first on
# a line for a comment, and '[' first for a section: none of that may touch
# the text.  So a line is blank, a comment in column 1, a section, a
# "key = value", or a two-space continuation; and never ends in white space.
same "every line has the shape any inih reads the same" "" \
	"$(python3 - "$SANDBOX/files" <<'EOF'
import re, sys
names = open(sys.argv[1], "rb").read().split(b"\0")
key = re.compile(rb"[A-Za-z0-9_.-]{1,40} =( |$)")
for name in names:
    if not name or not name.endswith(b".ini"):
        continue
    for no, line in enumerate(open(name, "rb").read().split(b"\n"), 1):
        bad = None
        if b"\r" in line or b"\0" in line:
            bad = "CR or NUL"
        elif line != line.rstrip(b" \t"):
            bad = "ends in white space"
        elif line == b"" or line[:1] in (b";", b"#"):
            continue
        elif line.startswith(b"["):
            if not re.fullmatch(rb"\[[A-Za-z0-9_.-]{1,40}\]", line):
                bad = "not a section"
        elif line.startswith(b"  "):
            rest = line[2:]
            if not rest or rest[:1] in (b" ", b"\t", b";", b"#", b"["):
                bad = "continuation inih would misread"
            elif re.search(rb"[ \t][;#]", rest):
                bad = "inline comment"
        elif key.match(line):
            value = line.split(b"=", 1)[1][1:]
            if value[:1] in (b" ", b"\t", b";", b"#") or re.search(rb"[ \t][;#]", value):
                bad = "value inih would misread"
        else:
            bad = "not a key, section or continuation"
        if bad:
            print(name.decode(), no, bad, repr(line[:60]))
EOF
)"
inih_reads "every file written here parses with inih, lines within 160 bytes"
finish
