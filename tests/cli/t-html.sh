#!/usr/bin/env bash
# spiral report --format html: one self-contained page.  The example
# cluster's report is opened in headless Chromium (Debian's chromium):
# rendered to a PNG kept as a test artifact ($SPIRAL_ARTIFACTS, else the
# sandbox), its DOM dumped and compared with the JSON report (whose numbers
# t-report checks against examples/cluster.tsv), and the run fails on any
# console message (a refused load, a script error) or any request the page
# makes (Chromium's net log).  Then a hostile inquiry: markup, comment and
# CDATA openers, a javascript: URL and control characters in its title,
# learners, tags, school, entry text and evidence must stay text.
# Without chromium the test fails, unless SPIRAL_NO_BROWSER=1 (then the
# browser checks are skipped, said on stderr).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=${SPIRAL_ARTIFACTS:-$SANDBOX}
mkdir -p "$artifacts" || exit 1

browser=$(command -v chromium || true)
if [ -z "$browser" ] && [ "${SPIRAL_NO_BROWSER:-}" = 1 ]; then
	echo "t-html: no chromium, SPIRAL_NO_BROWSER=1: browser checks skipped" >&2
elif [ -z "$browser" ]; then
	fail "chromium is installed (tests/deps.sh installs it; SPIRAL_NO_BROWSER=1 skips)"
fi

# browse NAME FILE CHROMIUM-ARGS...: headless Chromium on FILE, killed after
# 60 seconds; stdout in $SANDBOX/NAME.out, stderr in NAME.err, its net log
# in NAME.net.  Its own process group, ended by its id when it is done.
browse() {
	local name=$1 file=$2 pid rc=0
	shift 2
	setsid timeout -k 5 60 "$browser" --headless=new --no-sandbox --disable-gpu \
		--user-data-dir="$SANDBOX/chrome-$name" --no-first-run \
		--disable-background-networking --disable-component-update \
		--disable-sync --disable-default-apps \
		--enable-logging=stderr --log-level=0 \
		--log-net-log="$SANDBOX/$name.net" "$@" "file://$file" \
		>"$SANDBOX/$name.out" 2>"$SANDBOX/$name.err" </dev/null &
	pid=$!
	wait "$pid" || rc=$?
	kill -KILL -- "-$pid" 2>/dev/null
	return "$rc"
}

# check.py MODE ...: what is wrong (nothing when fine).
#   net NETLOG: requests the page made (Chromium's own, for updates and
#     the like, have no origin as initiator; a page's have its own).
#   png FILE: a PNG of 1240x1754, not a blank page.
#   file HTML: only the elements this report writes, no attribute that
#     loads or runs anything, no URL.
#   dom DOM JSON: the dumped DOM holds the report's numbers.
#   hostile DOM: no script or img element, and the payloads as text.
cat >"$SANDBOX/check.py" <<'PY'
import html.parser, json, re, struct, sys

mode, args = sys.argv[1], sys.argv[2:]
bad = []
ELEMENTS = {"html", "head", "meta", "title", "style", "body", "header", "main",
            "footer", "section", "article", "div", "h1", "h2", "h3", "h4", "p",
            "b", "code", "span", "br", "ul", "li", "table", "tbody", "tr", "th",
            "td", "figure", "figcaption", "svg", "path", "circle", "rect",
            "line", "polyline", "text"}
ATTRS = {"lang", "charset", "http-equiv", "content", "name", "class", "id",
         "viewbox", "role", "aria-label", "d", "cx", "cy", "r", "rx", "x",
         "y", "x1", "y1", "x2", "y2", "width", "height", "points",
         "text-anchor"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.text, self.style = [], [], [], ""
        self.csp = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in ("br", "meta", "path", "circle", "rect", "line",
                       "polyline"):
            self.stack.append((tag, a))
        for k, v in attrs:
            if k not in ATTRS:
                bad.append("attribute %s on <%s>" % (k, tag))
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content")
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()
    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            self.style += data
        self.text.append((tuple(t for t, _ in self.stack),
                          tuple(a.get("class", "") for _, a in self.stack), data))
    def handle_comment(self, data):
        bad.append("a comment: %r" % data[:40])

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    return p

def tables(path, sid):
    """Rows of the tables of <section id=sid>, as lists of cell texts."""
    class T(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.depth, self.rows, self.cell, self.classes = 0, [], None, []
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section":
                self.depth = 1 if a.get("id") == sid else 0
            elif self.depth and tag == "tr":
                self.rows.append([])
                self.classes.append([])
            elif self.depth and tag in ("td", "th"):
                self.cell = ""
                self.classes[-1].append(a.get("class", ""))
        def handle_endtag(self, tag):
            if tag == "section":
                self.depth = 0
            elif self.depth and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell)
                self.cell = None
        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data
    t = T()
    t.feed(open(path, encoding="utf-8").read())
    return t.rows, t.classes

if mode == "net":
    d = json.load(open(args[0]))
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    for e in d["events"]:
        p = e.get("params") or {}
        if types.get(e["type"]) == "URL_REQUEST_START_JOB" and \
                p.get("initiator", "not an origin") != "not an origin":
            bad.append("the page asked for %s" % p.get("url"))
elif mode == "png":
    data = open(args[0], "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        bad.append("not a PNG")
    else:
        w, h = struct.unpack(">II", data[16:24])
        if (w, h) != (1240, 1754):
            bad.append("%dx%d, not 1240x1754" % (w, h))
        if len(data) < 30000:
            bad.append("only %d bytes: a blank page?" % len(data))
elif mode == "file":
    raw = open(args[0], encoding="utf-8").read()
    p = parse(args[0])
    for tag, _ in p.tags:
        if tag not in ELEMENTS:
            bad.append("element <%s>" % tag)
    if p.csp != CSP:
        bad.append("Content-Security-Policy: %r" % p.csp)
    if not raw.startswith("<!DOCTYPE html>\n"):
        bad.append("no doctype first")
    if '<meta charset="utf-8">' not in raw:
        bad.append("no charset")
    for pat in ("url(", "@import", "http:", "https:", "//", "javascript:"):
        if pat in p.style:
            bad.append("%s in the style" % pat)
    if "@page { size: A4" not in p.style or "break-inside: avoid" not in p.style:
        bad.append("no A4 print rules")
    for ch in raw:
        if (ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) <= 0x9f:
            bad.append("raw control U+%04X" % ord(ch))
            break
elif mode == "dom":
    dom, report = args[0], json.load(open(args[1]))
    p = parse(dom)
    ids = [a.get("id") for t, a in p.tags if t == "section"]
    want = ["groups", "stalled", "inquiries", "coherence", "digest", "flags"]
    if ids != want:
        bad.append("sections %s" % ids)
    cards = [a for t, a in p.tags if t == "article" and "card" in a.get("class", "")]
    spirals = [a for t, a in p.tags if t == "svg" and a.get("class") == "spiral"]
    n = report["n_inquiries"]
    # A card per inquiry, and one per inquiry of the digest.
    if len(cards) != n + len(report["digest"]) or len(spirals) != n:
        bad.append("%d cards and %d spirals for %d inquiries, %d in the digest"
                   % (len(cards), len(spirals), n, len(report["digest"])))
    rows, _ = tables(dom, "groups")
    got = [r[1:5] for r in rows[1:]]
    exp = [[str(g[k]) for k in ("inquiries", "active", "closed", "stalled")]
           for g in report["groups"]]
    if got != exp:
        bad.append("groups %s, JSON %s" % (got, exp))
    got = [r[5:11] for r in rows[1:]]
    exp = [[str(g["phases"][k]) for k in
            ("scan", "focus", "hunch", "learn", "act", "check")] for g in report["groups"]]
    if got != exp:
        bad.append("phases %s, JSON %s" % (got, exp))
    got = [r[11:15] for r in rows[1:]]
    exp = [[str(g["targets"][k]) for k in ("met", "on_the_way", "no_movement", "none")]
           for g in report["groups"]]
    if got != exp:
        bad.append("targets %s, JSON %s" % (got, exp))
    rows, _ = tables(dom, "stalled")
    got = [(r[0], r[5]) for r in rows[1:]]
    exp = [(s["id"][:len(r[0])], str(s["days_idle"])) for s, r in
           zip(report["stalled"], rows[1:])]
    if got != exp or len(got) != len(report["stalled"]):
        bad.append("stalled %s, JSON %s" % (got[:3], exp[:3]))
    rows, classes = tables(dom, "coherence")
    c = report["coherence"]
    if rows and rows[0][1:] != c["schools"]:
        bad.append("heat map schools %s" % rows[0][1:])
    got = [[int(x) for x in r[1:]] for r in rows[1:]]
    exp = [[c["counts"][s][t] for s in range(len(c["schools"]))]
           for t in range(len(c["tags"]))]
    if got != exp or [r[0] for r in rows[1:]] != c["tags"]:
        bad.append("heat map counts differ from JSON")
    top = max(max(r) for r in exp)
    for r, cl in zip(exp, classes[1:]):
        for v, k in zip(r, cl[1:]):
            if ("h0" in k) != (v == 0) or (v == top and "h5" not in k):
                bad.append("heat shade %s for %d" % (k, v))
    states = {}
    for tags, classes_, data in p.text:
        if tags and tags[-1] == "span" and classes_[-1] in ("met", "on_the_way", "no_movement"):
            states[classes_[-1]] = states.get(classes_[-1], 0) + 1
    exp = {}
    for t in report["progress"]:
        exp[t["state"]] = exp.get(t["state"], 0) + 1
    if states != exp:
        bad.append("target states %s, JSON %s" % (states, exp))
    rows, _ = tables(dom, "flags")
    if len(rows) - 1 != len(report["flags"]):
        bad.append("%d flags, JSON %d" % (len(rows) - 1, len(report["flags"])))
    text = " ".join(d for _, _, d in p.text)
    for need in ["What worked", "Not enough"] + [x["title"] for x in report["digest"]]:
        if need not in text:
            bad.append("no %r" % need)
elif mode == "hostile":
    p = parse(args[0])
    text = "".join(d for _, _, d in p.text)
    for tag, a in p.tags:
        if tag in ("script", "img", "iframe", "object", "embed", "a", "link"):
            bad.append("a <%s> element" % tag)
    for want in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                 "</style>", "]]>", "<!--", "javascript:alert(1)", "\\x1b[31m",
                 "\\x01", "\\x07", "\\x1b]52;c;SGk=", "Māori_reading"):
        if want not in text:
            bad.append("%r not shown as text" % want)
for b in bad[:10]:
    print(b)
PY

# check DESC MODE ARGS...: check.py finds nothing wrong.
check() {
	local desc=$1 out
	shift
	if out=$(python3 "$SANDBOX/check.py" "$@" 2>&1) && [ -z "$out" ]; then
		pass "$desc"
	else
		fail "$desc" "$out"
	fi
}

# console NAME: Chromium said nothing from the page (CSP refusals, load
# failures and console messages all come as CONSOLE lines).
console() {
	local said
	said=$(grep -E "CONSOLE|Refused to|Failed to load|Uncaught" "$SANDBOX/$1.err")
	same "$1: no console message" "" "$said"
}

# ---- the example cluster ------------------------------------------------------

ok "cluster.sh builds the example cluster" \
	env SPIRAL="$SPIRAL" bash "$root/examples/cluster.sh" "$SANDBOX/cluster"
cd "$SANDBOX/cluster" || exit 1

ok "report --format html -o FILE" spiral report --format html -o "$SANDBOX/report.html"
same "quiet" "" "$OUT$(cat "$SANDBOX/stderr")"
ok "--format=html to standard output" spiral report --format=html
same "the same page both ways" "$(cat "$SANDBOX/report.html")" "$OUT"
ok "report --format json" spiral report --format json
printf '%s' "$OUT" | python3 -c 'import json,sys
d=json.load(sys.stdin)
d["n_inquiries"]=sum(g["inquiries"] for g in d["groups"])
json.dump(d,open(sys.argv[1],"w"))' "$SANDBOX/report.json"
check "the page: known elements only, CSP, A4, no URL, no raw control" \
	file "$SANDBOX/report.html"
for pat in 'http://' 'https://' '//' 'src=' 'href=' 'url(' '<script' ' on[a-z]*='; do
	matches "no $pat in the file" '^0$' "$(grep -c -- "$pat" "$SANDBOX/report.html")"
done
ok "the same filters as the other formats" \
	spiral report --format html --by school --school 'Tōtara Primary' --status active
matches "--by school: one group" '<td>Tōtara Primary</td>' "$OUT"
fails "list has no html" 2 "table, json, csv or md, not 'html'" \
	spiral list --format html
fails "an unknown format" 2 "table, json, csv or md or html, not 'pdf'" \
	spiral report --format pdf

if [ -n "$browser" ]; then
	ok "chromium dumps the DOM" browse dom "$SANDBOX/report.html" --dump-dom
	cp "$SANDBOX/dom.out" "$SANDBOX/report.dom"
	check "the DOM holds the report's numbers (as the JSON report)" \
		dom "$SANDBOX/report.dom" "$SANDBOX/report.json"
	console dom
	check "dom: the page made no request" net "$SANDBOX/dom.net"
	ok "chromium renders it to a PNG" browse png "$SANDBOX/report.html" \
		--screenshot="$artifacts/report.png" --window-size=1240,1754 \
		--hide-scrollbars
	check "a non-trivial PNG (kept: $artifacts/report.png)" png "$artifacts/report.png"
	console png
	check "png: the page made no request" net "$SANDBOX/png.net"
fi

# ---- hostile text -----------------------------------------------------------

P='<script>alert(1)</script> "><img src=x onerror=alert(1)> </style> ]]> <!-- javascript:alert(1)'
new_repo hostile "Kura $P"
ok "an inquiry with markup everywhere" spiral new "T $P"$'\e[31m\x01' \
	--learners "L $P"$'\a' --tag '<script>alert(1)</script>' \
	--tag '"><img src=x onerror=alert(1)>' --tag 'javascript:alert(1)' -q
ok "a scan" spiral scan -m "E $P"$'\e]52;c;SGk=\a\nline two' \
	--evidence "V $P"$'\x01' --measure 'Māori_reading=1' --date '9 weeks ago'
ok "an act with a target" spiral act -m "A $P" --measure 'Māori_reading=2' \
	--target 'Māori_reading=5' --date '8 weeks ago'
ok "a check without verdict or measure" spiral check \
	-m "C $P"$'\e]52;c;SGk=\a\x01\nline two' \
	--evidence "W $P" --date '7 weeks ago'
ok "its HTML report" spiral report --format html -o "$SANDBOX/hostile.html"
h=$(cat "$SANDBOX/hostile.html")
matches "a flag and a stalled row" 'no_verdict.*' "$h"
matches "stalled" '<section id="stalled">.*' "$h"
for pat in '<script' '<img' '<!--' ']]>' '="[^"]*onerror'; do
	matches "no raw $pat" '^0$' "$(printf '%s' "$h" | grep -c -- "$pat")"
done
same "one </style>, the page's own" 1 "$(printf '%s' "$h" | grep -c -- '</style>')"
matches "escaped where it was" '&lt;script&gt;alert\(1\)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;' "$h"
matches "controls visible" 'T .*\\x1b\[31m\\x01' "$h"
check "the hostile page: known elements only" file "$SANDBOX/hostile.html"
check "the hostile text, as the parser reads it" hostile "$SANDBOX/hostile.html"
if [ -n "$browser" ]; then
	ok "chromium dumps the hostile DOM" browse hostile "$SANDBOX/hostile.html" --dump-dom
	check "its DOM: no script or img, the payloads as text" hostile "$SANDBOX/hostile.out"
	console hostile
	check "hostile: no request" net "$SANDBOX/hostile.net"
fi

finish
