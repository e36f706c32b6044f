/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A configuration file held as lines, each either kept byte for byte or
 * replaced by new text (zero, one or more lines). Keeping the untouched lines
 * as they were is what preserves comments, spacing and order; holding the
 * edits per line gives an exact unified diff without a diff algorithm.
 */
#ifndef HVM_TEXT_H
#define HVM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Configuration files are small; a bigger one is surely not ours to edit. */
#define HVM_TEXT_MAX (32u << 20)

struct hvm_line {
	char *text;		/* as read, with its '\n' if it had one */
	size_t len;
	char *repl;		/* NULL: unchanged; else the replacement text */
	size_t repllen;
};

struct hvm_text {
	struct hvm_line *l;
	size_t n;
};

enum hvm_load_status {
	HVM_LOAD_OK,
	HVM_LOAD_MISSING,	/* no such file: nothing to do */
	HVM_LOAD_BINARY,	/* NUL bytes: not a text file, never edited */
	HVM_LOAD_TOOBIG,
	HVM_LOAD_ERROR,		/* errno says why */
};

enum hvm_load_status hvm_text_load(const char *path, struct hvm_text *t);
int hvm_text_from_buf(const char *buf, size_t len, struct hvm_text *t);
void hvm_text_free(struct hvm_text *t);

/* Current content of line i (the replacement if there is one). */
const char *hvm_text_cur(const struct hvm_text *t, size_t i, size_t *len);
/* Set the replacement of line i; a replacement equal to the original is
 * dropped so that "changed" always means a real change. */
int hvm_text_set(struct hvm_text *t, size_t i, const char *s, size_t len);
bool hvm_text_changed(const struct hvm_text *t);
/* Render the new content; *out is malloc'ed. */
int hvm_text_render(const struct hvm_text *t, char **out, size_t *len);
/* Unified diff (diff -u format) of the edits, labelled a/<name>, b/<name>. */
void hvm_text_diff(const struct hvm_text *t, const char *name, FILE *out);

#endif
