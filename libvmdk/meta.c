/* SPDX-License-Identifier: MIT */
/* meta.c --- the disk database of the top link (VixDiskLib_GetMetadataKeys,
 * ReadMetadata, WriteMetadata).  Keys are given with or without their
 * "ddb." prefix; a write changes one line and keeps the rest of the
 * descriptor byte for byte. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core.h"

static char *ddb_key(const char *key)
{
	char *out;

	if (strncasecmp(key, "ddb.", 4) == 0)
		return strdup(key);
	if (asprintf(&out, "ddb.%s", key) < 0)
		return NULL;
	return out;
}

static bool key_ok(const char *key)
{
	if (!key || !*key)
		return false;
	for (const char *p = key; *p; p++)
		if (*p == '=' || *p == '"' || *p == ' ' || *p == '\t' ||
		    (unsigned char)*p < 0x20)
			return false;
	return true;
}

int vmdk_meta_get(vmdk_disk *d, const char *key, const char **value)
{
	char *k;
	const char *v;

	if (!d || !key_ok(key) || !value)
		return VMDK_E_INVALID_ARG;
	if (!(k = ddb_key(key)))
		return -ENOMEM;
	v = vmdk_desc_get(d->links[0]->desc, k);
	free(k);
	if (!v)
		return vmdk_seterr(&d->eb, -ENOENT, "the disk database has no key \"%s\"", key);
	*value = v;
	return 0;
}

int vmdk_meta_keys(vmdk_disk *d, vmdk_meta_fn fn, void *arg)
{
	const struct vmdk_descriptor *desc;

	if (!d || !fn)
		return VMDK_E_INVALID_ARG;
	desc = d->links[0]->desc;
	for (size_t i = 0; i < desc->nlines; i++)
		if (desc->lines[i].kind == VMDK_LINE_DDB) {
			int rc = fn(arg, desc->lines[i].key, desc->lines[i].value);
			if (rc)
				return rc;
		}
	return 0;
}

/* Fields of the descriptor's header: a ddb key of that name would be
 * read by nobody, and looks like a change that was made. */
static const char *descriptor_field(const char *key)
{
	static const char *const fields[] = {
		"version", "encoding", "CID", "parentCID", "createType",
		"parentFileNameHint", "isNativeSnapshot", "changeTrackPath", NULL };

	if (!strncasecmp(key, "ddb.", 4))
		key += 4;
	for (const char *const *f = fields; *f; f++)
		if (!strcasecmp(key, *f))
			return *f;
	return NULL;
}

static int check_pair(vmdk_disk *d, const char *key, const char *value)
{
	const char *field;

	if (!key_ok(key) || !value || strchr(value, '"') || strpbrk(value, "\r\n"))
		return vmdk_seterr(&d->eb, VMDK_E_INVALID_ARG,
				   "keys take no blanks, '=' or quotes; values no "
				   "quotes or line breaks");
	if ((field = descriptor_field(key)))
		return vmdk_seterr(&d->eb, VMDK_E_INVALID_ARG, "%s is a field of the "
				   "descriptor, not a disk database key%s", field,
				   !strcmp(field, "parentFileNameHint")
				   ? ": 'vmdk-child rebase --unsafe CHILD PARENT' sets it"
				   : "");
	return 0;
}

int vmdk_meta_update(vmdk_disk *d, const char *const *kv)
{
	struct vmdk_link *l;
	int err = 0;

	if (!d || !kv)
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	if (!l->writable)
		return vmdk_seterr_at(&d->eb, VMDK_E_READ_ONLY, l->path,
				      "disk was opened read-only");
	for (size_t i = 0; err == 0 && kv[i]; i += 2)
		err = check_pair(d, kv[i], kv[i + 1]);
	/* All keys change in the model, then one write of the descriptor. */
	for (size_t i = 0; err == 0 && kv[i]; i += 2) {
		char *k = ddb_key(kv[i]);
		err = k ? vmdk_desc_set(l->desc, k, kv[i + 1]) : -ENOMEM;
		free(k);
	}
	if (err == 0)
		err = vmdk_link_store_descriptor(l, &d->eb);
	return err;
}

int vmdk_meta_set(vmdk_disk *d, const char *key, const char *value)
{
	const char *kv[] = { key, value, NULL };

	if (!d)
		return VMDK_E_INVALID_ARG;
	if (!key || !value)
		return check_pair(d, key, value);
	return vmdk_meta_update(d, kv);
}

int vmdk_drop_change_tracking(vmdk_disk *d)
{
	struct vmdk_link *l;
	struct vmdk_txn t;
	int err;

	if (!d)
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	if (!l->writable)
		return vmdk_seterr_at(&d->eb, VMDK_E_READ_ONLY, l->path,
				      "disk was opened read-only");
	vmdk_txn_init(&t, &d->eb);
	err = vmdk_link_untrack(l, &t);
	if (err == 0)
		err = vmdk_link_store_descriptor(l, &d->eb);
	if (err == 0)
		err = vmdk_txn_commit(&t, NULL, false);
	vmdk_txn_end(&t);
	return err;
}
