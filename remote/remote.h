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

/* A download: the disk at @dspath read where it lies.  *@name (free
 * it) is what vmdk_open_fetched() opens with remote_download_fetcher():
 * "[datastore]/dir/name.vmdk", its extents and parents named beside it
 * as on the datastore.  Every file is read in ranged requests (resumed
 * after a dropped connection) into bounded read-ahead windows; nothing
 * is stored locally, and parents outside the datastore are refused.
 * 0, or -1 with remote_errmsg(); either way remote_download_close() *@out
 * after use. */
struct remote_download;
int remote_download_open(const char *dspath, const struct remote_opts *o,
			 struct remote_download **out, char **name);
const struct vmdk_fetcher *remote_download_fetcher(struct remote_download *d);
/* Why a read through the fetcher failed, or NULL. */
const char *remote_download_error(struct remote_download *d);
void remote_download_close(struct remote_download *d);

/* A SHA-1 or SHA-256 thumbprint as --thumbprint takes it. */
bool remote_thumbprint_valid(const char *fp);

#endif
