# Shared by the command-line tests: a sandbox, a repository, assertions.
# Source it; then call the assertions; end with `finish`.
#
#   ok        DESC CMD...            CMD exits 0
#   fails     DESC CODE REGEX CMD... CMD exits CODE with stderr matching REGEX
#                                    (an empty REGEX checks the code only)
#   same      DESC EXPECTED ACTUAL   strings are equal
#   matches   DESC REGEX TEXT        TEXT matches the extended REGEX
#   clean     DESC                   git status --porcelain empty and
#                                    git fsck --strict silent, in $PWD
#                                    (with FSCK_FAULTS set, dangling objects
#                                    are allowed: a write that failed before
#                                    moving the branch leaves some, as an
#                                    aborted git commit does)
#   commits   DESC N                 HEAD has N commits
#   json_check DESC PYTHON           PYTHON succeeds with d = the JSON in $OUT
#   inih_reads DESC                  every tracked .ini parses with inih,
#                                    no line over 160 bytes
#   index_right DESC                 git's index is as git would have it
#
# $SPIRAL is the binary under test (set by meson); `spiral` calls it.
set -u
: "${SPIRAL:?SPIRAL must name the spiral binary}"
TESTS_PASSED=0
TESTS_FAILED=0
SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/spiral-test.XXXXXX")
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX/home"
mkdir -p "$HOME"
unset SPIRAL_DIR VISUAL EDITOR GIT_DIR GIT_WORK_TREE GIT_AUTHOR_NAME \
	GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_COMMITTER_DATE PAGER
export NO_COLOR=1 TZ=UTC GIT_CONFIG_NOSYSTEM=1 LC_ALL=C.UTF-8
git config --global user.name "Aroha Ngata"
git config --global user.email "aroha@kowhai.school.nz"
git config --global init.defaultBranch main

spiral() { "$SPIRAL" "$@"; }
# A pyenv shim costs half a second a call: find the interpreter once.
PYTHON=$(command python3 -c 'import sys; print(sys.executable)')
python3() { "$PYTHON" "$@"; }


# json_check DESC PYTHON: PYTHON, run with d = the JSON in $OUT, succeeds.
json_check() {
	if python3 -c "import json,sys
d=json.load(sys.stdin)
$2" <<<"$OUT" 2>"$SANDBOX/pyerr"; then
		pass "$1"
	else
		fail "$1" "$(tail -n 3 "$SANDBOX/pyerr")" "$(printf '%s' "$OUT" | head -c 1500)"
	fi
}
pass() {
	TESTS_PASSED=$((TESTS_PASSED + 1))
	[ -n "${VERBOSE:-}" ] && printf 'ok %s\n' "$1"
	return 0
}

fail() {
	TESTS_FAILED=$((TESTS_FAILED + 1))
	printf 'FAIL %s\n' "$1"
	shift
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	return 0
}

ok() {
	local desc=$1
	shift
	if OUT=$("$@" 2>"$SANDBOX/stderr"); then
		pass "$desc"
	else
		fail "$desc" "exit $?: $*" "$(head -c 2000 "$SANDBOX/stderr")"
	fi
}

fails() {
	local desc=$1 code=$2 regex=$3 rc=0
	shift 3
	OUT=$("$@" 2>"$SANDBOX/stderr") || rc=$?
	ERR=$(cat "$SANDBOX/stderr")
	if [ "$rc" -ne "$code" ]; then
		fail "$desc" "expected exit $code, got $rc: $*" "$ERR"
	elif [ -n "$regex" ] && ! grep -Eq -- "$regex" "$SANDBOX/stderr"; then
		fail "$desc" "stderr does not match /$regex/" "$ERR"
	else
		pass "$desc"
	fi
}

same() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2" "actual:   $3"
	fi
}

matches() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1" "/$2/ does not match:" "$(printf '%s' "$3" | head -c 2000)"
	fi
}

clean() {
	local status fsck
	status=$(git status --porcelain 2>&1)
	fsck=$(git fsck --strict ${FSCK_FAULTS:+--no-dangling} 2>&1)
	if [ -z "$status" ] && [ -z "$fsck" ]; then
		pass "$1"
	else
		fail "$1" "git status: $status" "git fsck: $fsck"
	fi
}

# Every .ini file git tracks in $PWD parses with the system's inih and has
# no line over 160 bytes (storage.md 1 and 3).
inih_reads() {
	local out
	: "${INI_CHECK:?INI_CHECK must name the ini_check program}"
	if [ "$(git ls-files '*.ini' | wc -l)" -lt 2 ]; then
		fail "$1" "no .ini files here ($PWD)"
	elif out=$(git ls-files -z '*.ini' | xargs -0 -r "$INI_CHECK" 2>&1); then
		pass "$1"
	else
		fail "$1" "$out"
	fi
}

commits() {
	same "$1" "$2" "$(git rev-list --count HEAD 2>/dev/null || echo 0)"
}

# A fresh repository in $SANDBOX/NAME, current directory set to it.
new_repo() {
	local name=${1:-repo} school=${2:-Kōwhai Intermediate}
	spiral init "$SANDBOX/$name" --school "$school" >/dev/null || exit 1
	cd "$SANDBOX/$name" || exit 1
}

# tty CMD...: CMD on a terminal (a pty from script(1)); its stdout and
# stderr, CRs dropped, in $OUT; returns its exit status.
tty() {
	local cmd rc=0
	cmd=$(printf '%q ' "$@")
	OUT=$(script -qec "$cmd" /dev/null </dev/null) || rc=$?
	OUT=$(printf '%s' "$OUT" | tr -d '\r')
	return "$rc"
}
# on_tty DESC CODE CMD...: CMD on a terminal exits CODE.
on_tty() {
	local desc=$1 code=$2 rc=0
	shift 2
	tty "$@" || rc=$?
	if [ "$rc" -eq "$code" ]; then
		pass "$desc"
	else
		fail "$desc" "expected exit $code, got $rc: $*" "$(printf '%s' "$OUT" | head -c 2000)"
	fi
}
# fake_pager: $SANDBOX/pager, a pager that notes it ran ($SANDBOX/paged)
# and passes its input on; tty_run CMD runs a command line on a pty.
fake_pager() {
	cat >"$SANDBOX/pager" <<PAGER
#!/bin/sh
echo paged >"$SANDBOX/paged"
cat
PAGER
	chmod +x "$SANDBOX/pager"
}
tty_run() { script -qec "$*" /dev/null </dev/null; }

finish() {
	echo "$TESTS_PASSED passed, $TESTS_FAILED failed"
	[ "$TESTS_FAILED" -eq 0 ]
}

# The index as git would have it: its tree is HEAD's, nothing staged,
# nothing changed, and git's own check of it passes.
index_right() { # DESC
	local wt head
	wt=$(git write-tree 2>&1)
	head=$(git rev-parse 'HEAD^{tree}')
	same "$1: the index's tree is HEAD's" "$head" "$wt"
	clean "$1: git status clean, fsck clean"
	if git ls-files --stage >/dev/null 2>"$SANDBOX/ls.err" && [ ! -s "$SANDBOX/ls.err" ]; then
		pass "$1: git reads the index"
	else
		fail "$1: git reads the index" "$(cat "$SANDBOX/ls.err")"
	fi
}
