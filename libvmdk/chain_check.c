/* SPDX-License-Identifier: MIT */
/* chain_check.c --- is a chain of links consistent (vmware-vdiskmanager
 * -e)?  Every link is opened on its own, so that one problem does not
 * hide the next: a missing or unresolvable parent, a parent whose CID is
 * not its child's parentCID, a capacity that differs, a loop, a link of a
 * type we do not know. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core.h"

static int problem(vmdk_check_fn fn, void *arg, unsigned *count, int code,
		   const char *file, const char *fmt, ...) VMDK_PRINTF(6, 7);

static int problem(vmdk_check_fn fn, void *arg, unsigned *count, int code,
		   const char *file, const char *fmt, ...)
{
	char msg[VMDK_ERRMSG_MAX * 2];
	struct vmdk_problem p;
	va_list ap;

	va_start(ap, fmt);
	vmdk_problem_format(&p, msg, sizeof(msg), code, file, fmt, ap);
	va_end(ap);
	(*count)++;
	return fn ? fn(arg, &p) : 0;
}

static uint64_t capacity_of(const struct vmdk_descriptor *d)
{
	uint64_t n = 0;

	for (size_t i = 0; i < vmdk_desc_extent_count(d); i++)
		n += vmdk_desc_extent(d, i)->sectors;
	return n;
}

/* Only the links' descriptors are read: the chain is what they say, and
 * an extent's own damage is the metadata check's to report. */
int vmdk_check_chain(const char *path, vmdk_check_fn fn, void *arg,
		     unsigned *links)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	dev_t dev[VMDK_MAX_CHAIN];
	ino_t ino[VMDK_MAX_CHAIN];
	char *cur = strdup(path), *child_path = NULL;
	struct vmdk_descriptor *child = NULL;
	unsigned count = 0, n = 0;
	int err = cur ? 0 : -ENOMEM;

	while (err == 0 && cur) {
		struct vmdk_descriptor *d;
		struct stat st;
		char *next = NULL, *dir;
		bool loop = false;

		if (n == VMDK_MAX_CHAIN) {
			problem(fn, arg, &count, VMDK_P_CHAIN_LOOP, path,
				"chain deeper than %d links", VMDK_MAX_CHAIN);
			break;
		}
		if (stat(cur, &st) < 0) {
			if (n == 0) {
				err = vmdk_seterr_at(eb, -errno, cur, "%s",
						     vmdk_strerror(-errno));
				break;
			}
			if (vmdk_hint_is_foreign(child->parent_hint))
				problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, child_path,
					"parent \"%s\" does not exist (looked for %s); "
					"'vmdk-child rebase --unsafe %s PARENT' names the "
					"right file", child->parent_hint, cur, child_path);
			else
				problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, child_path,
					"parent %s does not exist; 'vmdk-child rebase "
					"--unsafe %s PARENT' names the right file", cur,
					child_path);
			break;
		}
		for (unsigned i = 0; i < n; i++)
			loop |= dev[i] == st.st_dev && ino[i] == st.st_ino;
		if (loop) {
			problem(fn, arg, &count, VMDK_P_CHAIN_LOOP, child_path,
				"the chain loops back to %s", cur);
			break;
		}
		dev[n] = st.st_dev;
		ino[n] = st.st_ino;
		err = vmdk_descriptor_load(cur, &d, eb);
		if (err < 0) {
			/* A link that does not read ends the walk; a system
			 * failure on the first one is ours. */
			if (n == 0 && err > -1000 && err != -ENOENT)
				break;
			/* A hint may name any file: never quote what it holds. */
			if (n > 0 && (err == VMDK_E_BAD_DESCRIPTOR ||
				      err == VMDK_E_NOT_A_DISK))
				problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, cur,
					"not a VMDK descriptor or sparse disk");
			else
				problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, cur,
					"%s", eb->msg);
			err = 0;
			break;
		}
		n++;
		if (!vmdk_create_type_known(d->create_type))
			problem(fn, arg, &count, VMDK_P_CHAIN_TYPE, cur,
				"link of an unknown type '%s'", d->create_type);
		if (child) {
			uint32_t pending;
			if (child->parent_cid != d->cid &&
			    vmdk_chain_commit_pending(child, &pending) &&
			    pending == d->cid)
				problem(fn, arg, &count, VMDK_P_CHAIN_COMMIT, child_path,
					"a commit into parent %s was cut short: the "
					"child reads as before; run 'vmdk-child "
					"commit' again to finish it", cur);
			else if (child->parent_cid != d->cid)
				problem(fn, arg, &count, VMDK_P_CHAIN_CID, child_path,
					"parent %s changed since the child was created "
					"(parentCID %08x, parent's CID %08x): 'vmdk-child "
					"rebase --unsafe %s %s' accepts it as it is now "
					"(the child keeps its own grains; sectors it does "
					"not hold show the changed parent); a copy of the "
					"parent as it was keeps the child's view exact",
					cur, child->parent_cid, d->cid, child_path, cur);
			if (capacity_of(child) != capacity_of(d))
				problem(fn, arg, &count, VMDK_P_CHAIN_CAPACITY, child_path,
					"capacity %llu sectors differs from its parent's "
					"%llu", (unsigned long long)capacity_of(child),
					(unsigned long long)capacity_of(d));
			vmdk_desc_free(child);
			free(child_path);
		}
		child = d;
		child_path = cur;
		if (d->parent_hint) {
			dir = vmdk_dirname(cur);
			next = dir ? vmdk_parent_path(dir, d->parent_hint) : NULL;
			free(dir);
			if (!next)
				err = -ENOMEM;
		} else if (d->parent_cid != 0xffffffff) {
			problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, cur,
				"has a parentCID but no parent hint");
		}
		cur = next;
	}
	if (cur != child_path)
		free(cur);
	free(child_path);
	vmdk_desc_free(child);
	if (links)
		*links = n;
	return err < 0 ? err : (int)count;
}
