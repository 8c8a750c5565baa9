#!/usr/bin/env bash
# run.sh [SECONDS]: runs each libFuzzer target for SECONDS (default 20: a
# bounded CI run), one after the other, building build-fuzz first if needed
# (clang, -Dfuzzing=true, ASan+UBSan).  The committed corpus is copied, never
# grown.  Prints per target the executions, the final coverage (cov/ft) and
# the crashes, and ends with "N passed, N failed" (a target passes when it
# ends without a crash).
#
# Environment: FUZZ_TARGETS="codec store ..." to run some only;
# FUZZ_BUILD (default build-fuzz) the build folder; FUZZ_WORK a folder to
# keep the grown corpora in (TARGET/); FUZZ_ARGS more libFuzzer options.
# Crashes are kept in FUZZ_BUILD/fuzz-crashes/TARGET/: minimise one with
# FUZZ_BUILD/tests/fuzz/fuzz_TARGET -minimize_crash=1 -runs=10000 FILE and
# commit it under tests/fuzz/regress/TARGET/.
set -u
seconds=${1:-20}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.." || exit 1
src=$PWD/tests/fuzz
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-codec store merge validate date measure escape inih_diff json}

if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" -Dfuzzing=true -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
		{ echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$build" >"$build/fuzz-build.log" 2>&1; then
	tail -30 "$build/fuzz-build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

work=${FUZZ_WORK:-}
own_work=
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/spiral-fuzz.XXXXXX") || exit 1
	own_work=$work
	trap 'rm -rf "$own_work"' EXIT
fi
mkdir -p "$work/tmp"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

passed=0 failed=0
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	corpus=$work/$t
	crashes=$build/fuzz-crashes/$t
	log=$work/$t.log
	mkdir -p "$corpus" "$crashes"
	cp -n "$src/corpus/$t/"* "$corpus/" 2>/dev/null
	[ -d "$src/regress/$t" ] && cp -n "$src/regress/$t/"* "$corpus/" 2>/dev/null
	before=$(ls "$crashes" | wc -l)
	# shellcheck disable=SC2086
	TMPDIR=$work/tmp "$bin" "$corpus" -max_total_time="$seconds" \
		-dict="$src/dict/$t.dict" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$crashes/" ${FUZZ_ARGS:-} >"$log" 2>&1
	rc=$?
	after=$(ls "$crashes" | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# -fork mode prints no final stats: its last "#N:" line counts.
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	new=$((after - before))
	printf 'fuzz_%-10s %10s execs  %-22s %d crash(es)\n' "$t" "${execs:-?}" \
		"${cov:-cov: ? ft: ?}" "$new"
	if [ "$rc" -eq 0 ] && [ "$new" -eq 0 ]; then
		passed=$((passed + 1))
	else
		grep -m1 -A12 -E '==ERROR|runtime error|invariant broken|deadly signal' "$log"
		ls "$crashes" | tail -3 | sed "s|^|  saved: $crashes/|"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
