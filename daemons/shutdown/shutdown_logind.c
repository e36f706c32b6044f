// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd-logind client (org.freedesktop.login1, see org.freedesktop.login1(5)):
 * wait for inhibitors up to a limit, check CanHibernate, then call
 * PowerOff/Reboot/Hibernate with interactive = false.
 *
 * logind itself delays the action for "delay" inhibitors (up to its
 * InhibitDelayMaxSec) but lets root override "block" inhibitors. We run as
 * root, so to honour both kinds we wait while any inhibitor on the action
 * exists, for at most max_inhibit_wait seconds, and only then call logind.
 */
#include "shutdown_daemon.h"
#include "../common/log.h"

#include <errno.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define LOGIN1_SERVICE "org.freedesktop.login1"
#define LOGIN1_PATH "/org/freedesktop/login1"
#define LOGIN1_MANAGER "org.freedesktop.login1.Manager"

static bool logind_missing(const sd_bus_error *error)
{
	return sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	       sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

/* "shutdown:sleep:idle" contains "shutdown"? */
static bool what_contains(const char *what, const char *item)
{
	size_t len = strlen(item);
	const char *p = what;

	while ((p = strstr(p, item))) {
		if ((p == what || p[-1] == ':') && (p[len] == ':' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* Number of inhibitors on @what, or a negative errno. */
static int count_inhibitors(sd_bus *bus, const char *what)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *w, *who, *why, *mode;
	uint32_t uid, pid;
	int r, count = 0;

	r = sd_bus_call_method(bus, LOGIN1_SERVICE, LOGIN1_PATH, LOGIN1_MANAGER,
			       "ListInhibitors", &error, &reply, "");
	if (r < 0) {
		r = logind_missing(&error) ? -EHOSTDOWN : r;
		goto out;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssssuu)");
	while (r >= 0 &&
	       (r = sd_bus_message_read(reply, "(ssssuu)", &w, &who, &why, &mode, &uid, &pid)) > 0) {
		if (what_contains(w, what)) {
			count++;
			log_msg(LOG_INFO, "inhibitor (%s) by %s: %s", mode, who, why);
		}
	}
	if (r >= 0)
		r = count;
out:
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int shutdown_logind_on_bus(sd_bus *bus, enum shutdown_action action, bool force,
			   unsigned int max_inhibit_wait_s, unsigned int poll_interval_ms)
{
	const char *what = action == SHUTDOWN_HIBERNATE ? "sleep" : "shutdown";
	const char *method = action == SHUTDOWN_POWEROFF ? "PowerOff"
			     : action == SHUTDOWN_REBOOT ? "Reboot"
							 : "Hibernate";
	long long deadline = now_ms() + (long long)max_inhibit_wait_s * 1000;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	if (!force && max_inhibit_wait_s) {
		while ((r = count_inhibitors(bus, what)) > 0 && now_ms() < deadline)
			usleep(poll_interval_ms * 1000);
		if (r == -EHOSTDOWN)
			return r;
		if (r > 0)
			log_msg(LOG_WARNING, "%d inhibitor(s) still held after %u s; going ahead",
				r, max_inhibit_wait_s);
	}
	if (action == SHUTDOWN_HIBERNATE) {
		const char *answer = NULL;

		r = sd_bus_call_method(bus, LOGIN1_SERVICE, LOGIN1_PATH, LOGIN1_MANAGER,
				       "CanHibernate", &error, &reply, "");
		if (r >= 0)
			r = sd_bus_message_read(reply, "s", &answer);
		if (r < 0) {
			r = logind_missing(&error) ? -EHOSTDOWN : r;
			goto out;
		}
		/* "yes" or "challenge" (allowed with authentication; root passes). */
		if (strcmp(answer, "yes") && strcmp(answer, "challenge")) {
			log_msg(LOG_ERR, "logind says CanHibernate=%s", answer);
			r = -ENOTSUP;
			goto out;
		}
		reply = sd_bus_message_unref(reply);
	}
	r = sd_bus_call_method(bus, LOGIN1_SERVICE, LOGIN1_PATH, LOGIN1_MANAGER, method,
			       &error, NULL, "b", 0);
	if (r < 0) {
		if (logind_missing(&error))
			r = -EHOSTDOWN;
		else
			log_msg(LOG_ERR, "logind %s: %s", method,
				error.message ? error.message : strerror(-r));
	}
out:
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

int shutdown_logind_perform(void *ctx, enum shutdown_action action, bool force,
			    unsigned int max_inhibit_wait_s)
{
	sd_bus *bus = NULL;
	int r;

	(void)ctx;
	if (sd_booted() <= 0)
		return -EHOSTDOWN; /* not running systemd */
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return -EHOSTDOWN;
	r = shutdown_logind_on_bus(bus, action, force, max_inhibit_wait_s, 500);
	sd_bus_flush_close_unref(bus);
	return r;
}
