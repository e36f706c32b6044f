// SPDX-License-Identifier: GPL-2.0-only
#include "daemon.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out, const char *prog, const char *default_config)
{
	fprintf(out,
		"Usage: %s [options]\n"
		"  -n, --no-daemon      stay in the foreground, log to stderr\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -h, --help           print this help\n",
		prog, default_config);
}

int daemon_parse_args(int argc, char **argv, const char *default_config,
		      struct daemon_options *opts)
{
	static const struct option long_options[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opts->foreground = false;
	opts->config = default_config;
	opts->config_given = false;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "nc:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			opts->foreground = true;
			break;
		case 'c':
			opts->config = optarg;
			opts->config_given = true;
			break;
		case 'h':
			usage(stdout, argv[0], default_config);
			return 1;
		default:
			usage(stderr, argv[0], default_config);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0], default_config);
		return -1;
	}
	return 0;
}

int daemon_start(const char *ident, const struct daemon_options *opts)
{
	if (!opts->foreground) {
		if (daemon(0, 0) < 0) {
			perror("daemon");
			return -1;
		}
		log_init(ident, LOG_TARGET_SYSLOG);
	} else {
		log_init(ident, LOG_TARGET_STDERR);
	}
	return 0;
}

void daemon_sleep(unsigned int seconds)
{
	struct timespec ts = { .tv_sec = seconds };

	while (nanosleep(&ts, &ts) < 0)
		;
}
