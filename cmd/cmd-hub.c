/* verify-push: a cluster hub's pre-receive hook (issue 13, part 5). */
#include "tool.h"

int cmd_verify_push(int argc, char **argv, tool_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return tool_fail("verify-push is not built yet");
}
