// SPDX-License-Identifier: GPL-2.0-only
#include "hooks.h"
#include "log.h"
#include "strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool name_eligible(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.' || len == 0 || name[len - 1] == '~')
		return false;
	return !strstr(name, ".dpkg-") && !strstr(name, ".rpmnew") &&
	       !strstr(name, ".rpmsave") && !strstr(name, ".rpmorig");
}

static bool file_eligible(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (!(st.st_mode & S_IXUSR) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	return st.st_uid == 0 || st.st_uid == geteuid();
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns true if the hook exited 0 within the timeout. */
static bool run_one(const char *path, const char *argument, unsigned int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status = 0;
	pid_t pid, done;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		char *const argv[] = { (char *)path, (char *)argument, NULL };
		char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		int devnull = open("/dev/null", O_RDWR);

		/* No stdin; output goes wherever ours goes (the journal). */
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		setsid();
		execve(path, argv, envp);
		_exit(127);
	}
	for (;;) {
		done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR)
			return false;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL); /* the hook's whole session */
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			log_msg(LOG_ERR, "hook %s %s: killed after %u ms", path, argument,
				timeout_ms);
			return false;
		}
		poll(NULL, 0, 10);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		log_msg(LOG_ERR, "hook %s %s: exit status %d", path, argument,
			WEXITSTATUS(status));
	else
		log_msg(LOG_ERR, "hook %s %s: killed by signal %d", path, argument,
			WTERMSIG(status));
	return false;
}

void hooks_run(const char *dir, const char *argument, unsigned int timeout_ms,
	       bool reverse, bool stop_on_failure, struct hook_result *result)
{
	struct dirent **names = NULL;
	int count, i;

	memset(result, 0, sizeof(*result));
	if (!dir || !dir[0])
		return;
	count = scandir(dir, &names, NULL, alphasort);
	if (count < 0) {
		if (errno != ENOENT)
			log_msg(LOG_ERR, "cannot read hook directory %s: %s", dir,
				strerror(errno));
		return;
	}
	for (i = 0; i < count; i++) {
		const char *name = names[reverse ? count - 1 - i : i]->d_name;
		char path[PATH_MAX];

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (!name_eligible(name) || str_format(path, sizeof(path), "%s/%s", dir, name) ||
		    !file_eligible(path)) {
			result->skipped++;
			continue;
		}
		result->run++;
		if (!run_one(path, argument, timeout_ms)) {
			result->failed++;
			if (stop_on_failure)
				break;
		}
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
