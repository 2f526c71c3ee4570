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
	struct vmdk_problem p = { .code = code, .severity = VMDK_SEV_ERROR,
				  .message = msg, .file = file,
				  .offset = VMDK_NO_OFFSET, .gd_index = -1,
				  .gt_index = -1 };
	size_t n = strlen(file);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A library message names the file first: once is enough. */
	if (strncmp(msg, file, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		memmove(msg, msg + n + 2, strlen(msg + n + 2) + 1);
	(*count)++;
	return fn ? fn(arg, &p) : 0;
}

int vmdk_check_chain(const char *path, vmdk_check_fn fn, void *arg,
		     unsigned *links)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	dev_t dev[VMDK_MAX_CHAIN];
	ino_t ino[VMDK_MAX_CHAIN];
	char *cur = strdup(path);
	vmdk_disk *child = NULL;
	unsigned count = 0, n = 0;
	int err = cur ? 0 : -ENOMEM;

	while (err == 0 && cur) {
		struct stat st;
		vmdk_disk *d;
		char *next = NULL;

		if (n == VMDK_MAX_CHAIN) {
			problem(fn, arg, &count, VMDK_P_CHAIN_LOOP, path,
				"chain deeper than %d links", VMDK_MAX_CHAIN);
			break;
		}
		if (stat(cur, &st) < 0) {
			if (n == 0) {
				err = vmdk_seterr(eb, -errno, "%s: %s", cur,
						  vmdk_strerror(-errno));
				break;
			}
			problem(fn, arg, &count, VMDK_P_CHAIN_PARENT,
				child->links[0]->path, "parent %s does not exist", cur);
			break;
		}
		for (unsigned i = 0; i < n; i++)
			if (dev[i] == st.st_dev && ino[i] == st.st_ino) {
				problem(fn, arg, &count, VMDK_P_CHAIN_LOOP,
					child->links[0]->path,
					"the chain loops back to %s", cur);
				free(cur);
				cur = NULL;
				break;
			}
		if (!cur)
			break;
		dev[n] = st.st_dev;
		ino[n] = st.st_ino;
		err = vmdk_open(cur, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d);
		if (err < 0) {
			/* A link that does not open ends the walk; a usage
			 * or system failure on the first one is ours. */
			if (n == 0 && err > -1000 && err != -ENOENT)
				break;
			problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, cur, "%s",
				eb->msg);
			err = 0;
			break;
		}
		n++;
		if (!vmdk_create_type_known(d->links[0]->desc->create_type))
			problem(fn, arg, &count, VMDK_P_CHAIN_TYPE, cur,
				"link of an unknown type '%s'",
				d->links[0]->desc->create_type);
		if (child) {
			const struct vmdk_link *c = child->links[0], *p = d->links[0];
			if (c->desc->parent_cid != p->desc->cid)
				problem(fn, arg, &count, VMDK_P_CHAIN_CID, c->path,
					"parent %s changed since the child was created "
					"(parentCID %08x, parent's CID %08x)",
					p->path, c->desc->parent_cid, p->desc->cid);
			if (c->capacity != p->capacity)
				problem(fn, arg, &count, VMDK_P_CHAIN_CAPACITY, c->path,
					"capacity %llu sectors differs from its parent's "
					"%llu", (unsigned long long)c->capacity,
					(unsigned long long)p->capacity);
			vmdk_close(child);
		}
		child = d;
		if (d->links[0]->desc->parent_hint) {
			const char *h = d->links[0]->desc->parent_hint;
			next = h[0] == '/' ? strdup(h)
					   : vmdk_path_join(d->links[0]->dir, h);
			if (!next)
				err = -ENOMEM;
		} else if (d->links[0]->desc->parent_cid != 0xffffffff) {
			problem(fn, arg, &count, VMDK_P_CHAIN_PARENT, cur,
				"has a parentCID but no parent hint");
		}
		free(cur);
		cur = next;
	}
	free(cur);
	vmdk_close(child);
	if (links)
		*links = n;
	return err < 0 ? err : (int)count;
}
