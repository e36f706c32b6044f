// SPDX-License-Identifier: GPL-2.0-only
/* hv_fcopy_daemon: host-to-guest file copy (Copy-VMFile) for kernels <= 6.9. */
#include "fcopy_daemon.h"
#include "../common/config.h"
#include "../common/daemon.h"
#include "../common/device.h"
#include "../common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_ATTEMPTS 10

int main(int argc, char **argv)
{
	static struct fcopy_daemon d;
	struct daemon_options opts;
	unsigned int attempts = 0;
	int fd, r;

	r = daemon_parse_args(argc, argv, FCOPY_DEFAULT_CONFIG, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_init("hv_fcopy_daemon", LOG_TARGET_STDERR);
	fcopy_config_defaults(&d.cfg);
	if (config_parse_file(opts.config, !opts.config_given, fcopy_config_set, &d.cfg))
		return EXIT_FAILURE;
	if (daemon_start("hv_fcopy_daemon", &opts))
		return EXIT_FAILURE;
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	fcopy_daemon_init(&d);
	for (;;) {
		fd = device_open(d.cfg.device);
		if (fd >= 0 && fcopy_send_register(&d, fd) == 0) {
			attempts = 0;
			while (fcopy_serve_one(&d, fd) == 0)
				;
		}
		fcopy_abort(&d);
		if (fd >= 0)
			close(fd);
		if (++attempts >= REOPEN_ATTEMPTS)
			break;
		daemon_sleep(1);
	}
	log_msg(LOG_ERR, "giving up on %s", d.cfg.device);
	return EXIT_FAILURE;
}
