/* SPDX-License-Identifier: MIT */
/* create.c --- new empty disks of every hosted type, laid out and
 * described as vmware-vdiskmanager does */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "core.h"

#define MAX_FILES 40000

void vmdk_geometry(uint64_t capacity, int adapter, uint32_t *c, uint32_t *h,
		   uint32_t *s)
{
	uint64_t cyl, max_cyl = 65535;

	if (adapter == VMDK_ADAPTER_IDE) {
		*h = 16;
		*s = 63;
		max_cyl = 16383;
	} else if (capacity < 2097152) {	/* < 1 GiB */
		*h = 64;
		*s = 32;
	} else if (capacity < 4194304) {	/* < 2 GiB */
		*h = 128;
		*s = 32;
	} else {
		*h = 255;
		*s = 63;
	}
	cyl = capacity / (*h * *s);
	if (cyl > max_cyl)
		cyl = max_cyl;
	*c = cyl ? (uint32_t)cyl : 1;
}

struct plan_extent {
	char *path;		/* file to create */
	const char *name;	/* as the descriptor names it */
	uint64_t sectors;
};

struct plan {
	const struct vmdk_create_params *p;
	const struct vmdk_type_def *def;
	char *desc_path;
	bool embedded;		/* descriptor inside the single extent */
	struct plan_extent *ext;
	size_t n_ext;
};

static int make_plan(struct plan *pl, const char *path,
		     struct vmdk_errbuf *eb)
{
	const struct vmdk_create_params *p = pl->p;
	const struct vmdk_type_def *def = vmdk_type_def(p->type);
	char *stem = vmdk_path_stem(path);
	uint64_t per = def->split ? VMDK_SPLIT_SECTORS : p->capacity;
	int err = 0;

	if (!stem)
		return -ENOMEM;
	pl->def = def;
	pl->desc_path = strdup(path);
	pl->embedded = def->suffix == NULL;
	pl->n_ext = (size_t)((p->capacity + per - 1) / per);
	if (pl->n_ext > MAX_FILES) {
		free(stem);
		return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path, "too many extent files");
	}
	pl->ext = calloc(pl->n_ext, sizeof(*pl->ext));
	if (!pl->desc_path || !pl->ext) {
		free(stem);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pl->n_ext && err == 0; i++) {
		struct plan_extent *e = &pl->ext[i];
		uint64_t left = p->capacity - i * per;
		e->sectors = left < per ? left : per;
		if (pl->embedded)
			e->path = strdup(path);
		else if (!def->split)
			err = asprintf(&e->path, "%s-%s.vmdk", stem, def->suffix) < 0;
		else
			err = asprintf(&e->path, "%s-%s%03zu.vmdk", stem, def->suffix,
				       i + 1) < 0;
		if (err || !e->path) {
			free(stem);
			return -ENOMEM;
		}
		e->name = vmdk_basename(e->path);
	}
	free(stem);
	return 0;
}

static int check_params(const struct vmdk_create_params *p, const char *path,
			struct vmdk_errbuf *eb);

static void free_plan(struct plan *pl)
{
	for (size_t i = 0; pl->ext && i < pl->n_ext; i++)
		free(pl->ext[i].path);
	free(pl->ext);
	free(pl->desc_path);
}

void vmdk_geometry_for(uint64_t capacity, int adapter, uint32_t *c,
		       uint32_t *h, uint32_t *s)
{
	vmdk_geometry(capacity, adapter, c, h, s);
}

void vmdk_uuid_string(char *out, size_t n)
{
	uuid_t b;

	uuid_generate(b);
	snprintf(out, n,
		 "%02x %02x %02x %02x %02x %02x %02x %02x-"
		 "%02x %02x %02x %02x %02x %02x %02x %02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Keys the caller wants different (a clone keeps its source's): set in
 * place, or added after the other ddb keys. */
static char *apply_overrides(char *text, const char *const *kv)
{
	struct vmdk_errbuf eb;
	struct vmdk_descriptor *d;
	char *out;

	if (!kv || !kv[0])
		return text;
	if (vmdk_desc_parse(text, strlen(text), &d, &eb) < 0) {
		free(text);
		return NULL;
	}
	free(text);
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2)
		if (vmdk_desc_set(d, kv[i], kv[i + 1]) < 0) {
			vmdk_desc_free(d);
			return NULL;
		}
	out = vmdk_desc_serialize(d, NULL);
	vmdk_desc_free(d);
	return out;
}

/* The descriptor text, ddb keys in VMware's (alphabetical) order. */
static char *build_descriptor(const struct plan *pl)
{
	const struct vmdk_create_params *p = pl->p;
	uint32_t c, h, s, cid = vmdk_random32() & 0xfffffffd;
	char *ext = strdup(""), *out = NULL, uuid[64], tools[64] = "";
	const char *tv = p->tools_version;

	if (!tv && p->type == VMDK_TYPE_STREAM_OPTIMIZED)
		tv = "2147483647";
	if (tv)
		snprintf(tools, sizeof(tools), "ddb.toolsVersion = \"%s\"\n", tv);
	for (size_t i = 0; ext && i < pl->n_ext; i++) {
		char *line;
		if (asprintf(&line, "%sRW %llu %s \"%s\"%s\n", ext,
			     (unsigned long long)pl->ext[i].sectors, pl->def->kind,
			     pl->ext[i].name,
			     strcmp(pl->def->kind, "FLAT") == 0 ? " 0" : "") < 0)
			line = NULL;
		free(ext);
		ext = line;
	}
	if (!ext)
		return NULL;
	int adapter = p->adapter ? p->adapter : VMDK_ADAPTER_LSILOGIC;

	vmdk_geometry(p->capacity, adapter, &c, &h, &s);
	vmdk_uuid_string(uuid, sizeof(uuid));
	if (asprintf(&out,
		     "# Disk DescriptorFile\n"
		     "version=1\n"
		     "encoding=\"UTF-8\"\n"
		     "CID=%08x\n"
		     "parentCID=ffffffff\n"
		     "createType=\"%s\"\n"
		     "\n"
		     "# Extent description\n"
		     "%s"
		     "\n"
		     "# The Disk Data Base\n"
		     "#DDB\n"
		     "\n"
		     "ddb.adapterType = \"%s\"\n"
		     "ddb.geometry.cylinders = \"%u\"\n"
		     "ddb.geometry.heads = \"%u\"\n"
		     "ddb.geometry.sectors = \"%u\"\n"
		     "ddb.longContentID = \"%08x%08x%08x%08x\"\n"
		     "%s"
		     "%s"
		     "ddb.uuid = \"%s\"\n"
		     "ddb.virtualHWVersion = \"%d\"\n",
		     cid, pl->def->create_type, ext, vmdk_adapter_name(adapter),
		     c, h, s, vmdk_random32(), vmdk_random32(), vmdk_random32(),
		     cid,
		     p->type == VMDK_TYPE_VMFS_THIN ? "ddb.thinProvisioned = \"1\"\n" : "",
		     tools, uuid, p->hw_version ? p->hw_version : 4) < 0)
		out = NULL;
	free(ext);
	return out ? apply_overrides(out, p->ddb) : NULL;
}

char *vmdk_create_descriptor(const struct vmdk_create_params *p,
			     const char *path)
{
	struct plan pl = { .p = p };
	char *desc = NULL;

	if (check_params(p, path, vmdk_open_errbuf()) == 0 &&
	    make_plan(&pl, path, vmdk_open_errbuf()) == 0)
		desc = build_descriptor(&pl);
	free_plan(&pl);
	return desc;
}

static int check_params(const struct vmdk_create_params *p, const char *path,
			struct vmdk_errbuf *eb)
{
	if (p->type < 0 || p->type >= VMDK_TYPE_COUNT)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path, "unknown disk type %d",
				      p->type);
	if (p->adapter < 0 || p->adapter >= VMDK_ADAPTER_COUNT)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path, "unknown adapter %d",
				      p->adapter);
	if (p->capacity == 0)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path, "capacity is zero");
	if (p->capacity > VMDK_MAX_CAPACITY)
		return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
				      "capacity beyond the 64 TiB limit");
	/* ESXi's own limit for a virtual disk on a VMFS datastore. */
	if ((p->type == VMDK_TYPE_VMFS_THICK || p->type == VMDK_TYPE_VMFS_THIN) &&
	    p->capacity > VMDK_VMFS_MAX_CAPACITY)
		return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
				      "a VMFS disk holds at most 62 TiB");
	if (!vmdk_type_def(p->type)->split &&
	    p->capacity > vmdk_format_for_type(p->type)->max_sectors)
		return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
				      "a monolithic sparse disk holds less than 2 TiB "
				      "(use twoGbMaxExtentSparse or a flat type)");
	if (p->hw_version < 0 || p->hw_version > 99)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path,
				      "hardware version %d out of range", p->hw_version);
	if (p->grain_size && (p->grain_size < 8 || p->grain_size > 2048 ||
			      (p->grain_size & (p->grain_size - 1))))
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, path,
				      "grain size %u is not a power of two from 8 to 2048",
				      p->grain_size);
	return 0;
}

/* Lay out one extent file of @type on the empty file @fd; @desc only
 * for monolithic types. */
static int fill_file(int fd, int type, uint64_t sectors, uint32_t grain,
		     const char *desc, struct vmdk_errbuf *eb)
{
	struct vmdk_extent_plan plan = {
		.sectors = sectors, .grain = grain, .descriptor = desc,
		.thin = vmdk_type_def(type)->thin,
	};
	int err = vmdk_format_for_type(type)->create(fd, &plan, eb);

	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	return err;
}

/* Say which file a failure concerns, keeping a detail already given. */
static int name_error(const char *path, int err, struct vmdk_errbuf *eb)
{
	char detail[VMDK_ERRMSG_MAX];

	if (err > -1000)
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	snprintf(detail, sizeof(detail), "%s", eb->msg);
	return vmdk_seterr_at(eb, err, path, "%s", detail);
}

int vmdk_create_extent_file(struct vmdk_txn *t, const char *path, int type,
			    uint64_t sectors)
{
	int fd, err = vmdk_txn_create_file(t, path, &fd);

	if (err < 0)
		return err;
	err = fill_file(fd, type, sectors, 0, NULL, t->eb);
	close(fd);
	return err < 0 ? name_error(path, err, t->eb) : 0;
}

int vmdk_create_in(const char *path, const struct vmdk_create_params *p,
		   struct vmdk_errbuf *eb)
{
	struct plan pl = { .p = p };
	struct vmdk_txn t;
	char *desc = NULL;
	int err;

	vmdk_txn_init(&t, eb);
	err = check_params(p, path, eb);
	if (err == 0)
		err = make_plan(&pl, path, eb);
	if (err == 0 && !(desc = build_descriptor(&pl)))
		err = -ENOMEM;
	for (size_t i = 0; err == 0 && i < pl.n_ext; i++) {
		int fd;
		err = vmdk_txn_create_file(&t, pl.ext[i].path, &fd);
		if (err == 0) {
			err = fill_file(fd, p->type, pl.ext[i].sectors, p->grain_size,
					pl.embedded ? desc : NULL, eb);
			close(fd);
			if (err < 0)
				err = name_error(pl.ext[i].path, err, eb);
		}
	}
	/* Descriptor last, so a half-made disk never looks like a disk. */
	if (err == 0 && !pl.embedded)
		err = vmdk_txn_put_file(&t, pl.desc_path, desc, strlen(desc),
					&(struct vmdk_put_opts){ .mode_of = -1 });
	if (err == 0)
		err = vmdk_txn_commit(&t, NULL, false);
	vmdk_txn_end(&t);
	free(desc);
	free_plan(&pl);
	return err;
}

/* Refuse early, before any space is laid out, when a name is taken. */
static int check_free_names(const struct vmdk_create_params *p,
			    const char *path, struct vmdk_errbuf *eb)
{
	struct plan pl = { .p = p };
	int err = make_plan(&pl, path, eb);

	if (err == 0 && access(path, F_OK) == 0)
		err = vmdk_seterr_at(eb, VMDK_E_EXISTS, path,
				     "already exists; not overwritten");
	for (size_t i = 0; err == 0 && i < pl.n_ext; i++)
		if (access(pl.ext[i].path, F_OK) == 0)
			err = vmdk_seterr_at(eb, VMDK_E_EXISTS, pl.ext[i].path,
					     "already exists; not overwritten");
	free_plan(&pl);
	return err;
}

int vmdk_create(const char *path, const struct vmdk_create_params *p)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_txn t;
	int err;

	eb->msg[0] = '\0';
	if (!path || !p || !*path)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no path given");
	err = check_params(p, path, eb);
	if (err == 0)
		err = vmdk_name_check(path, eb);
	if (err == 0)
		err = check_free_names(p, path, eb);
	if (err < 0)
		return err;
	/* Made aside and moved into place whole: a crash never leaves a
	 * half-made disk under its name. */
	vmdk_txn_init(&t, eb);
	err = vmdk_txn_stage(&t, path);
	if (err == 0)
		err = vmdk_create_in(t.stage_path, p, eb);
	if (err == 0)
		err = vmdk_txn_commit(&t, path, false);
	vmdk_txn_end(&t);
	return err;
}
