/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal configuration file reader shared by the daemons.
 *
 * Format: one "key = value" per line; blank lines and lines starting with
 * '#' are ignored; whitespace around key and value is trimmed. Unknown keys
 * are reported by the caller's callback, which decides whether they are an
 * error. A missing file is not an error when the caller allows it (the
 * built-in defaults then apply), so a default install needs no file.
 */
#ifndef HVG_CONFIG_H
#define HVG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Return 0 to accept the pair, -1 to reject it (the parse then fails). */
typedef int (*config_setter)(void *ctx, const char *key, const char *value);

/*
 * Parse @path. Returns 0 on success, -1 on a syntax error, an unknown key
 * or an I/O error (details are logged with the line number).
 */
int config_parse_file(const char *path, bool missing_ok, config_setter set,
		      void *ctx);
/* Parse text already in memory (used by tests and by config_parse_file). */
int config_parse_text(const char *name, char *text, config_setter set,
		      void *ctx);

/* Helpers for setters. Each returns 0 on success, -1 on a bad value. */
int config_set_string(char *dst, size_t cap, const char *value);
int config_set_bool(bool *dst, const char *value);
int config_set_uint(unsigned int *dst, const char *value, unsigned int max);

#endif
