// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A configuration file larger than this is certainly a mistake. */
#define CONFIG_MAX_BYTES (64 * 1024)

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_parse_text(const char *name, char *text, config_setter set,
		      void *ctx)
{
	unsigned int line_no = 0;
	char *line = text;

	while (line && *line) {
		char *next = strchr(line, '\n');
		char *eq, *key, *value;

		if (next)
			*next++ = '\0';
		line_no++;
		line = trim(line);
		if (*line == '\0' || *line == '#') {
			line = next;
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			log_msg(LOG_ERR, "%s:%u: expected \"key = value\"", name, line_no);
			return -1;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (*key == '\0') {
			log_msg(LOG_ERR, "%s:%u: empty key", name, line_no);
			return -1;
		}
		if (set(ctx, key, value) < 0) {
			log_msg(LOG_ERR, "%s:%u: invalid setting \"%s\"", name, line_no, key);
			return -1;
		}
		line = next;
	}
	return 0;
}

int config_parse_file(const char *path, bool missing_ok, config_setter set,
		      void *ctx)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int ret;

	if (!f) {
		if (errno == ENOENT && missing_ok)
			return 0;
		log_msg(LOG_ERR, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		return -1;
	}
	len = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f) || len > CONFIG_MAX_BYTES) {
		log_msg(LOG_ERR, "%s: unreadable or larger than %d bytes", path,
			CONFIG_MAX_BYTES);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		log_msg(LOG_ERR, "%s: contains a NUL byte", path);
		free(text);
		return -1;
	}
	ret = config_parse_text(path, text, set, ctx);
	free(text);
	return ret;
}

int config_set_string(char *dst, size_t cap, const char *value)
{
	size_t len = strlen(value);

	if (len >= cap)
		return -1;
	memcpy(dst, value, len + 1);
	return 0;
}

int config_set_bool(bool *dst, const char *value)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) {
		*dst = true;
		return 0;
	}
	if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")) {
		*dst = false;
		return 0;
	}
	return -1;
}

int config_set_uint(unsigned int *dst, const char *value, unsigned int max)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*value))
		return -1;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*dst = (unsigned int)v;
	return 0;
}
