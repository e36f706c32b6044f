/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for the daemons.
 *
 * Messages go to syslog(3) (journald collects it), or to stderr with a
 * "<N>" priority prefix when running in the foreground under systemd,
 * which journald also understands.
 *
 * The VSS daemon must not write anything while filesystems are frozen: a
 * syslog write to a frozen root blocks forever (microsoft/backupessentials#1).
 * log_hold() makes every message go to a fixed in-memory ring instead;
 * log_release() emits what was held, oldest first, after the thaw.
 */
#ifndef HVG_LOG_H
#define HVG_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum log_target {
	LOG_TARGET_SYSLOG,
	LOG_TARGET_STDERR,
	LOG_TARGET_NONE, /* unit tests and fuzzers */
};

void log_init(const char *ident, enum log_target target);
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Buffer messages in memory until log_release(); no I/O in between. */
void log_hold(void);
/* Emit held messages (and a note if some were dropped), then log normally. */
void log_release(void);
bool log_is_held(void);
/* Number of messages currently held; for tests. */
unsigned int log_held_count(void);

#endif
