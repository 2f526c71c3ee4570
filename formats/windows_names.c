/* SPDX-License-Identifier: MIT */
/* windows_names.c --- the names Windows-made images record (VHD, VHDX
 * parent locators): UTF-16 or another encoding made UTF-8 by iconv, and
 * Windows paths made ours. */
#define _GNU_SOURCE
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* @len bytes of @from (an iconv name) as UTF-8; characters that do not
 * convert (unpaired surrogates) are left out. */
char *vmdk_to_utf8(const char *from, const uint8_t *in, size_t len)
{
	iconv_t cd = iconv_open("UTF-8//IGNORE", from);
	size_t out_len = len * 2 + 1, left = out_len - 1;
	char *out = calloc(1, out_len), *o = out, *i = (char *)in;

	if (cd == (iconv_t)-1 || !out) {
		free(out);
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		return NULL;
	}
	iconv(cd, &i, &len, &o, &left);
	*o = '\0';
	iconv_close(cd);
	return out;
}

/* Windows separators made ours; a leading ".\" dropped; for @base_only
 * the last component alone. */
char *vmdk_windows_name(char *name, bool base_only)
{
	char *p, *last;

	if (!name)
		return NULL;
	for (p = name; *p; p++)
		if (*p == '\\')
			*p = '/';
	if (base_only && (last = strrchr(name, '/')))
		memmove(name, last + 1, strlen(last + 1) + 1);
	while (!base_only && strncmp(name, "./", 2) == 0)
		memmove(name, name + 2, strlen(name + 2) + 1);
	if (!*name) {
		free(name);
		return NULL;
	}
	return name;
}

