/* SPDX-License-Identifier: MIT */
/* volumes_show.h --- printing what is inside a disk */
#ifndef TOOLS_VOLUMES_SHOW_H
#define TOOLS_VOLUMES_SHOW_H

#include "vmdk.h"

/* vmdk-info's "Volumes:" lines. */
void show_volumes_text(const struct vmdk_volumes *v);
/* One JSON object (no trailing newline); @indent starts continued lines. */
void show_volumes_json(const struct vmdk_volumes *v, const char *indent);
/* vmware-mount -p's table. */
void show_partition_list(const struct vmdk_volumes *v);

#endif
