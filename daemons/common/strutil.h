/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * String checks for data that comes from the host or from files other
 * programs write. Nothing here trusts a terminator or a length it did not
 * verify itself.
 */
#ifndef HVG_STRUTIL_H
#define HVG_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the string in buf[0..cap), or -1 if there is no NUL in range. */
long str_bounded_len(const void *buf, size_t cap);

/* True if buf[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const void *buf, size_t len);

/*
 * Copy src into dst (capacity cap, cap > 0) keeping only printable ASCII,
 * replacing anything else with '_', and cutting at cap - 1 bytes. Used for
 * values we report to the host, some of whose tools have misbehaved on long
 * or odd strings (see daemons.md, KB2586286 note).
 */
void str_sanitize_ascii(char *dst, size_t cap, const char *src);

/* snprintf that reports truncation: returns 0 if it fitted, -1 otherwise. */
int str_format(char *dst, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A list of shell-style patterns (fnmatch) separated by spaces or commas,
 * e.g. "veth* docker* cali*". Stored as a copy; up to PATTERN_LIST_MAX.
 */
#define PATTERN_LIST_MAX 32
#define PATTERN_TEXT_MAX 512
struct pattern_list {
	char text[PATTERN_TEXT_MAX];
	const char *pattern[PATTERN_LIST_MAX];
	unsigned int count;
};

int pattern_list_set(struct pattern_list *list, const char *spec);
bool pattern_list_match(const struct pattern_list *list, const char *name);

#endif
