/* SPDX-License-Identifier: MIT */
/* volumes.c --- the partition table and filesystems inside a disk
 *
 * libblkid probes a file descriptor, not a callback, so it is given a
 * sparse memory file as long as the disk (or a partition) into which the
 * windows where signatures live are copied from the disk.  Partition
 * tables are probed in rounds: each logical partition found names the
 * sectors around it where the next extended boot record may be, and the
 * table is probed again until no partition is new.  Each partition's
 * content is then probed on a file of its own, freed before the next, so
 * memory is a few MiB whatever the capacity. */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

#define HEAD_WINDOW (8ull << 20)	/* superblocks, GPT, FAT root */
#define TAIL_WINDOW (1ull << 20)	/* backup GPT, end-of-device labels */
#define EBR_WINDOW (2ull << 20)		/* around a logical partition */
#define COPY_CHUNK (256u << 10)
#define MAX_ROUNDS 130			/* logical partitions are found one a round */
#define MAX_PARTS 256
#define MAX_WINDOWS (2 + 2 * MAX_PARTS)

/* A sparse memory file standing for @bytes of the disk from @base. */
struct window_file {
	vmdk_disk *d;
	int fd;
	uint64_t base, bytes;
	void *buf;
	unsigned n;
	struct { uint64_t off, len; } done[MAX_WINDOWS];
};

static int window_file_open(struct window_file *w, vmdk_disk *d,
			    uint64_t base, uint64_t bytes)
{
	memset(w, 0, sizeof(*w));
	w->d = d;
	w->base = base;
	w->bytes = bytes;
	w->fd = memfd_create("vmdk-volume", MFD_CLOEXEC);
	if (w->fd < 0)
		return vmdk_seterr(&d->eb, -errno, "cannot make a probe file: %s",
				   strerror(errno));
	w->buf = malloc(COPY_CHUNK);
	if (!w->buf || ftruncate(w->fd, (off_t)bytes) < 0) {
		int err = w->buf ? -errno : -ENOMEM;
		close(w->fd);
		free(w->buf);
		return vmdk_seterr(&d->eb, err, "cannot make a probe file: %s",
				   strerror(-err));
	}
	return 0;
}

static void window_file_close(struct window_file *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	w->fd = -1;
	w->buf = NULL;
}

static bool window_done(const struct window_file *w, uint64_t off, uint64_t len)
{
	for (unsigned i = 0; i < w->n; i++)
		if (off >= w->done[i].off && off + len <= w->done[i].off + w->done[i].len)
			return true;
	return false;
}

/* Copy [@off, @off + @len) of the file's range from the disk (clipped to
 * the range, whole sectors), leaving zeros as holes.  @return 1 when
 * something new was copied, 0 when it already was, or a negative error. */
static int window_copy(struct window_file *w, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (off >= w->bytes)
		return 0;
	end = off + len > w->bytes || off + len < off ? w->bytes : off + len;
	off &= ~(VMDK_SECTOR - 1);
	end = (end + VMDK_SECTOR - 1) & ~(VMDK_SECTOR - 1);
	if (end > w->bytes)	/* a last partial sector of a partition */
		end = w->bytes & ~(VMDK_SECTOR - 1);
	if (end <= off || window_done(w, off, end - off))
		return 0;
	for (uint64_t at = off; at < end;) {
		size_t n = (size_t)(end - at < COPY_CHUNK ? end - at : COPY_CHUNK);
		int err = vmdk_read(w->d, (w->base + at) / VMDK_SECTOR,
				    n / VMDK_SECTOR, w->buf);
		if (err)
			return err;
		if (!vmdk_is_zero(w->buf, n)) {
			err = vmdk_pwrite_all(w->fd, w->buf, n, at);
			if (err)
				return vmdk_seterr(&w->d->eb, err,
						   "cannot fill a probe file: %s",
						   strerror(-err));
		}
		at += n;
	}
	if (w->n < MAX_WINDOWS) {
		w->done[w->n].off = off;
		w->done[w->n].len = end - off;
		w->n++;
	}
	return 1;
}

static blkid_probe new_probe(vmdk_disk *d, const struct window_file *w,
			     bool partitions, bool superblocks)
{
	blkid_probe pr = blkid_new_probe();

	if (!pr) {
		vmdk_seterr(&d->eb, -ENOMEM, "libblkid: no memory for a probe");
		return NULL;
	}
	if (blkid_probe_set_device(pr, w->fd, 0, (blkid_loff_t)w->bytes) < 0) {
		blkid_free_probe(pr);
		vmdk_seterr(&d->eb, -EIO, "libblkid cannot use the probe file");
		return NULL;
	}
	blkid_probe_set_sectorsize(pr, VMDK_SECTOR);
	blkid_probe_enable_partitions(pr, partitions);
	if (partitions)
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	blkid_probe_enable_superblocks(pr, superblocks);
	if (superblocks)
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_DEFAULT |
						  BLKID_SUBLKS_USAGE |
						  BLKID_SUBLKS_VERSION);
	return pr;
}

static void lookup(blkid_probe pr, const char *name, char *out, size_t size)
{
	const char *v;
	size_t len;

	if (blkid_probe_lookup_value(pr, name, &v, &len) == 0)
		snprintf(out, size, "%s", v);
}

static void read_content(blkid_probe pr, int rc, struct vmdk_content *c)
{
	char bs[24] = "";

	memset(c, 0, sizeof(*c));
	if (rc == -2) {
		c->ambiguous = true;
		return;
	}
	if (rc != 0)
		return;
	lookup(pr, "TYPE", c->type, sizeof(c->type));
	lookup(pr, "USAGE", c->usage, sizeof(c->usage));
	lookup(pr, "LABEL", c->label, sizeof(c->label));
	lookup(pr, "UUID", c->uuid, sizeof(c->uuid));
	lookup(pr, "VERSION", c->version, sizeof(c->version));
	lookup(pr, "BLOCK_SIZE", bs, sizeof(bs));
	c->block_size = (uint32_t)strtoul(bs, NULL, 10);
}

/* Names for the partition types people meet in virtual disks. */
static const struct { const char *type, *name; } type_names[] = {
	{ "0x01", "FAT12" }, { "0x04", "FAT16 <32M" }, { "0x05", "Extended" },
	{ "0x06", "FAT16" }, { "0x07", "HPFS/NTFS/exFAT" },
	{ "0x0b", "W95 FAT32" }, { "0x0c", "W95 FAT32 (LBA)" },
	{ "0x0e", "W95 FAT16 (LBA)" }, { "0x0f", "W95 Ext'd (LBA)" },
	{ "0x27", "Hidden NTFS WinRE" }, { "0x82", "Linux swap" },
	{ "0x83", "Linux" }, { "0x85", "Linux extended" }, { "0x8e", "Linux LVM" },
	{ "0xa5", "FreeBSD" }, { "0xee", "GPT" }, { "0xef", "EFI (FAT-12/16/32)" },
	{ "0xfd", "Linux raid autodetect" },
	{ "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI System" },
	{ "21686148-6449-6e6f-744e-656564454649", "BIOS boot" },
	{ "0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem" },
	{ "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap" },
	{ "e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM" },
	{ "a19d880f-05fc-4d3b-a006-743f0f84911e", "Linux RAID" },
	{ "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "Linux root (x86-64)" },
	{ "933ac7e1-2eb4-4f13-b844-0e14e2aef915", "Linux home" },
	{ "bc13c2ff-59e6-4262-a352-b275fd6f7172", "Linux extended boot" },
	{ "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data" },
	{ "e3c9e316-0b5c-4db8-817d-f92df00215ae", "Microsoft reserved" },
	{ "de94bba4-06d1-4d40-a16a-bfd50179d6ac", "Windows recovery environment" },
	{ "516e7cb4-6ecf-11d6-8ff8-00022d09712b", "FreeBSD data" },
	{ "48465300-0000-11aa-aa11-00306543ecac", "Apple HFS/HFS+" },
};

static const char *type_name(const char *type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (!strcasecmp(type_names[i].type, type))
			return type_names[i].name;
	return "";
}

static void read_partition(blkid_partition p, struct vmdk_partition *out)
{
	const char *s;

	memset(out, 0, sizeof(*out));
	out->number = (unsigned)blkid_partition_get_partno(p);
	out->start = (uint64_t)blkid_partition_get_start(p);
	out->sectors = (uint64_t)blkid_partition_get_size(p);
	out->kind = blkid_partition_is_extended(p) ? VMDK_PART_EXTENDED :
		    blkid_partition_is_logical(p) ? VMDK_PART_LOGICAL :
		    VMDK_PART_PRIMARY;
	if ((s = blkid_partition_get_type_string(p)))
		snprintf(out->type, sizeof(out->type), "%s", s);
	else
		snprintf(out->type, sizeof(out->type), "0x%02x",
			 (unsigned)blkid_partition_get_type(p) & 0xff);
	out->type_name = type_name(out->type);
	if ((s = blkid_partition_get_name(p)))
		snprintf(out->name, sizeof(out->name), "%s", s);
	if ((s = blkid_partition_get_uuid(p)))
		snprintf(out->uuid, sizeof(out->uuid), "%s", s);
}

/* Windows where the extended boot records of an MBR's logical
 * partitions may be: the first sectors of the extended partition, and
 * the sectors before and after each logical one (the next record
 * usually follows the partition, its own one sits before it). */
static int copy_ebr_windows(struct window_file *w, blkid_partlist pl)
{
	int added = 0, n = blkid_partlist_numof_partitions(pl);

	for (int i = 0; i < n && i < MAX_PARTS; i++) {
		blkid_partition p = blkid_partlist_get_partition(pl, i);
		uint64_t start = (uint64_t)blkid_partition_get_start(p) * VMDK_SECTOR;
		uint64_t end = start + (uint64_t)blkid_partition_get_size(p) * VMDK_SECTOR;
		int r[3] = { 0, 0, 0 };

		if (blkid_partition_is_extended(p)) {
			r[0] = window_copy(w, start, 64 << 10);
		} else if (blkid_partition_is_logical(p)) {
			uint64_t before = start > EBR_WINDOW ? start - EBR_WINDOW : 0;
			r[0] = window_copy(w, before, start - before);
			r[1] = window_copy(w, end, EBR_WINDOW);
		}
		for (int k = 0; k < 3; k++) {
			if (r[k] < 0)
				return r[k];
			added += r[k];
		}
	}
	return added;
}

static int probe_table(vmdk_disk *d, struct window_file *w)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		blkid_probe pr = new_probe(d, w, true, false);
		blkid_partlist pl;
		int added = 0;

		if (!pr)
			return -ENOMEM;
		if (blkid_do_safeprobe(pr) == 0 && (pl = blkid_probe_get_partitions(pr)))
			added = copy_ebr_windows(w, pl);
		blkid_free_probe(pr);
		if (added <= 0)
			return added;
	}
	return 0;
}

static int probe_partition(vmdk_disk *d, uint64_t capacity_bytes,
			   struct vmdk_partition *p)
{
	struct window_file w;
	uint64_t base = p->start * VMDK_SECTOR, bytes = p->sectors * VMDK_SECTOR;
	blkid_probe pr;
	int err;

	if (p->kind == VMDK_PART_EXTENDED || base >= capacity_bytes || !bytes)
		return 0;
	if (bytes > capacity_bytes - base)	/* a table naming space past the end */
		bytes = capacity_bytes - base;
	err = window_file_open(&w, d, base, bytes);
	if (err)
		return err;
	err = window_copy(&w, 0, HEAD_WINDOW);
	if (err >= 0 && bytes > TAIL_WINDOW)
		err = window_copy(&w, bytes - TAIL_WINDOW, TAIL_WINDOW);
	if (err >= 0) {
		err = 0;
		if ((pr = new_probe(d, &w, false, true))) {
			read_content(pr, blkid_do_safeprobe(pr), &p->content);
			blkid_free_probe(pr);
		} else {
			err = -ENOMEM;
		}
	}
	window_file_close(&w);
	return err;
}

/* The table and the whole disk's content, from the final probe. */
static int read_table(blkid_probe pr, int rc, struct vmdk_volumes **vp)
{
	struct vmdk_volumes *v = *vp;
	blkid_partlist pl;
	int n;

	read_content(pr, rc, &v->whole);
	if (rc == -2)
		snprintf(v->problem, sizeof(v->problem), "two signatures claim the "
			 "disk's start (a partition table and a filesystem, or two "
			 "filesystems): neither is trusted");
	else if (rc < 0)
		snprintf(v->problem, sizeof(v->problem), "the partition table "
			 "cannot be read (damaged)");
	if (rc != 0)
		return 0;
	lookup(pr, "PTTYPE", v->table, sizeof(v->table));
	lookup(pr, "PTUUID", v->table_id, sizeof(v->table_id));
	if (!strcmp(v->table, "PMBR"))
		snprintf(v->problem, sizeof(v->problem), "a protective MBR but no "
			 "valid GPT header in either copy (damaged GPT)");
	if (!*v->table || !(pl = blkid_probe_get_partitions(pr)))
		return 0;
	n = blkid_partlist_numof_partitions(pl);
	if (n > MAX_PARTS)
		n = MAX_PARTS;
	if (n > 0) {
		v = realloc(v, sizeof(*v) + (size_t)n * sizeof(v->part[0]));
		if (!v)
			return -ENOMEM;
		*vp = v;
	}
	for (int i = 0; i < n; i++)
		read_partition(blkid_partlist_get_partition(pl, i), &v->part[v->count++]);
	/* A whole-disk signature under a table is the table's own. */
	if (v->count)
		memset(&v->whole, 0, sizeof(v->whole));
	return 0;
}

int vmdk_volumes(vmdk_disk *d, struct vmdk_volumes **out)
{
	struct vmdk_volumes *v;
	struct window_file w;
	uint64_t bytes;
	blkid_probe pr;
	int err;

	if (!d || !out)
		return VMDK_E_INVALID_ARG;
	*out = NULL;
	bytes = d->links[0]->capacity * VMDK_SECTOR;
	v = calloc(1, sizeof(*v));
	if (!v)
		return vmdk_seterr(&d->eb, -ENOMEM, "no memory for the volume list");
	err = window_file_open(&w, d, 0, bytes);
	if (err) {
		free(v);
		return err;
	}
	err = window_copy(&w, 0, HEAD_WINDOW);
	if (err >= 0 && bytes > TAIL_WINDOW)
		err = window_copy(&w, bytes - TAIL_WINDOW, TAIL_WINDOW);
	if (err >= 0)
		err = probe_table(d, &w);
	if (err >= 0) {
		if ((pr = new_probe(d, &w, true, true))) {
			err = read_table(pr, blkid_do_safeprobe(pr), &v);
			blkid_free_probe(pr);
		} else {
			err = -ENOMEM;
		}
	}
	window_file_close(&w);
	for (unsigned i = 0; err >= 0 && i < v->count; i++)
		err = probe_partition(d, bytes, &v->part[i]);
	if (err < 0) {
		free(v);
		if (err == -ENOMEM)
			vmdk_seterr(&d->eb, err, "no memory for the volume list");
		return err;
	}
	*out = v;
	return 0;
}

void vmdk_volumes_free(struct vmdk_volumes *v)
{
	free(v);
}
