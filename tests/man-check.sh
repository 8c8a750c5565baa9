#!/usr/bin/env bash
# The phase pages in man/ are what the phase table generates, and every page
# passes mandoc -Tlint.
set -u
gen=$1 mandir=$2 failed=0 passed=0
for phase in scan focus hunch learn act check; do
	if "$gen" "$phase" | cmp -s - "$mandir/spiral-$phase.1"; then
		passed=$((passed + 1))
	else
		echo "FAIL man/spiral-$phase.1 differs from the phase table (run man/regen)"
		failed=$((failed + 1))
	fi
done
for page in "$mandir"/*.[1-8]; do
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL $out"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
