/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal streaming JSON writer.
 *
 * Members of an object take a key, elements of an array and the top-level
 * value take NULL.  A newline follows each complete top-level value, so
 * that compact output of several values is NDJSON.
 */
#ifndef JSON_PRINT_H
#define JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	bool pretty;
	unsigned int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing written yet at this level */
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);

#endif /* JSON_PRINT_H */
