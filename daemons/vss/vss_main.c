// SPDX-License-Identifier: GPL-2.0-only
/* hv_vss_daemon: filesystem freeze/thaw for Hyper-V backups (VSS). */
#include "vss_daemon.h"
#include "../common/config.h"
#include "../common/daemon.h"
#include "../common/device.h"
#include "../common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REOPEN_ATTEMPTS 10

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	static struct vss_daemon d;
	struct daemon_options opts;
	struct sigaction sa;
	unsigned int attempts = 0;
	int fd, r;

	r = daemon_parse_args(argc, argv, VSS_DEFAULT_CONFIG, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_init("hv_vss_daemon", LOG_TARGET_STDERR);
	vss_config_defaults(&d.cfg);
	if (config_parse_file(opts.config, !opts.config_given, vss_config_set, &d.cfg))
		return EXIT_FAILURE;
	if (daemon_start("hv_vss_daemon", &opts))
		return EXIT_FAILURE;
	/* No SA_RESTART: poll() must return so a frozen system is thawed on exit. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	vss_daemon_init(&d);
	while (!stop_requested) {
		fd = device_open(d.cfg.device);
		if (fd >= 0 && vss_send_register(&d, fd) == 0) {
			attempts = 0;
			while (vss_serve_one(&d, fd, &stop_requested) == 0)
				;
		}
		vss_emergency_thaw(&d, "device closed or daemon stopping");
		if (fd >= 0)
			close(fd);
		if (stop_requested || ++attempts >= REOPEN_ATTEMPTS)
			break;
		daemon_sleep(1);
	}
	vss_emergency_thaw(&d, "exiting");
	log_msg(stop_requested ? LOG_INFO : LOG_ERR, "exiting");
	return stop_requested ? EXIT_SUCCESS : EXIT_FAILURE;
}
