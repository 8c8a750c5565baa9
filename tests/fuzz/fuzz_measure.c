/*
 * fuzz_measure: spiral_measure_parse ("NAME=NUMBER") and
 * spiral_number_format.  An accepted measure has a valid name and a
 * finite value (never -0); its value, formatted, reads back as the same
 * double and parses again as a measure.  Any finite double formats to at
 * most 39 bytes that strtod reads back exactly.
 *
 * Input: the argument, as text; its first eight bytes are also taken as a
 * double (when there are eight).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spiral.h"

static void check_format(double v)
{
	char out[40], *end;

	if (!isfinite(v))
		return;
	spiral_number_format(v, out);
	FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
	if (strtod(out, &end) != v || *end)
		fuzz_fail("%.17g formats as '%s'", v, out);
	/* JSON numbers and the INI files need no more than these. */
	FUZZ_CHECK(strspn(out, "0123456789-.e+") == strlen(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg, *name = NULL, *again_name = NULL, num[40],
	     again[SPIRAL_MEASURE_NAME_BYTES + 1 + 40];
	double v, w;
	int rc;

	if (size >= sizeof(double)) {
		memcpy(&v, data, sizeof(v));
		check_format(v);
	}
	if (!(arg = fuzz_strndup(data, size)))
		abort();
	rc = spiral_measure_parse(arg, &name, &v);
	if (rc == 0) {
		FUZZ_CHECK(name && spiral_measure_name_valid(name));
		FUZZ_CHECK(isfinite(v));
		FUZZ_CHECK(!(v == 0 && signbit(v)));
		check_format(v);
		spiral_number_format(v, num);
		/* The longest name (in bytes) and the longest number fit. */
		FUZZ_CHECK(snprintf(again, sizeof(again), "%s=%s", name, num) <
			   (int)sizeof(again));
		if (spiral_measure_parse(again, &again_name, &w) != 0)
			fuzz_fail("'%s' reads as %s, which is refused: %s", arg,
				  again, spiral_error_message());
		FUZZ_CHECK(w == v && strcmp(name, again_name) == 0);
	} else {
		FUZZ_CHECK(rc == SPIRAL_EUSAGE && name == NULL);
	}
	free(name);
	free(again_name);
	free(arg);
	spiral_error_clear();
	return 0;
}
