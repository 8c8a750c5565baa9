/* ini_check FILE...: every file parses with the system's inih as it is
 * built (no spiral code involved) and has no line over 160 bytes.  Prints
 * each file at fault; exits 1 if any. */
#include <ini.h>
#include <stdio.h>
#include <string.h>

static int accept(void *user, const char *section, const char *name,
		  const char *value)
{
	(void)user, (void)section, (void)name, (void)value;
	return 1;
}

static int longest_line(FILE *f)
{
	int c, len = 0, longest = 0;

	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			len = 0;
			continue;
		}
		if (++len > longest)
			longest = len;
	}
	return longest;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		int rc, longest;

		if (!f) {
			printf("%s: cannot open\n", argv[i]);
			bad = 1;
			continue;
		}
		longest = longest_line(f);
		fclose(f);
		rc = ini_parse(argv[i], accept, NULL);
		if (rc != 0) {
			printf("%s:%d: inih cannot parse it\n", argv[i], rc);
			bad = 1;
		}
		if (longest > 160) {
			printf("%s: a line of %d bytes\n", argv[i], longest);
			bad = 1;
		}
	}
	return bad;
}
