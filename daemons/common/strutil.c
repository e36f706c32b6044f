// SPDX-License-Identifier: GPL-2.0-only
#include "strutil.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

long str_bounded_len(const void *buf, size_t cap)
{
	const char *nul = memchr(buf, '\0', cap);

	return nul ? (long)(nul - (const char *)buf) : -1;
}

bool utf8_valid(const void *buf, size_t len)
{
	const uint8_t *s = buf;
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false; /* continuation byte, 0xc0/0xc1 or > 0xf4 */
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n + 1;
	}
	return true;
}

void str_sanitize_ascii(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '_';
	dst[i] = '\0';
}

int str_format(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int pattern_list_set(struct pattern_list *list, const char *spec)
{
	char *p;

	if (strlen(spec) >= sizeof(list->text))
		return -1;
	memset(list, 0, sizeof(*list));
	strcpy(list->text, spec);
	for (p = strtok(list->text, " ,\t"); p; p = strtok(NULL, " ,\t")) {
		if (list->count == PATTERN_LIST_MAX)
			return -1;
		list->pattern[list->count++] = p;
	}
	return 0;
}

bool pattern_list_match(const struct pattern_list *list, const char *name)
{
	unsigned int i;

	for (i = 0; i < list->count; i++)
		if (fnmatch(list->pattern[i], name, 0) == 0)
			return true;
	return false;
}
