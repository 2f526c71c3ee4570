/* path.c --- file names: directories, joins, the stem of a disk name */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk_int.h"

char *vmdk_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

char *vmdk_path_join(const char *dir, const char *name)
{
	char *out;

	if (name[0] == '/' || strcmp(dir, ".") == 0)
		return strdup(name);
	if (asprintf(&out, "%s/%s", dir, name) < 0)
		return NULL;
	return out;
}
