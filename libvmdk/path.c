/* SPDX-License-Identifier: MIT */
/* path.c --- file names: directories, joins, the stem of a disk name */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

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

const char *vmdk_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *vmdk_path_stem(const char *path)
{
	size_t n = strlen(path);

	if (n > 5 && strcasecmp(path + n - 5, ".vmdk") == 0)
		n -= 5;
	return strndup(path, n);
}

char *vmdk_path_restem(const char *file, const char *old_stem,
		       const char *new_stem)
{
	size_t n = strlen(old_stem);
	char *out;

	if (strncmp(file, old_stem, n) != 0)
		return strdup(file);
	if (asprintf(&out, "%s%s", new_stem, file + n) < 0)
		return NULL;
	return out;
}
