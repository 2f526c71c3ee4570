/* SPDX-License-Identifier: MIT */
/* ops.c --- the short operations both front ends run: create, grow,
 * rename, shrink and defragment, metadata changes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

int op_create(const char *path, const struct vmdk_create_params *p)
{
	char human[32];
	int err = vmdk_create(path, p);

	if (err < 0) {
		tool_lib_error(path, err, NULL);
		return 1;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("Created %s: %s, %s (%s), adapter %s\n", path,
		       vmdk_type_name(p->type), tool_sectors(p->capacity),
		       tool_human(p->capacity * 512, human, sizeof(human)),
		       vmdk_adapter_name(p->adapter ? p->adapter : VMDK_ADAPTER_LSILOGIC));
	return 0;
}

/* The disk's size now, for the summary only; 0 once the error is told. */
static uint64_t current_capacity(const char *path)
{
	vmdk_disk *d = tool_open(path, VMDK_OPEN_RDONLY);
	struct vmdk_info info = { 0 };

	if (!d)
		return 0;
	vmdk_get_info(d, &info);
	vmdk_close(d);
	return info.capacity;
}

int op_grow(const char *path, uint64_t size, bool relative, bool force_progress)
{
	struct tool_progress prog;
	uint64_t before, after;
	char h[32];
	int err;

	if (tool_break_lock(path) < 0)
		return 1;
	/* For the summary only: the grow reads the size it starts from
	 * itself, under the write lock. */
	before = current_capacity(path);
	if (!before)
		return 1;
	tool_catch_signals();
	tool_progress_init(&prog, "Growing", force_progress);
	err = relative ? vmdk_grow_by(path, size, tool_progress_cb, &prog)
		       : vmdk_grow(path, size, tool_progress_cb, &prog);
	tool_progress_end(&prog);
	if (err < 0) {
		tool_lib_error(path, err, NULL);
		return 1;
	}
	if (verbosity == 0 || !tool_op_summaries || !(after = current_capacity(path)))
		return 0;
	if (after == before)
		printf("%s is %s (%s) already: nothing changed\n", path,
		       tool_sectors(after), tool_human(after * 512, h, sizeof(h)));
	else
		printf("Grew %s to %s (%s)\n", path, tool_sectors(after),
		       tool_human(after * 512, h, sizeof(h)));
	return 0;
}

int op_rename(const char *from, const char *to)
{
	int err;

	tool_describe_path(from);
	if (tool_break_lock(from) < 0)
		return 1;
	tool_catch_signals();	/* a signal waits for the rename to end */
	err = vmdk_rename(from, to);
	if (err < 0) {
		tool_lib_error(from, err, NULL);
		return 1;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("Renamed %s to %s\n", from, to);
	return 0;
}

/* Bytes reclaimed, sizes and fragmentation before and after. */
static void compact_summary(const char *path, const struct vmdk_compact_report *r,
			  bool shrink)
{
	char a[32], b[32], c[32];
	uint64_t gone = r->size_before > r->size_after
			? r->size_before - r->size_after : 0;

	if (verbosity < 1)
		return;
	printf("%s: %s reclaimed", path, tool_human(gone, a, sizeof(a)));
	if (shrink)
		printf(", %" PRIu64 " zero grain%s released", r->released,
		       r->released == 1 ? "" : "s");
	if (r->zero_kept)
		printf(" (%" PRIu64 " kept: they hide the parent's data)", r->zero_kept);
	printf(", %" PRIu64 " grain%s moved\n", r->moved, r->moved == 1 ? "" : "s");
	printf("  size: %s -> %s\n", tool_human(r->size_before, b, sizeof(b)),
	       tool_human(r->size_after, c, sizeof(c)));
	printf("  fragmentation: %" PRIu64 " grain%s out of LBA order, %" PRIu64
	       " free grain%s -> %" PRIu64 " out of order, %" PRIu64 " free\n",
	       r->disorder_before, r->disorder_before == 1 ? "" : "s",
	       r->holes_before, r->holes_before == 1 ? "" : "s",
	       r->disorder_after, r->holes_after);
}

int op_compact(const char *path, bool shrink, bool force_progress)
{
	struct vmdk_compact_report r;
	struct tool_progress prog;
	int err;

	tool_describe_path(path);
	if (tool_break_lock(path) < 0)
		return 1;
	tool_catch_signals();
	tool_progress_init(&prog, shrink ? "Shrinking" : "Defragmenting", force_progress);
	err = shrink ? vmdk_shrink(path, tool_progress_cb, &prog, &r)
		     : vmdk_defragment(path, tool_progress_cb, &prog, &r);
	tool_progress_end(&prog);
	if (err < 0) {
		tool_lib_error(path, err, NULL);
		return 1;
	}
	if (tool_op_summaries)
		compact_summary(path, &r, shrink);
	return 0;
}

void op_kv_add(const char **kv, size_t *n, const char *k, const char *v)
{
	for (size_t i = 0; i < *n; i += 2)
		if (strcmp(kv[i], k) == 0) {
			kv[i + 1] = v;
			return;
		}
	kv[(*n)++] = k;
	kv[(*n)++] = v;
	kv[*n] = NULL;
}

void op_kv_add_geometry(const char **kv, size_t *n, unsigned c, unsigned h,
			unsigned s)
{
	static char geo[3][16];

	snprintf(geo[0], sizeof(geo[0]), "%u", c);
	snprintf(geo[1], sizeof(geo[1]), "%u", h);
	snprintf(geo[2], sizeof(geo[2]), "%u", s);
	op_kv_add(kv, n, "geometry.cylinders", geo[0]);
	op_kv_add(kv, n, "geometry.heads", geo[1]);
	op_kv_add(kv, n, "geometry.sectors", geo[2]);
}

int op_meta_change(const char *path, const char **kv, bool drop_ctk,
		   bool regeometry, int adapter)
{
	struct vmdk_info info;
	size_t n = 0;
	int err = 0;
	vmdk_disk *d;

	/* A signal waits for the change to end and the disk to close. */
	tool_catch_signals();
	d = tool_open(path, VMDK_OPEN_SINGLE_LINK);

	if (!d)
		return 1;
	while (kv[n])
		n += 2;
	if (regeometry) {
		uint32_t c, h, s;
		vmdk_get_info(d, &info);
		vmdk_geometry_for(info.capacity, adapter, &c, &h, &s);
		op_kv_add_geometry(kv, &n, c, h, s);
	}
	if (n)
		err = vmdk_meta_update(d, kv);
	if (err == 0 && drop_ctk)
		err = vmdk_drop_change_tracking(d);
	if (err < 0)
		tool_lib_error(path, err, d);
	if (vmdk_close(d) < 0 && err == 0) {
		tool_warn(path, "closing failed");
		err = -1;
	}
	return err < 0;
}
