// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Room for the messages of one freeze/thaw cycle; more are counted, not kept. */
#define LOG_HELD_MAX 64
#define LOG_LINE_MAX 256

struct held_message {
	int priority;
	char text[LOG_LINE_MAX];
};

static enum log_target log_target = LOG_TARGET_STDERR;
static bool log_holding;
static unsigned int log_held_used;
static unsigned int log_held_dropped;
static struct held_message log_held[LOG_HELD_MAX];

void log_init(const char *ident, enum log_target target)
{
	log_target = target;
	if (target == LOG_TARGET_SYSLOG)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

static void log_emit(int priority, const char *text)
{
	switch (log_target) {
	case LOG_TARGET_SYSLOG:
		syslog(priority, "%s", text);
		break;
	case LOG_TARGET_STDERR:
		fprintf(stderr, "<%d>%s\n", priority & LOG_PRIMASK, text);
		break;
	case LOG_TARGET_NONE:
		break;
	}
}

void log_msg(int priority, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	if (!log_holding) {
		log_emit(priority, text);
		return;
	}
	if (log_held_used == LOG_HELD_MAX) {
		log_held_dropped++;
		return;
	}
	log_held[log_held_used].priority = priority;
	memcpy(log_held[log_held_used].text, text, sizeof(text));
	log_held_used++;
}

void log_hold(void)
{
	log_holding = true;
}

void log_release(void)
{
	unsigned int i;

	log_holding = false;
	for (i = 0; i < log_held_used; i++)
		log_emit(log_held[i].priority, log_held[i].text);
	if (log_held_dropped)
		log_msg(LOG_WARNING, "%u messages dropped while filesystems were frozen",
			log_held_dropped);
	log_held_used = 0;
	log_held_dropped = 0;
}

bool log_is_held(void)
{
	return log_holding;
}

unsigned int log_held_count(void)
{
	return log_held_used;
}
