/* SPDX-License-Identifier: MIT */
/* vmdk-info.c --- describe a disk: type, size, geometry, chain, extents */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "volumes_show.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>...\n"
	       "\nShow what a virtual disk is: type, capacity, geometry, adapter,\n"
	       "content IDs, its chain of links and their extents.  Several disks\n"
	       "are shown in turn (with --json, as an array).\n"
	       "\nOptions:\n"
	       " -j, --json               machine-readable output\n"
	       " -n, --space-needed <type>  bytes a clone to <type> (0-6, a name, or\n"
	       "                          raw) would occupy, and nothing else\n"
	       "     --single-link        open this link only, not its parents\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              no output; the exit status tells\n"
	       "                          whether the disk opens\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-info(1).\n", progname);
}

static uint64_t allocated_bytes(vmdk_disk *d, unsigned links)
{
	uint64_t sum = 0;

	for (unsigned l = 0; l < links; l++) {
		struct vmdk_link_info li;
		vmdk_get_link_info(d, l, &li);
		for (unsigned e = 0; e < li.extents; e++) {
			struct vmdk_extent_info ei;
			if (vmdk_get_extent_info(d, l, e, &ei) == 0)
				sum += ei.allocated_bytes;
		}
	}
	return sum;
}

/* Sparse disks: how far from what vmdk-defrag makes the top link is. */
static void fragmentation(vmdk_disk *d)
{
	struct vmdk_compact_report r;
	struct vmdk_link_info li;

	if (vmdk_get_link_info(d, 0, &li) == 0 &&
	    vmdk_fragmentation(li.path, &r) == 0)
		printf("Fragmentation:      %llu grain%s out of LBA order, %llu free "
		       "grain%s before the end\n", (unsigned long long)r.disorder_before,
		       r.disorder_before == 1 ? "" : "s",
		       (unsigned long long)r.holes_before, r.holes_before == 1 ? "" : "s");
}

static void volumes_text(vmdk_disk *d)
{
	struct vmdk_volumes *v;

	if (vmdk_volumes(d, &v) == 0)
		show_volumes_text(v);
	else
		printf("Volumes:            not probed: %s\n", vmdk_errmsg(d));
	vmdk_volumes_free(v);
}

static void volumes_json(vmdk_disk *d)
{
	struct vmdk_volumes *v;

	printf("  \"volumes\": ");
	if (vmdk_volumes(d, &v) == 0)
		show_volumes_json(v, "  ");
	else
		printf("null");
	printf(",\n");
	vmdk_volumes_free(v);
}

/* What VMDK's descriptor says: the type, geometry, adapter, IDs. */
static void print_vmdk_header(const struct vmdk_info *in)
{
	/* The type's one name (as JSON's typeName and vmdk-create take
	 * it); the descriptor's createType where it says otherwise. */
	if (in->type >= 0 && strcmp(vmdk_type_name(in->type), in->create_type))
		printf("Type:               %s (type %d; createType %s)",
		       vmdk_type_name(in->type), in->type, in->create_type);
	else if (in->type >= 0)
		printf("Type:               %s (type %d)", in->create_type, in->type);
	else
		printf("Type:               %s", in->create_type);
	printf("\nCapacity:           %llu sectors (%s)\n",
	       (unsigned long long)in->capacity,
	       tool_human(in->capacity * 512, (char[32]){ 0 }, 32));
	printf("Geometry:           %u cylinders, %u heads, %u sectors\n",
	       in->cylinders, in->heads, in->sectors);
	printf("Adapter:            %s\n", *in->adapter ? in->adapter : "(none)");
	printf("Hardware version:   %d\n", in->hw_version);
	printf("CID:                %08x\n", in->cid);
	printf("Parent CID:         %08x\n", in->parent_cid);
	if (in->uuid)
		printf("UUID:               %s\n", in->uuid);
	printf("Descriptor version: %d\n", in->descriptor_version);
}

static void print_link_text(vmdk_disk *d, unsigned l)
{
	struct vmdk_link_info li;

	vmdk_get_link_info(d, l, &li);
	if (strcmp(li.image_format, "VMDK") == 0)
		printf("  link %u: %s (%s, CID %08x, parent CID %08x%s)\n", l,
		       li.path, li.create_type, li.cid, li.parent_cid,
		       li.embedded_descriptor ? ", embedded descriptor" : "");
	else
		printf("  link %u: %s (%s image)\n", l, li.path, li.image_format);
	if (li.parent_hint && li.backing_format)
		printf("    parent: %s (format %s)\n", li.parent_hint, li.backing_format);
	else if (li.parent_hint)
		printf("    parent: %s\n", li.parent_hint);
	for (unsigned e = 0; e < li.extents; e++) {
		struct vmdk_extent_info ei;
		vmdk_get_extent_info(d, l, e, &ei);
		printf("    extent %u: %s %llu %s %s", e, ei.access,
		       (unsigned long long)ei.sectors, ei.kind,
		       ei.path ? ei.path : "-");
		if (ei.offset)
			printf(" offset %llu", (unsigned long long)ei.offset);
		printf("\n      %s", ei.format);
		if (ei.version)
			printf(" v%u, flags 0x%x, grain %llu sectors", ei.version,
			       ei.flags, (unsigned long long)ei.grain_size);
		if (ei.path)
			printf(", file %llu bytes, %llu allocated",
			       (unsigned long long)ei.file_bytes,
			       (unsigned long long)ei.allocated_bytes);
		printf("\n");
		if (ei.notes)
			printf("      %s\n", ei.notes);
	}
}

static void print_text(vmdk_disk *d, const struct vmdk_info *in)
{
	char h[32];

	if (strcmp(in->image_format, "VMDK") == 0) {
		print_vmdk_header(in);
	} else {
		printf("Image format:       %s\n", in->image_format);
		printf("Capacity:           %llu sectors (%s)\n",
		       (unsigned long long)in->capacity,
		       tool_human(in->capacity * 512, h, sizeof(h)));
	}
	if (in->unclean)
		printf("Unclean shutdown:   yes (not closed cleanly)\n");
	printf("Allocated:          %s\n",
	       tool_human(allocated_bytes(d, in->links), h, sizeof(h)));
	fragmentation(d);
	volumes_text(d);
	printf("Chain:              %u link%s\n", in->links, in->links > 1 ? "s" : "");
	for (unsigned l = 0; l < in->links; l++)
		print_link_text(d, l);
}

static void json_kv_str(const char *k, const char *v, const char *sep)
{
	printf("\"%s\": ", k);
	tool_json_string(v);
	fputs(sep, stdout);
}

static void json_outcome(int err, const char *message)
{
	tool_json_outcome(err, message, err ? 1 : 0);
}

/* A disk that did not open: the keys of a description, all null. */
static void print_json_failed(const char *path, int err, const char *message)
{
	printf("{\n  \"path\": ");
	tool_json_string(path);
	printf(",\n  \"typeId\": null, \"typeName\": null, \"createType\": null, "
	       "\"imageFormat\": null, \"capacitySectors\": null, \"capacityBytes\": null,\n"
	       "  \"geometry\": null,\n  \"adapter\": null, \"hwVersion\": null, "
	       "\"cid\": null, \"parentCid\": null,\n  \"uuid\": null, "
	       "\"descriptorVersion\": null, \"unclean\": null, "
	       "\"allocatedBytes\": null,\n  \"links\": null,\n  \"volumes\": null,\n");
	json_outcome(err, message);
}

static void print_json(vmdk_disk *d, const struct vmdk_info *in, const char *path)
{
	printf("{\n  \"path\": ");
	tool_json_string(path);
	printf(",\n  \"typeId\": %d, ", in->type);
	json_kv_str("typeName", in->type >= 0 ? vmdk_type_name(in->type) : NULL, ", ");
	json_kv_str("createType", in->create_type, ", ");
	json_kv_str("imageFormat", in->image_format, ", ");
	printf("\"capacitySectors\": %llu, \"capacityBytes\": %llu,\n",
	       (unsigned long long)in->capacity,
	       (unsigned long long)in->capacity * 512);
	printf("  \"geometry\": {\"cylinders\": %u, \"heads\": %u, \"sectorsPerTrack\": %u},\n",
	       in->cylinders, in->heads, in->sectors);
	printf("  ");
	json_kv_str("adapter", in->adapter, ", ");
	printf("\"hwVersion\": %d, \"cid\": \"%08x\", \"parentCid\": \"%08x\",\n",
	       in->hw_version, in->cid, in->parent_cid);
	printf("  ");
	json_kv_str("uuid", in->uuid, ", ");
	printf("\"descriptorVersion\": %d, \"unclean\": %s, \"allocatedBytes\": %llu,\n",
	       in->descriptor_version, in->unclean ? "true" : "false",
	       (unsigned long long)allocated_bytes(d, in->links));
	printf("  \"links\": [");
	for (unsigned l = 0; l < in->links; l++) {
		struct vmdk_link_info li;
		vmdk_get_link_info(d, l, &li);
		printf("%s\n    {", l ? "," : "");
		json_kv_str("path", li.path, ", ");
		json_kv_str("createType", li.create_type, ", ");
		printf("\"cid\": \"%08x\", \"parentCid\": \"%08x\", ", li.cid,
		       li.parent_cid);
		json_kv_str("parentHint", li.parent_hint, ", ");
		json_kv_str("imageFormat", li.image_format, ", ");
		json_kv_str("backingFormat", li.backing_format, ", ");
		printf("\"embeddedDescriptor\": %s,\n     \"extents\": [",
		       li.embedded_descriptor ? "true" : "false");
		for (unsigned e = 0; e < li.extents; e++) {
			struct vmdk_extent_info ei;
			vmdk_get_extent_info(d, l, e, &ei);
			printf("%s\n       {", e ? "," : "");
			json_kv_str("path", ei.path, ", ");
			json_kv_str("kind", ei.kind, ", ");
			json_kv_str("format", ei.format, ", ");
			json_kv_str("notes", ei.notes, ", ");
			json_kv_str("access", ei.access, ", ");
			printf("\"startSector\": %llu, \"lengthSectors\": %llu, "
			       "\"offsetSectors\": %llu, "
			       "\"fileBytes\": %llu, \"allocatedBytes\": %llu, "
			       "\"version\": %u, \"flags\": %u, \"grainSectors\": %llu, "
			       "\"compressed\": %s}",
			       (unsigned long long)ei.start,
			       (unsigned long long)ei.sectors,
			       (unsigned long long)ei.offset,
			       (unsigned long long)ei.file_bytes,
			       (unsigned long long)ei.allocated_bytes, ei.version,
			       ei.flags, (unsigned long long)ei.grain_size,
			       ei.compressed ? "true" : "false");
		}
		printf("]}");
	}
	printf("\n  ],\n");
	volumes_json(d);
	json_outcome(0, NULL);
}

static int space_needed(vmdk_disk *d, const char *path, int type, bool json)
{
	struct tool_progress prog;
	uint64_t bytes = 0;
	char h[32];
	int err = tool_open_error;

	if (d) {
		tool_catch_signals();
		tool_progress_init(&prog, "Scanning", false);
		err = vmdk_space_needed(d, type, NULL, &bytes, tool_progress_cb, &prog);
		tool_progress_end(&prog);
		vmdk_close(d);
		if (err < 0)
			tool_lib_error(path, err, NULL);
	}
	if (json) {
		printf("{\n  \"path\": ");
		tool_json_string(path);
		printf(", \"typeId\": %d, \"typeName\": \"%s\", \"spaceNeededBytes\": ",
		       type, type == VMDK_TYPE_RAW ? "raw" : vmdk_type_name(type));
		if (err < 0)
			printf("null,\n");
		else
			printf("%llu,\n", (unsigned long long)bytes);
		json_outcome(err, err < 0 ? vmdk_errmsg(NULL) : NULL);
	}
	if (err < 0)
		return 1;
	if (json)
		return 0;
	else if (verbosity > 0)
		printf("%llu bytes (%s) for %s\n", (unsigned long long)bytes,
		       tool_human(bytes, h, sizeof(h)),
		       type == VMDK_TYPE_RAW ? "raw" : vmdk_type_name(type));
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SINGLE = 256 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "space-needed", required_argument, NULL, 'n' },
		{ "single-link", no_argument, NULL, OPT_SINGLE },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	unsigned flags = VMDK_OPEN_RDONLY;
	bool json = false;
	int space_type = -1;
	struct vmdk_info info;
	const char *path;
	bool several;
	vmdk_disk *d;
	int c, status = 0;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":jn:" TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			space_type = tool_dest_type_arg(optarg);
			break;
		case OPT_SINGLE:
			flags |= VMDK_OPEN_SINGLE_LINK;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	if (optind >= argc)
		tool_try_help("no disk name given");
	several = argc - optind > 1;
	if (json && several)
		printf("[\n");
	for (int i = optind; i < argc && !tool_interrupted; i++) {
		path = argv[i];
		if (json && i > optind)
			printf(",\n");
		else if (several && i > optind && verbosity > 0 && space_type < 0)
			printf("\n");
		d = tool_open(path, flags);
		if (space_type >= 0) {
			status |= space_needed(d, path, space_type, json);
			continue;
		}
		if (!d) {
			if (json)
				print_json_failed(path, tool_open_error, vmdk_errmsg(NULL));
			status = 1;
			continue;
		}
		vmdk_get_info(d, &info);
		if (json) {
			print_json(d, &info, path);
		} else if (verbosity > 0) {
			if (several)
				printf("Disk:               %s\n", path);
			print_text(d, &info);
		}
		vmdk_close(d);
	}
	if (json && several)
		printf("]\n");
	return status;
}
