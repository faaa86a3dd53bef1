// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal streaming JSON writer (RFC 8259), compact or pretty-printed
 * with four-space indentation like iproute2.
 */
#include <assert.h>
#include <inttypes.h>

#include "json_print.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
}

static void newline_indent(const struct json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("    ", j->f);
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and key before a new value. */
static void begin_value(struct json *j, const char *key)
{
	if (j->depth) {
		if (!j->empty[j->depth - 1])
			fputc(',', j->f);
		j->empty[j->depth - 1] = false;
		newline_indent(j);
	}
	if (key) {
		put_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void end_value(const struct json *j)
{
	if (!j->depth)
		fputc('\n', j->f);
}

static void open_container(struct json *j, const char *key, char c)
{
	begin_value(j, key);
	fputc(c, j->f);
	assert(j->depth < JSON_MAX_DEPTH);
	j->empty[j->depth++] = true;
}

static void close_container(struct json *j, char c)
{
	assert(j->depth > 0);
	j->depth--;
	if (!j->empty[j->depth])
		newline_indent(j);
	fputc(c, j->f);
	end_value(j);
}

void json_obj_open(struct json *j, const char *key)
{
	open_container(j, key, '{');
}

void json_obj_close(struct json *j)
{
	close_container(j, '}');
}

void json_arr_open(struct json *j, const char *key)
{
	open_container(j, key, '[');
}

void json_arr_close(struct json *j)
{
	close_container(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	begin_value(j, key);
	put_string(j->f, val);
	end_value(j);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	begin_value(j, key);
	fprintf(j->f, "%" PRIu64, val);
	end_value(j);
}
