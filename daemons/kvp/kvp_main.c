// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_kvp_daemon: the Hyper-V key-value pair exchange, a drop-in for the
 * upstream daemon of that name (same device, same pool files, same -n/-h).
 */
#include "kvp_bus.h"
#include "kvp_daemon.h"
#include "../common/config.h"
#include "../common/daemon.h"
#include "../common/device.h"
#include "../common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* The device comes back after hibernation; give it a few seconds. */
#define REOPEN_ATTEMPTS 10

int main(int argc, char **argv)
{
	static struct kvp_daemon d;
	struct daemon_options opts;
	unsigned int attempts = 0;
	int fd, r;

	r = daemon_parse_args(argc, argv, KVP_DEFAULT_CONFIG, &opts);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_init("hv_kvp_daemon", LOG_TARGET_STDERR);
	kvp_config_defaults(&d.cfg);
	if (config_parse_file(opts.config, !opts.config_given, kvp_config_set, &d.cfg))
		return EXIT_FAILURE;
	if (daemon_start("hv_kvp_daemon", &opts))
		return EXIT_FAILURE;
	signal(SIGPIPE, SIG_IGN);
	d.networkd_reload = kvp_networkd_reload;
	if (kvp_daemon_init(&d)) {
		log_msg(LOG_ERR, "cannot initialise the pools in %s", d.cfg.pool_dir);
		return EXIT_FAILURE;
	}
	log_msg(LOG_INFO, "starting; pools in %s", d.cfg.pool_dir);
	for (;;) {
		fd = device_open(d.cfg.device);
		if (fd < 0) {
			if (++attempts >= REOPEN_ATTEMPTS)
				break;
			daemon_sleep(1);
			continue;
		}
		if (kvp_send_register(&d, fd) == 0) {
			attempts = 0;
			while (kvp_serve_one(&d, fd) == 0)
				;
		}
		close(fd);
		if (++attempts >= REOPEN_ATTEMPTS)
			break;
		daemon_sleep(1);
	}
	log_msg(LOG_ERR, "giving up on %s", d.cfg.device);
	kvp_daemon_fini(&d);
	return EXIT_FAILURE;
}
