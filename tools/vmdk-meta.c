/* vmdk-meta.c --- list, read and write a disk's metadata (ddb keys) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk> list\n"
	       " %s [options] <disk.vmdk> get <key>\n"
	       " %s [options] <disk.vmdk> set <key> <value>\n"
	       "\nList, read or write the disk database (ddb.* keys) of a disk's\n"
	       "descriptor, embedded or separate.  Keys may omit \"ddb.\".  Setting a\n"
	       "key changes that line only; the rest of the descriptor stays byte\n"
	       "for byte.\n"
	       "\nOptions:\n"
	       " -j, --json               list as a JSON object\n"
	       " -q, --quiet              no output but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-meta(1).\n", progname, progname,
	       progname);
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lister lister = { 0 };
	const char *path, *cmd, *value;
	vmdk_disk *d;
	int c, n, err = 0;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, "j" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == 'j')
			lister.json = true;
		else
			tool_common_option(c, usage);
	}
	n = argc - optind;
	if (n < 2)
		tool_try_help("expected a disk and list, get or set");
	path = argv[optind];
	cmd = argv[optind + 1];
	if (!((strcmp(cmd, "list") == 0 && n == 2) ||
	      (strcmp(cmd, "get") == 0 && n == 3) ||
	      (strcmp(cmd, "set") == 0 && n == 4)))
		tool_try_help("expected list, get <key> or set <key> <value>");
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
		tool_disk_error(path, err, vmdk_errmsg(d));
	if (vmdk_close(d) < 0 && err == 0) {
		tool_warn(path, "closing failed");
		err = -1;
	}
	return err < 0 ? 1 : 0;
}
