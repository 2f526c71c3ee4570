/* SPDX-License-Identifier: MIT */
/* remote.h --- disks to and from an ESXi or vCenter datastore: uploads
 * through an HttpNfcLease (vSphere's import of a streamOptimized disk),
 * downloads from the datastore's file URL.  Used by the front ends; the
 * copy engine is reached only through libvmdk's public calls. */
#ifndef VMDK_REMOTE_H
#define VMDK_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmdk.h"

/* Where and as whom. */
struct remote_opts {
	const char *host;		/* HOST or HOST:PORT (443) */
	const char *user;
	const char *password;		/* never printed */
	const char *thumbprint;		/* SHA-1 or SHA-256, AA:BB:...; or NULL */
	bool insecure;			/* no certificate check at all */
	const char *datacenter;		/* NULL: the only one */
	const char *pool;		/* NULL: the first host's */
	const char *folder;		/* NULL: the datacenter's VM folder */
	bool overwrite;			/* replace an existing remote disk */
	/* Upload: sectors of the source read so far; fetch: bytes stored.
	 * Nonzero to cancel. */
	vmdk_progress_fn progress;
	void *progress_arg;
	/* Set (by a signal handler) to cancel at the next block sent. */
	const volatile int *cancel;
};

/* The message of the last failure, "what is wrong" without the host. */
const char *remote_errmsg(void);

/* "[datastore] dir/name.vmdk": the datastore's name and the path in it. */
bool remote_is_datastore_path(const char *s);
int remote_parse_datastore_path(const char *s, char **datastore, char **path);

/* Upload @src (its chain flattened) as streamOptimized to @dspath, thin
 * (@thin) or thick on the datastore; @p tunes compression.  Afterwards
 * only the disk is there, at @dspath.  0, or -1 with remote_errmsg(). */
int remote_upload(vmdk_disk *src, const char *dspath, bool thin,
		  const struct vmdk_clone_params *p, const struct remote_opts *o);

/* A download: the disk at @dspath (descriptor, extents, parents on the
 * same datastore) laid out in the directory @dir (which must exist and be
 * empty) as the datastore lays it out, with *@local its descriptor there
 * (free it).  Descriptors and sparse extents are fetched into @dir (zero
 * blocks left as holes; progress counts their bytes); flat extents are
 * not: vmdk_open_fetched() with remote_download_fetcher() reads them from
 * the datastore as the copy goes, in ranged requests resumed after a
 * dropped connection.  0, or -1 with remote_errmsg(); either way
 * remote_download_close() *@out after use. */
struct remote_download;
int remote_download_open(const char *dspath, const char *dir,
			 const struct remote_opts *o, struct remote_download **out,
			 char **local);
const struct vmdk_fetcher *remote_download_fetcher(struct remote_download *d);
/* Why a read through the fetcher failed, or NULL. */
const char *remote_download_error(struct remote_download *d);
void remote_download_close(struct remote_download *d);

/* Remove the directory a download filled, and all in it. */
void remote_remove_tree(const char *dir);

/* A SHA-1 or SHA-256 thumbprint as --thumbprint takes it. */
bool remote_thumbprint_valid(const char *fp);

#endif
