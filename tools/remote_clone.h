/* SPDX-License-Identifier: MIT */
/* remote_clone.h --- clones to and from a datastore, as vmdk-clone and
 * vmware-vdiskmanager -r run them with a host. */
#ifndef TOOLS_REMOTE_CLONE_H
#define TOOLS_REMOTE_CLONE_H

#include "ops.h"
#include "remote.h"

/* The password from @file (its first line), else $VMDK_PASSWORD, else
 * asked on the terminal; never from the command line.  Exits 2 when
 * there is none. */
void op_remote_password(struct remote_opts *o, const char *file);

/* Where the source of a datastore-to-datastore clone is read, when not
 * as the destination's --host (each NULL: as for the destination; a
 * source host of its own is trusted by its own thumbprint). */
struct remote_source {
	const char *host, *user, *password_file, *thumbprint, *datacenter;
};
void op_remote_source_opts(struct remote_opts *from, const struct remote_opts *o,
			   const struct remote_source *s);

/* Usage checks both front ends share: exits 2 when neither @src nor @dst
 * is a datastore path, a host is missing or left over, or an upload's
 * @type (-1: not given) is not thin or thick. */
void op_remote_usage(const char *src, const char *dst, int type,
		     const struct remote_opts *o);

/* After op_remote_usage() and op_remote_password(): @src to the
 * datastore path @dst (thin or thick, from @type: -1 means not given,
 * thin), the datastore path @src to the local @dst, or one datastore
 * path to another (@source: where the source is, or NULL). */
int op_remote_clone(const char *src, const char *dst, int type,
		    struct vmdk_clone_params *p, int source_format,
		    bool force_progress, struct remote_opts *o,
		    const struct remote_source *source);

#endif
