/* spiral merge-file BASE OURS THEIRS: git's merge driver (%O %A %B). */
#include "tool.h"

int cmd_merge_file(int argc, char **argv, tool_ctx *ctx) { return tool_fail("merge-file: not yet"); }
