/* Sharing: clone, remote, pull, push, sync. */
#include "tool.h"

int cmd_clone(int argc, char **argv, tool_ctx *ctx) { return tool_fail("clone: not yet"); }
int cmd_remote(int argc, char **argv, tool_ctx *ctx) { return tool_fail("remote: not yet"); }
int cmd_pull(int argc, char **argv, tool_ctx *ctx) { return tool_fail("pull: not yet"); }
int cmd_push(int argc, char **argv, tool_ctx *ctx) { return tool_fail("push: not yet"); }
int cmd_sync(int argc, char **argv, tool_ctx *ctx) { return tool_fail("sync: not yet"); }
