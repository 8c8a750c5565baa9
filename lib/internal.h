/* Functions shared between the library's own files; not part of the API. */
#ifndef SPIRAL_INTERNAL_H
#define SPIRAL_INTERNAL_H

#include "spiral.h"

/* A parse problem: line (0 if none) and message, for the store to record. */
typedef struct record_problem {
	int line;
	char message[512];
} record_problem;

/* Parse one record file.  Returns 0, or SPIRAL_EFORMAT with *pb filled.
 * With strict, unknown sections and keys are problems too (the record is
 * still returned: pb->line > 0 and the return is 1). */
int record_parse_inquiry(const char *data, size_t len, int strict,
			 spiral_inquiry *out, record_problem *pb);
int record_parse_entry(const char *data, size_t len, int strict,
		       spiral_entry *out, record_problem *pb);
int record_parse_note(const char *data, size_t len, int strict,
		      spiral_note *out, record_problem *pb);
int record_parse_change(const char *data, size_t len, int strict,
			spiral_change *out, record_problem *pb);
int record_parse_repository(const char *data, size_t len, int *format,
			    record_problem *pb);

/* Read a whole regular file (no links followed), at most max bytes. */
int read_file_bounded(const char *path, size_t max, char **data, size_t *len);
/* Largest file spiral reads from a repository. */
#define SPIRAL_MAX_FILE (1024 * 1024)

#endif
