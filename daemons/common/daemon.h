/* SPDX-License-Identifier: GPL-2.0-only */
/* Command line and start-up shared by the daemons (upstream's -n and -h). */
#ifndef HVG_DAEMON_H
#define HVG_DAEMON_H

#include <stdbool.h>

struct daemon_options {
	bool foreground;     /* -n, --no-daemon */
	const char *config;  /* -c, --config FILE */
	bool config_given;
};

/*
 * Parse argv. Returns 0 to run, 1 if it printed help (exit 0), -1 on a
 * usage error (exit 1). default_config is used when -c is absent.
 */
int daemon_parse_args(int argc, char **argv, const char *default_config,
		      struct daemon_options *opts);

/* Detach unless foreground, and set up logging accordingly. */
int daemon_start(const char *ident, const struct daemon_options *opts);

/* Sleep that survives signals (seconds). */
void daemon_sleep(unsigned int seconds);

#endif
