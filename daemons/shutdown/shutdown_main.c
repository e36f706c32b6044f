// SPDX-License-Identifier: GPL-2.0-only
/* hv_shutdown_daemon: performs the host's shutdown requests from /dev/vmbus/hv_shutdown. */
#include "shutdown_daemon.h"
#include "../common/config.h"
#include "../common/daemon.h"
#include "../common/device.h"
#include "../common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define REOPEN_ATTEMPTS 10

int main(int argc, char **argv)
{
	static struct shutdown_daemon d;
	struct daemon_options opts;
	unsigned int attempts = 0;
	int fd, r = 0;

	r = daemon_parse_args(argc, argv, SHUTDOWN_DEFAULT_CONFIG, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_init("hv_shutdown_daemon", LOG_TARGET_STDERR);
	shutdown_config_defaults(&d.cfg);
	if (config_parse_file(opts.config, !opts.config_given, shutdown_config_set, &d.cfg))
		return EXIT_FAILURE;
	if (daemon_start("hv_shutdown_daemon", &opts))
		return EXIT_FAILURE;
	signal(SIGPIPE, SIG_IGN);
	shutdown_daemon_init(&d);
	for (;;) {
		fd = device_open(d.cfg.device);
		if (fd >= 0 && shutdown_send_register(&d, fd) == 0) {
			attempts = 0;
			while ((r = shutdown_serve_one(&d, fd)) == 0)
				;
		}
		if (fd >= 0)
			close(fd);
		if (r == -2 || ++attempts >= REOPEN_ATTEMPTS)
			break;
		daemon_sleep(1);
	}
	log_msg(LOG_ERR, "giving up on %s", d.cfg.device);
	return EXIT_FAILURE;
}
