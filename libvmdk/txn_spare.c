/* SPDX-License-Identifier: MIT */
/* txn_spare.c --- a staged disk of several files moved over an older disk
 * so that its name reads as the old disk or the new one at every instant.
 *
 * A new extent whose name an old file holds would replace that file while
 * the old descriptor still names it: for a moment the old descriptor
 * would read new data.  Such an extent arrives under a spare name
 * instead, which the staged descriptor is edited to name, so the
 * descriptor's rename stays the one commit point.  Afterwards the usual
 * names are linked to the spares, the descriptor naming them replaces the
 * first one in a second rename, and the spares go.  A crash in between
 * leaves the new disk under the spare names, whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* The staged descriptor at @path as text (NUL-terminated), or NULL when
 * it is none (a monolithic disk, whose one file is its commit). */
static char *staged_descriptor(const char *path, size_t *len)
{
	uint64_t size = 0;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && vmdk_file_size(fd, &size) == 0 && size > 0 &&
	    size <= VMDK_MAX_DESCRIPTOR && (text = malloc((size_t)size + 1)) &&
	    vmdk_pread_all(fd, text, (size_t)size, 0) == 0) {
		text[size] = '\0';
		*len = (size_t)size;
	} else {
		free(text);
		text = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (text && memchr(text, '\0', (size_t)size)) {
		/* A binary file (a sparse header) is no text descriptor. */
		free(text);
		text = NULL;
	}
	return text;
}

/* @text written to @tmp, synced, and renamed over @path. */
static int replace_file(const char *tmp, const char *path, const char *text, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = fd < 0 ? -errno : vmdk_write_all(fd, text, len);

	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

int vmdk_spare_plan(struct vmdk_txn *t, const char *dir, const char *main_name,
		    const struct vmdk_strv *arriving, struct vmdk_spare_plan *p)
{
	struct vmdk_descriptor *d = NULL;
	char *staged = NULL, *tmp = NULL, *text, *edited = NULL;
	size_t len = 0, elen;
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (asprintf(&staged, "%s/%s", t->stage_dir, main_name) < 0)
		return -ENOMEM;
	text = staged_descriptor(staged, &len);
	if (!text || vmdk_desc_parse(text, len, &d, &(struct vmdk_errbuf){ .msg = "" }) < 0)
		goto out;	/* nothing to plan: moves go as they are */
	for (size_t i = 0; err == 0 && i < vmdk_desc_extent_count(d); i++) {
		const char *file = vmdk_desc_extent(d, i)->file;
		char *there = NULL, *spare = NULL;
		bool arrives = false;
		for (size_t j = 0; file && j < arriving->n; j++)
			arrives |= strcmp(arriving->v[j], file) == 0;
		if (!arrives)
			continue;
		if (asprintf(&there, "%s/%s", dir, file) < 0)
			err = -ENOMEM;
		else if (access(there, F_OK) == 0 &&
			 asprintf(&spare, SPARE_PREFIX "%s-%s",
				  vmdk_basename(t->stage_dir) + strlen(STAGE_PREFIX), file) < 0)
			err = -ENOMEM;
		if (err == 0 && spare && (err = vmdk_strv_push(&p->names, file)) == 0 &&
		    (err = vmdk_strv_push(&p->spares, spare)) == 0)
			err = vmdk_desc_set_extent_file(d, i, spare);
		free(there);
		free(spare);
	}
	if (err == 0 && p->names.n) {
		edited = vmdk_desc_serialize(d, &elen);
		if (!edited || asprintf(&tmp, "%s/.spare-edit", t->stage_dir) < 0)
			err = -ENOMEM;
		else
			err = replace_file(tmp, staged, edited, elen);
		if (err == 0) {
			p->final_text = text;	/* the descriptor as made */
			p->final_len = len;
			text = NULL;
		}
	}
out:
	if (err < 0) {
		vmdk_spare_free(p);
		err = vmdk_seterr_at(t->eb, err, staged, "naming its extents apart: %s",
				     vmdk_strerror(err));
	}
	vmdk_desc_free(d);
	free(edited);
	free(text);
	free(tmp);
	free(staged);
	return err;
}

const char *vmdk_spare_for(const struct vmdk_spare_plan *p, const char *name)
{
	for (size_t i = 0; i < p->names.n; i++)
		if (strcmp(p->names.v[i], name) == 0)
			return p->spares.v[i];
	return name;
}

int vmdk_spare_settle(struct vmdk_txn *t, const char *dir, const char *dst,
		      struct vmdk_spare_plan *p)
{
	char *usual = NULL, *spare = NULL, *tmp = NULL;
	int err = 0;

	if (!p->names.n)
		return 0;
	/* The old files of these names are named by no descriptor now. */
	for (size_t i = 0; err == 0 && i < p->names.n; i++) {
		if (asprintf(&usual, "%s/%s", dir, p->names.v[i]) < 0 ||
		    asprintf(&spare, "%s/%s", dir, p->spares.v[i]) < 0)
			err = -ENOMEM;
		else if ((unlink(usual) < 0 && errno != ENOENT) || link(spare, usual) < 0)
			err = -errno;
		free(usual);
		free(spare);
		usual = spare = NULL;
	}
	if (err == 0)
		err = vmdk_fsync_dir_of(dst);
	if (err == 0 && asprintf(&tmp, "%s/.spare-final", t->stage_dir) < 0)
		err = -ENOMEM;
	if (err == 0)
		err = replace_file(tmp, dst, p->final_text, p->final_len);
	if (err == 0)
		err = vmdk_fsync_dir_of(dst);
	/* Left under the spare names when a link cannot be made (a file
	 * system without hard links): the disk reads whole either way. */
	for (size_t i = 0; err == 0 && i < p->spares.n; i++)
		if (asprintf(&spare, "%s/%s", dir, p->spares.v[i]) >= 0) {
			unlink(spare);
			free(spare);
		}
	if (err == 0)
		vmdk_fsync_dir_of(dst);
	free(tmp);
	return 0;
}

void vmdk_spare_free(struct vmdk_spare_plan *p)
{
	vmdk_strv_free(&p->names);
	vmdk_strv_free(&p->spares);
	free(p->final_text);
	memset(p, 0, sizeof(*p));
}
