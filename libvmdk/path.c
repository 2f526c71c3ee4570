/* SPDX-License-Identifier: MIT */
/* path.c --- file names: directories, joins, the stem of a disk name,
 * one path relative to another */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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

/* Split an absolute path into its components, in place. */
static size_t components(char *path, char **out, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *c = strtok_r(path, "/", &save); c && n < max;
	     c = strtok_r(NULL, "/", &save))
		out[n++] = c;
	return n;
}

/* @to as a path relative to directory @from_dir when both resolve, so a
 * chain can be moved as a whole; otherwise @to as given. */
char *vmdk_path_relative(const char *from_dir, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX], *ac[256], *bc[256], *out, *to_dir;
	const char *base = strrchr(to, '/') ? strrchr(to, '/') + 1 : to;
	size_t na, nb, k = 0, len = strlen(base) + 1;

	to_dir = vmdk_dirname(to);
	if (!to_dir || !realpath(from_dir, a) || !realpath(to_dir, b)) {
		free(to_dir);
		return strdup(to);
	}
	free(to_dir);
	na = components(a, ac, 256);
	nb = components(b, bc, 256);
	while (k < na && k < nb && strcmp(ac[k], bc[k]) == 0)
		k++;
	len += (na - k) * 3;
	for (size_t i = k; i < nb; i++)
		len += strlen(bc[i]) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = k; i < na; i++)
		strcat(out, "../");
	for (size_t i = k; i < nb; i++) {
		strcat(out, bc[i]);
		strcat(out, "/");
	}
	strcat(out, base);
	return out;
}

bool vmdk_name_expressible(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '"' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int vmdk_name_check(const char *path, struct vmdk_errbuf *eb)
{
	if (vmdk_name_expressible(vmdk_basename(path)))
		return 0;
	return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path,
			      "a descriptor cannot name "
			      "a file with quotes or control characters");
}

bool vmdk_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}
