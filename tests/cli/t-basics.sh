#!/usr/bin/env bash
# A teacher's first minutes: init, new, the six phases, show.
. "$(dirname "$0")/lib.sh"

new_repo
ok "init commits spiral.ini" test -f spiral.ini
commits "init is one commit" 1
clean "clean after init"
ok "new prints the id" spiral new "Year 9 writing" -q
id=$OUT
matches "new -q prints a full id" '^[0-9a-f]{32}$' "$id"
for phase in scan focus hunch learn act check; do
	ok "$phase logs" spiral "$phase" -m "a $phase"
done
commits "one commit per write" 8
clean "clean after writes"
ok "show" spiral show
matches "show names the title" 'Year 9 writing' "$OUT"
ok "show json" spiral show --format json
matches "json has the id" "\"id\":\"$id\"" "$OUT"
finish
