/*
 * timerun: run one command, its output to /dev/null, and say how long it
 * took and its peak memory, for bench/run.
 *
 *   timerun COMMAND [ARG]...
 *
 * Prints "NANOSECONDS MAXRSS_KIB EXIT" on its own standard output: the wall
 * clock from fork to the end of the command's process (clock_gettime,
 * CLOCK_MONOTONIC), the command's ru_maxrss from wait4, and its exit status
 * (128 + N when killed by signal N).  The command's standard error is
 * inherited; its standard output goes to /dev/null.
 *
 * Why not time from Python: Linux keeps a process's peak RSS across exec,
 * so a command started by a Python process reports at least that Python's
 * memory (about 16 MB).  Started from this small program, it reports its
 * own.  Built by bench/run with `cc -O2`; not part of the meson build.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, code;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: timerun COMMAND [ARG]...\n");
		return 2;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%lld %ld %d\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
	       ru.ru_maxrss, code);
	return 0;
}
