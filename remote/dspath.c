/* SPDX-License-Identifier: MIT */
/* dspath.c --- "[datastore] dir/name.vmdk", as vSphere writes a file's
 * place: checked strictly, since the path goes into URLs and SOAP calls. */
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
