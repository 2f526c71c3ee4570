/* SPDX-License-Identifier: MIT */
/* vmdk-meta.c --- list, read and write a disk's metadata (ddb keys) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk> list\n"
	       " %s <changes> <disk.vmdk>\n"
	       " %s [options] <disk.vmdk> get <key>\n"
	       " %s [options] <disk.vmdk> set <key> <value>\n"
	       "\nList, read or write the disk database (ddb.* keys) of a disk's\n"
	       "descriptor, embedded or separate.  Keys may omit \"ddb.\".  Setting a\n"
	       "key changes that line only; the rest of the descriptor stays byte\n"
	       "for byte.\n"
	       "\nChanges (several may be given; written at once):\n"
	       "     --uuid <new|uuid>    ddb.uuid: a new one, or the value given\n"
	       " -a, --adapter <name>     ide, buslogic, lsilogic or pvscsi, with the\n"
	       "                          geometry VMware gives that adapter\n"
	       "     --hwversion <n>      ddb.virtualHWVersion\n"
	       "     --tools-version <v>  ddb.toolsVersion\n"
	       "     --geometry <c/h/s>   ddb.geometry.cylinders, heads, sectors\n"
	       " -D, --deletable          mark the disk deletable (ddb.deletable)\n"
	       "     --drop-ctk           remove change tracking (version 3 descriptor,\n"
	       "                          changeTrackPath and the ctk file)\n"
	       "\nOptions:\n"
	       " -j, --json               list as a JSON object\n"
	       TOOL_UNSAFE_HELP
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              no output but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-meta(1).\n", progname, progname,
	       progname, progname);
}

struct lister {
	bool json;
	unsigned n;
};

static int list_one(void *arg, const char *key, const char *value)
{
	struct lister *l = arg;

	if (verbosity == 0)
		return 0;
	if (l->json) {
		printf("%s\n  ", l->n ? "," : "");
		tool_json_string(key);
		printf(": ");
		tool_json_string(value);
	} else {
		printf("%s = \"%s\"\n", key, value);
	}
	l->n++;
	return 0;
}

static bool is_action(const char *s)
{
	return strcmp(s, "list") == 0 || strcmp(s, "get") == 0 || strcmp(s, "set") == 0;
}

static const char *new_uuid(void)
{
	static char out[64];

	vmdk_uuid_string(out, sizeof(out));
	return out;
}

int main(int argc, char **argv)
{
	enum { OPT_UUID = 256, OPT_HW, OPT_TOOLS, OPT_GEOMETRY, OPT_DROP_CTK };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "uuid", required_argument, NULL, OPT_UUID },
		{ "adapter", required_argument, NULL, 'a' },
		{ "hwversion", required_argument, NULL, OPT_HW },
		{ "tools-version", required_argument, NULL, OPT_TOOLS },
		{ "geometry", required_argument, NULL, OPT_GEOMETRY },
		{ "deletable", no_argument, NULL, 'D' },
		{ "drop-ctk", no_argument, NULL, OPT_DROP_CTK },
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	const char *kv[32] = { NULL };
	size_t nkv = 0;
	bool drop_ctk = false, regeometry = false, explicit_geometry = false;
	int adapter = -1;
	struct lister lister = { 0 };
	const char *path, *cmd, *value;
	unsigned gc, gh, gs;
	vmdk_disk *d;
	int c, n, err = 0;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":ja:D" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'j':
			lister.json = true;
			break;
		case OPT_UUID:
			value = strcmp(optarg, "new") == 0 ? new_uuid() : optarg;
			if (!value)
				tool_try_help("cannot make a new uuid");
			op_kv_add(kv, &nkv, "uuid", value);
			break;
		case 'a':
			adapter = tool_adapter_arg(optarg);
			op_kv_add(kv, &nkv, "adapterType", vmdk_adapter_name(adapter));
			regeometry = true;
			break;
		case OPT_HW:
			tool_hwversion_arg(optarg);
			op_kv_add(kv, &nkv, "virtualHWVersion", optarg);
			break;
		case OPT_TOOLS:
			op_kv_add(kv, &nkv, "toolsVersion", optarg);
			break;
		case OPT_GEOMETRY:
			if (sscanf(optarg, "%u/%u/%u", &gc, &gh, &gs) != 3 || !gc ||
			    !gh || gh > 255 || !gs || gs > 63)
				tool_try_help("geometry wants C/H/S, not '%s'", optarg);
			op_kv_add_geometry(kv, &nkv, gc, gh, gs);
			explicit_geometry = true;
			break;
		case 'D':
			op_kv_add(kv, &nkv, "deletable", "true");
			break;
		case OPT_DROP_CTK:
			drop_ctk = true;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	n = argc - optind;
	/* A geometry given outright wins over the adapter's. */
	regeometry = regeometry && !explicit_geometry;
	if (nkv || drop_ctk) {
		if (n != 1)
			tool_try_help("changes take one disk and no command");
		return op_meta_change(argv[optind], kv, drop_ctk, regeometry, adapter);
	}
	if (n < 2)
		tool_try_help("expected a disk and list, get or set");
	path = argv[optind];
	cmd = argv[optind + 1];
	/* The action may come first too: "vmdk-meta list disk.vmdk". */
	if (is_action(path) && !is_action(cmd)) {
		path = argv[optind + 1];
		cmd = argv[optind];
	}
	if (!((strcmp(cmd, "list") == 0 && n == 2) ||
	      (strcmp(cmd, "get") == 0 && n == 3) ||
	      (strcmp(cmd, "set") == 0 && n == 4)))
		tool_try_help("expected list, get <key> or set <key> <value>");
	if (strcmp(cmd, "set") == 0)
		tool_catch_signals();	/* the write ends, the disk closes */
	d = tool_open(path, VMDK_OPEN_SINGLE_LINK |
			    (strcmp(cmd, "set") ? VMDK_OPEN_RDONLY : 0));
	if (!d)
		return 1;
	if (strcmp(cmd, "list") == 0) {
		if (lister.json && verbosity)
			printf("{");
		vmdk_meta_keys(d, list_one, &lister);
		if (lister.json && verbosity)
			printf("\n}\n");
	} else if (strcmp(cmd, "get") == 0) {
		err = vmdk_meta_get(d, argv[optind + 2], &value);
		if (err == 0 && verbosity)
			printf("%s\n", value);
	} else {
		err = vmdk_meta_set(d, argv[optind + 2], argv[optind + 3]);
	}
	if (err < 0)
		tool_lib_error(path, err, d);
	if (vmdk_close(d) < 0 && err == 0) {
		tool_warn(path, "closing failed");
		err = -1;
	}
	return err < 0 ? 1 : 0;
}
