/* SPDX-License-Identifier: MIT */
/* descriptor_rebuild.c --- a damaged embedded descriptor written again:
 * the type, capacity and extent from the file's header, and whatever
 * lines of the old text still read whole (content IDs, the parent's
 * name, ddb keys).  Whether the disk has a parent is never guessed: a
 * child rebuilt as a base disk would read zeros where its parent's data
 * is. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != '\t')
			return false;
	return true;
}

static bool wanted(const char *key)
{
	return strcasecmp(key, "CID") == 0 || strcasecmp(key, "parentCID") == 0 ||
	       strcasecmp(key, "parentFileNameHint") == 0 ||
	       strncasecmp(key, "ddb.", 4) == 0;
}

/* Each line of @old that reads whole as a key we keep, set in @d (a
 * later line of a key wins, as it would have been damage before). */
static int take_survivors(struct vmdk_descriptor *d, const char *old, size_t len)
{
	const char *p = old, *end = old + len;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((e ? e : end) - p);
		struct vmdk_descriptor *one;
		struct vmdk_errbuf eb;
		char *text = NULL;
		int err = 0;

		if (n && p[n - 1] == '\r')
			n--;
		/* A line alone, parsed behind a createType of its own. */
		if (n && printable(p, n) &&
		    asprintf(&text, "createType=\"x\"\n%.*s\n", (int)n, p) >= 0 &&
		    vmdk_desc_parse(text, strlen(text), &one, &eb) == 0) {
			const struct vmdk_line *l = one->nlines > 1 ? &one->lines[1] : NULL;
			if (l && (l->kind == VMDK_LINE_HEADER || l->kind == VMDK_LINE_DDB) &&
			    wanted(l->key) && *l->value)
				err = vmdk_desc_set(d, l->key, l->value);
			vmdk_desc_free(one);
		}
		free(text);
		if (err < 0)
			return err;
		p = e ? e + 1 : end;
	}
	return 0;
}

/* ddb keys a disk has, where nothing of the old ones survived. */
static int add_defaults(struct vmdk_descriptor *d, uint64_t capacity)
{
	char v[3][16];
	uint32_t c, h, s;
	const char *adapter = vmdk_desc_get(d, "ddb.adapterType");
	int err = 0;

	if (!adapter) {
		adapter = vmdk_adapter_name(VMDK_ADAPTER_LSILOGIC);
		err = vmdk_desc_set(d, "ddb.adapterType", adapter);
	}
	vmdk_geometry(capacity, strcasecmp(adapter, "ide") == 0 ? VMDK_ADAPTER_IDE
		      : VMDK_ADAPTER_LSILOGIC, &c, &h, &s);
	snprintf(v[0], sizeof(v[0]), "%u", c);
	snprintf(v[1], sizeof(v[1]), "%u", h);
	snprintf(v[2], sizeof(v[2]), "%u", s);
	if (err == 0 && !vmdk_desc_get(d, "ddb.geometry.cylinders"))
		err = vmdk_desc_set(d, "ddb.geometry.cylinders", v[0]);
	if (err == 0 && !vmdk_desc_get(d, "ddb.geometry.heads"))
		err = vmdk_desc_set(d, "ddb.geometry.heads", v[1]);
	if (err == 0 && !vmdk_desc_get(d, "ddb.geometry.sectors"))
		err = vmdk_desc_set(d, "ddb.geometry.sectors", v[2]);
	if (err == 0 && !vmdk_desc_get(d, "ddb.virtualHWVersion"))
		err = vmdk_desc_set(d, "ddb.virtualHWVersion", "4");
	return err;
}

/* The disk's parent, from what survived; NULL when it cannot be known. */
static const char *parent_known(struct vmdk_descriptor *d)
{
	bool cid = vmdk_desc_get(d, "parentCID") != NULL;

	if (!cid)
		return d->parent_hint ? "the parent's content ID (parentCID) is lost"
		       : "whether it has a parent is lost with it (no parentCID line "
			 "reads whole)";
	if (d->parent_cid != 0xffffffff && !d->parent_hint)
		return "its parent's name (parentFileNameHint) is lost";
	return NULL;
}

static char *skeleton(const struct vmdk_embedded *e, const char *name)
{
	const struct vmdk_type_def *t = vmdk_type_def(e->type);
	char *text;

	if (asprintf(&text, "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n"
		     "CID=%08x\ncreateType=\"%s\"\n\n# Extent description\n"
		     "RW %llu SPARSE \"%s\"\n\n# The Disk Data Base\n#DDB\n\n",
		     vmdk_random32() & 0xfffffffd, t->create_type,
		     (unsigned long long)e->capacity, name) < 0)
		return NULL;
	return text;
}

int vmdk_descriptor_rebuild(const char *old, size_t len,
			    const struct vmdk_embedded *e, const char *name,
			    bool assume_no_parent, char **out, const char **why)
{
	struct vmdk_descriptor *d = NULL;
	struct vmdk_errbuf eb;
	char *text = skeleton(e, name), *full = NULL;
	size_t n = 0;
	int err = text ? vmdk_desc_parse(text, strlen(text), &d, &eb) : -ENOMEM;

	*out = NULL;
	*why = NULL;
	free(text);
	text = NULL;
	if (err == 0)
		err = take_survivors(d, old, len);
	if (err == 0 && (*why = parent_known(d)) != NULL && assume_no_parent) {
		*why = NULL;
		err = vmdk_desc_set(d, "parentCID", "ffffffff");
		if (err == 0)
			err = vmdk_desc_remove(d, "parentFileNameHint");
		d->parent_cid = 0xffffffff;
	}
	if (err == 0 && *why) {
		vmdk_desc_free(d);
		return 1;
	}
	if (err == 0 && d->parent_cid == 0xffffffff)
		err = vmdk_desc_remove(d, "parentFileNameHint");
	/* The smallest text first: what survived; the defaults if they fit. */
	if (err == 0 && !(text = vmdk_desc_serialize(d, &n)))
		err = -ENOMEM;
	if (err == 0 && n >= e->len) {
		*why = "what survives of it does not fit in its area";
		free(text);
		vmdk_desc_free(d);
		return 1;
	}
	if (err == 0 && add_defaults(d, e->capacity) == 0 &&
	    (full = vmdk_desc_serialize(d, &n)) && n < e->len) {
		free(text);
		text = full;
	} else {
		free(full);
	}
	vmdk_desc_free(d);
	if (err < 0) {
		free(text);
		return err;
	}
	*out = text;
	return 0;
}
