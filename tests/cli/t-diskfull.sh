#!/usr/bin/env bash
# A full disk (storage.md 7): a write that runs out of space fails with a
# clear error, and once there is room again the repository is as before the
# write or as after it.  Needs a small tmpfs: as root (CI is), else skipped.
. "$(dirname "$0")/lib.sh"
# A write that fails before the branch moves leaves objects nothing refers
# to (git gc prunes them): fsck is asked about corruption, not those.
FSCK_FAULTS=1

tiny="$SANDBOX/tiny"
mkdir -p "$tiny"
if ! mount -t tmpfs -o size=1m tmpfs "$tiny" 2>/dev/null; then
	echo "note: cannot mount a tmpfs here (not root?): disk-full tests skipped"
	finish
	exit
fi
trap 'cd /; umount "$tiny" 2>/dev/null; rm -rf "$SANDBOX"' EXIT

spiral init "$tiny/repo" --school "Kōwhai Intermediate" >/dev/null
cd "$tiny/repo" || exit 1
spiral new "Full disk" -q >/dev/null
python3 -c "print('kupu ' * 8000)" >"$SANDBOX/text"   # about 40 KB

free_kb() { df -k --output=avail "$tiny" | tail -1 | tr -d ' '; }
# Leave `left` KB free, try a write, make room, then check.
for left in 0 4 8 12 16 24 32 40 48 56 64 80 96 128; do
	before=$(git rev-list --count HEAD)
	avail=$(free_kb)
	fill=$(( avail > left ? avail - left : 0 ))
	head -c "${fill}k" /dev/zero >"$tiny/filler" 2>/dev/null
	rc=0
	spiral note -F "$SANDBOX/text" >/dev/null 2>"$SANDBOX/err" || rc=$?
	rm -f "$tiny/filler"
	after=$(git rev-list --count HEAD)
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 1 ] && grep -q '^spiral: error: .*No space left' "$SANDBOX/err"; then
			pass "$left KB free: a clear error"
		else
			fail "$left KB free: a clear error" "exit $rc" "$(cat "$SANDBOX/err")"
		fi
	fi
	spiral status >/dev/null 2>&1 # any command finishes a half-done write
	status=$(git status --porcelain)
	fsck=$(git fsck --strict --no-dangling 2>&1)
	on_disk=$(find inquiries -path '*/notes/*' -type f | wc -l)
	committed=$(git ls-files 'inquiries/*/notes/*' | wc -l)
	if [ -z "$status" ] && [ -z "$fsck" ] && [ "$on_disk" = "$committed" ] &&
		[ "$committed" = "$((after - 2))" ] && { [ "$after" = "$before" ] || [ "$after" = $((before + 1)) ]; }; then
		pass "$left KB free: as before or as after"
	else
		fail "$left KB free: as before or as after" "status: $status" "fsck: $fsck" \
			"notes on disk $on_disk, committed $committed, commits $before -> $after"
	fi
done
ok "with room, writes work again" spiral note -m "room again"
ok "spiral fsck" spiral fsck
clean "clean at the end"
finish
