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

/* Usage checks both front ends share: exits 2 when @src and @dst do not
 * name exactly one datastore path, a host is missing or left over, or an
 * upload's @type (-1: not given) is not thin or thick. */
void op_remote_usage(const char *src, const char *dst, int type,
		     const struct remote_opts *o);

/* After op_remote_usage() and op_remote_password(): @src to the
 * datastore path @dst (thin or thick, from @type: -1 means
 * not given, thin), or the datastore path @src to the local @dst. */
int op_remote_clone(const char *src, const char *dst, int type,
		    struct vmdk_clone_params *p, int source_format,
		    bool force_progress, struct remote_opts *o);

#endif
