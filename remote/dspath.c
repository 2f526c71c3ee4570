/* SPDX-License-Identifier: MIT */
/* dspath.c --- "[datastore] dir/name.vmdk", as vSphere writes a file's
 * place: checked strictly, since the path goes into URLs and SOAP calls. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "remote_int.h"

bool remote_is_datastore_path(const char *s)
{
	return s[0] == '[' && strchr(s, ']');
}

static bool clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			return false;
	return true;
}

int remote_parse_datastore_path(const char *s, char **datastore, char **path)
{
	const char *close = strchr(s, ']');
	const char *p = close ? close + 1 : NULL;
	size_t n;

	*datastore = *path = NULL;
	if (!remote_is_datastore_path(s) || close == s + 1)
		return remote_seterr("'%s' is not a datastore path ([datastore] dir/name.vmdk)", s);
	while (*p == ' ')
		p++;
	n = strlen(p);
	if (!clean(s) || memchr(s + 1, '[', (size_t)(close - s - 1)) || !*p ||
	    *p == '/' || n < 6 || strcasecmp(p + n - 5, ".vmdk") || p[n - 6] == '/')
		return remote_seterr("'%s' is not a datastore path ([datastore] dir/name.vmdk)", s);
	for (const char *q = p; *q; ) {
		size_t len = strcspn(q, "/");
		if (len == 0 || (len == 1 && q[0] == '.') || (len == 2 && !strncmp(q, "..", 2)))
			return remote_seterr("'%s': a datastore path has no empty, '.' or '..' parts", s);
		q += len + (q[len] == '/');
	}
	*datastore = strndup(s + 1, (size_t)(close - s - 1));
	*path = strdup(p);
	if (!*datastore || !*path) {
		free(*datastore);
		free(*path);
		*datastore = *path = NULL;
		return remote_seterr("out of memory");
	}
	return 0;
}

/* @name relative to the directory of @from, both in the datastore, with
 * "." and ".." taken out; NULL when it leaves the datastore. */
char *remote_resolve_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *joined, *out, *seg, *save;
	size_t n = 0;

	if (name[0] == '/' || !name[0])
		return NULL;
	if (asprintf(&joined, "%.*s%s%s", slash ? (int)(slash - from) : 0, from,
		     slash ? "/" : "", name) < 0)
		return NULL;
	out = calloc(1, strlen(joined) + 1);
	for (seg = out ? strtok_r(joined, "/", &save) : NULL; seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *up = n ? strrchr(out, '/') : NULL;
			if (!n) {
				free(out);
				out = NULL;
				break;
			}
			n = up ? (size_t)(up - out) : 0;
			out[n] = '\0';
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", seg);
	}
	free(joined);
	if (out && !n) {
		free(out);
		out = NULL;
	}
	return out;
}
