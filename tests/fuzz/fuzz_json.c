/*
 * fuzz_json: the JSON reader of import --json (lib/json.c), which reads
 * documents people bring from elsewhere.  Any input is read or refused
 * with a message, never a crash or a leak, however deep it nests.  What
 * it reads agrees with the JSON checker of the other targets: input it
 * accepts is one JSON value.  Every string it gives is valid UTF-8 of the
 * length it says, with no NUL, and written back with spiral_json_string
 * it reads as the same string.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"
#include "spiral.h"

static void check_string(const char *s, size_t len)
{
	spiral_buf b = SPIRAL_BUF_INIT;
	json_value again;

	FUZZ_CHECK(s && strlen(s) == len && spiral_utf8_valid(s, len));
	if (spiral_json_string(&b, s) < 0)
		abort();
	FUZZ_CHECK(json_parse(b.ptr, b.len, &again) == 0);
	FUZZ_CHECK(again.type == JSON_STRING && again.len == len &&
		   memcmp(again.str, s, len) == 0);
	json_free(&again);
	spiral_buf_free(&b);
}

static void walk(const json_value *v, int depth)
{
	FUZZ_CHECK(depth < 100000);
	switch (v->type) {
	case JSON_STRING:
		check_string(v->str, v->len);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->n; i++)
			check_string(v->keys[i], strlen(v->keys[i]));
		/* fall through */
	case JSON_ARRAY:
		for (size_t i = 0; i < v->n; i++)
			walk(&v->items[i], depth + 1);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_value v;

	if (json_parse((const char *)data, size, &v) == 0) {
		size_t bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		FUZZ_CHECK(fuzz_json_valid((const char *)data + bom, size - bom));
		walk(&v, 0);
		json_free(&v);
	} else {
		FUZZ_CHECK(spiral_error_message()[0] != '\0');
	}
	spiral_error_clear();
	return 0;
}
