// SPDX-License-Identifier: GPL-2.0-or-later
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hvm_text_free(struct hvm_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->l[i].text);
		free(t->l[i].repl);
	}
	free(t->l);
	t->l = NULL;
	t->n = 0;
}

int hvm_text_from_buf(const char *buf, size_t len, struct hvm_text *t)
{
	size_t cap = 0, start = 0;

	t->l = NULL;
	t->n = 0;
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) + 1 : len;
		struct hvm_line *line;

		if (t->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct hvm_line *nl2 = realloc(t->l, ncap * sizeof(*nl2));

			if (!nl2)
				goto oom;
			t->l = nl2;
			cap = ncap;
		}
		line = &t->l[t->n];
		line->len = end - start;
		line->text = malloc(line->len + 1);
		if (!line->text)
			goto oom;
		memcpy(line->text, buf + start, line->len);
		line->text[line->len] = '\0';
		line->repl = NULL;
		line->repllen = 0;
		t->n++;
		start = end;
	}
	return 0;
oom:
	hvm_text_free(t);
	errno = ENOMEM;
	return -1;
}

enum hvm_load_status hvm_text_load(const char *path, struct hvm_text *t)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r;

	t->l = NULL;
	t->n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? HVM_LOAD_MISSING : HVM_LOAD_ERROR;
	if (fstat(fd, &st) < 0)
		goto err;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return HVM_LOAD_ERROR;
	}
	if ((unsigned long long)st.st_size > HVM_TEXT_MAX) {
		close(fd);
		return HVM_LOAD_TOOBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto err;
	/* read to EOF rather than trusting st_size, which may be stale */
	for (;;) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > (size_t)st.st_size) {
			close(fd);
			free(buf);
			return HVM_LOAD_TOOBIG;
		}
	}
	close(fd);
	if (memchr(buf, '\0', got)) {
		free(buf);
		return HVM_LOAD_BINARY;
	}
	r = hvm_text_from_buf(buf, got, t);
	free(buf);
	return r ? HVM_LOAD_ERROR : HVM_LOAD_OK;
err:
	r = errno;
	close(fd);
	free(buf);
	errno = r;
	return HVM_LOAD_ERROR;
}

const char *hvm_text_cur(const struct hvm_text *t, size_t i, size_t *len)
{
	const struct hvm_line *l = &t->l[i];

	if (l->repl) {
		*len = l->repllen;
		return l->repl;
	}
	*len = l->len;
	return l->text;
}

int hvm_text_set(struct hvm_text *t, size_t i, const char *s, size_t len)
{
	struct hvm_line *l = &t->l[i];
	char *copy;

	if (len == l->len && !memcmp(s, l->text, len)) {
		free(l->repl);
		l->repl = NULL;
		l->repllen = 0;
		return 0;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	free(l->repl);
	l->repl = copy;
	l->repllen = len;
	return 0;
}

bool hvm_text_changed(const struct hvm_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->l[i].repl)
			return true;
	return false;
}

int hvm_text_render(const struct hvm_text *t, char **out, size_t *len)
{
	size_t total = 0, at = 0;
	char *buf;

	for (size_t i = 0; i < t->n; i++) {
		size_t n;

		hvm_text_cur(t, i, &n);
		total += n;
	}
	buf = malloc(total + 1);
	if (!buf)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t n;
		const char *s = hvm_text_cur(t, i, &n);

		memcpy(buf + at, s, n);
		at += n;
	}
	buf[at] = '\0';
	*out = buf;
	*len = total;
	return 0;
}

/* Count lines in a block of text; a trailing fragment without '\n' counts. */
static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len && s[len - 1] != '\n')
		n++;
	return n;
}

static void emit(FILE *out, char mark, const char *s, size_t len)
{
	size_t start = 0;

	while (start < len) {
		const char *nl = memchr(s + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - s) : len;

		fputc(mark, out);
		fwrite(s + start, 1, end - start, out);
		fputc('\n', out);
		if (!nl)
			fputs("\\ No newline at end of file\n", out);
		start = end + 1;
	}
}

void hvm_text_diff(const struct hvm_text *t, const char *name, FILE *out)
{
	const size_t ctx = 3;
	size_t *newno, i = 0;
	bool header = false;

	/* newno[j]: line number in the new file where old line j's text starts */
	newno = malloc((t->n + 1) * sizeof(*newno));
	if (!newno)
		return;
	newno[0] = 1;
	for (size_t j = 0; j < t->n; j++)
		newno[j + 1] = newno[j] + (t->l[j].repl ?
			count_lines(t->l[j].repl, t->l[j].repllen) : 1);

	while (i < t->n) {
		size_t first, last, from, to, new_n;

		if (!t->l[i].repl) {
			i++;
			continue;
		}
		/* one hunk while the next change is within 2*ctx lines */
		first = last = i;
		for (size_t j = i + 1; j < t->n && j <= last + 2 * ctx; j++)
			if (t->l[j].repl)
				last = j;
		from = first >= ctx ? first - ctx : 0;
		to = last + ctx < t->n ? last + ctx : t->n - 1;
		new_n = newno[to + 1] - newno[from];
		if (!header) {
			fprintf(out, "--- a/%s\n+++ b/%s\n", name, name);
			header = true;
		}
		/* diff -u writes start-1 for an empty range */
		fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", from + 1, to - from + 1,
			new_n ? newno[from] : newno[from] - 1, new_n);
		for (size_t j = from; j <= to; j++) {
			if (t->l[j].repl) {
				emit(out, '-', t->l[j].text, t->l[j].len);
				emit(out, '+', t->l[j].repl, t->l[j].repllen);
			} else {
				emit(out, ' ', t->l[j].text, t->l[j].len);
			}
		}
		i = to + 1;
	}
	free(newno);
}
