/* SPDX-License-Identifier: MIT */
/* parent_hint.c --- where a parentFileNameHint leads.  Hints are paths
 * of the machine that wrote them: relative to the child's directory, or
 * absolute; VMware on Windows writes "C:\VMs\base\base.vmdk" or
 * "..\base\base.vmdk".  A Windows path is read with its backslashes as
 * separators, and an absolute one (drive letter or UNC), which cannot
 * exist here, is looked for by its file name beside the child, as a
 * chain copied off a Windows host is laid out.  The CID check still
 * decides whether the file found is the parent. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

static bool windows_absolute(const char *hint)
{
	return (isalpha((unsigned char)hint[0]) && hint[1] == ':') ||
	       (hint[0] == '\\' && hint[1] == '\\');
}

bool vmdk_hint_is_foreign(const char *hint)
{
	return strchr(hint, '\\') || windows_absolute(hint);
}

char *vmdk_parent_path(const char *child_dir, const char *hint)
{
	char *unix_form, *path, *last;

	if (!vmdk_hint_is_foreign(hint))
		return hint[0] == '/' ? strdup(hint) : vmdk_path_join(child_dir, hint);
	if (!(unix_form = strdup(hint)))
		return NULL;
	for (char *p = unix_form; *p; p++)
		if (*p == '\\')
			*p = '/';
	if (!windows_absolute(hint)) {
		path = vmdk_path_join(child_dir, unix_form);
		free(unix_form);
		return path;
	}
	last = strrchr(unix_form, '/');
	path = vmdk_path_join(child_dir, last ? last + 1 : unix_form + 2);
	free(unix_form);
	return path;
}
