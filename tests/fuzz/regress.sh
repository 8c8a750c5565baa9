#!/usr/bin/env bash
# regress.sh BUILD-DIR SOURCE-DIR TARGET...: runs each fuzz target (built
# with libFuzzer or with standalone.c) once over every file of its seed
# corpus (corpus/TARGET/) and of its saved crashes (regress/TARGET/).
# Files are named one by one, so that libFuzzer never adds to a folder.
# Ends with "N passed, N failed" (one per target).
set -u
build=$1 src=$2
shift 2
passed=0 failed=0
for t in "$@"; do
	files=()
	for d in "$src/corpus/$t" "$src/regress/$t"; do
		[ -d "$d" ] || continue
		while IFS= read -r -d '' f; do
			files+=("$f")
		done < <(find "$d" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
	done
	if [ "${#files[@]}" -eq 0 ]; then
		echo "fuzz_$t: no inputs"
		failed=$((failed + 1))
		continue
	fi
	if out=$("$build/fuzz_$t" -runs=0 "${files[@]}" 2>&1); then
		echo "fuzz_$t: ${#files[@]} inputs ok"
		passed=$((passed + 1))
	else
		echo "$out" | tail -40
		echo "fuzz_$t: FAILED"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
