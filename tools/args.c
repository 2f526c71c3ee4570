/* SPDX-License-Identifier: MIT */
/* args.c --- options and operands as every tool takes them: the common
 * options, numbers, sector ranges, types and adapters (a bad value names
 * the valid ones), one line for a bad option */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"

int tool_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void tool_bad_option(int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	size_t n = strcspn(arg, "=");

	/* A short option names itself; a long one is the word typed. */
	if (optopt > 0 && optopt < 256 && strncmp(arg, "--", 2) != 0)
		fprintf(stderr, "%s: %s '-%c'\n", progname, c == ':' ? "a value is "
			"needed after" : "unknown option", optopt);
	else
		fprintf(stderr, "%s: %s '%.*s'\n", progname, c == ':' ? "a value is "
			"needed after" : "unknown option", (int)n, arg);
}

void tool_common_option(int c, void (*usage)(void), char **argv)
{
	switch (c) {
	case 'q':
		verbosity = 0;
		break;
	case 'v':
		verbosity++;
		break;
	case 'h':
		usage();
		exit(0);
	case 'V':
		tool_version();
		exit(0);
	case TOOL_OPT_UNSAFE_PATHS:
		tool_open_flags |= VMDK_OPEN_UNSAFE_PATHS;
		break;
	case TOOL_OPT_BREAK_LOCK:
		tool_break_lock_asked = true;
		break;
	default:
		tool_bad_option(c, argv);
		fprintf(stderr, "Try '%s --help' for more information.\n", progname);
		exit(EXIT_USAGE);
	}
}

const char *tool_operand(int argc, char **argv)
{
	if (optind != argc - 1)
		tool_try_help(optind < argc ? "too many arguments"
					    : "no disk name given");
	return argv[optind];
}

int tool_sector_range(const char *path, uint64_t start, uint64_t *count,
		      bool have_count, uint64_t capacity)
{
	if (!have_count)
		*count = start < capacity ? capacity - start : 0;
	if (start > capacity || *count > capacity - start) {
		tool_warn(path, "sectors %llu+%llu are past the end of the disk "
			  "(%llu sectors)", (unsigned long long)start,
			  (unsigned long long)*count, (unsigned long long)capacity);
		return -1;
	}
	return 0;
}

void tool_range_option(int c, const char *arg, uint64_t *start,
		       uint64_t *count, bool *have_count)
{
	if (c == 's' && (tool_parse_u64(arg, start) < 0 || *start > TOOL_MAX_SECTORS))
		tool_try_help("invalid start sector '%s'", arg);
	if (c == 'c') {
		if (tool_parse_u64(arg, count) < 0 || *count > TOOL_MAX_SECTORS)
			tool_try_help("invalid sector count '%s'", arg);
		*have_count = true;
	}
}

const char *tool_type_choices(void)
{
	static char list[256];

	if (!list[0]) {
		int n = snprintf(list, sizeof(list), "0-%d, or", VMDK_TYPE_COUNT - 1);
		for (int t = 0; t < VMDK_TYPE_COUNT && n > 0 && (size_t)n < sizeof(list); t++)
			n += snprintf(list + n, sizeof(list) - (size_t)n, "%s %s",
				      t ? "," : "", vmdk_type_name(t));
	}
	return list;
}

int tool_type_arg(const char *arg)
{
	int t = vmdk_type_from_name(arg);

	if (t < 0)
		tool_try_help("unknown disk type '%s' (%s)", arg, tool_type_choices());
	return t;
}

int tool_dest_type_arg(const char *arg)
{
	int t = strcasecmp(arg, "raw") == 0 ? VMDK_TYPE_RAW : vmdk_type_from_name(arg);

	if (t < 0)
		tool_try_help("unknown disk type '%s' (%s, raw)", arg, tool_type_choices());
	return t;
}

const char *tool_adapter_choices(void)
{
	static char list[128];

	if (!list[0])
		for (int a = 0, n = 0; a < VMDK_ADAPTER_COUNT && n >= 0 &&
		     (size_t)n < sizeof(list); a++)
			if (vmdk_adapter_name(a))
				n += snprintf(list + n, sizeof(list) - (size_t)n, "%s%s",
					      n ? ", " : "", vmdk_adapter_name(a));
	return list;
}

int tool_adapter_arg(const char *arg)
{
	int a = vmdk_adapter_from_name(arg);

	if (a < 0)
		tool_try_help("unknown adapter '%s' (%s)", arg, tool_adapter_choices());
	return a;
}

int tool_hwversion_arg(const char *arg)
{
	uint64_t v;

	if (tool_parse_u64(arg, &v) < 0 || v < 1 || v > 99)
		tool_try_help("invalid hardware version '%s'", arg);
	return (int)v;
}

/* Tools whose only option of their own is --progress: tool_init, the
 * options, and whether --progress was given. */
bool tool_progress_options(int argc, char **argv, void (*usage)(void),
			   bool writer)
{
	enum { OPT_PROGRESS = 256 };
	static const struct option reader_opts[] = {
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	}, writer_opts[] = {
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	const struct option *longopts = writer ? writer_opts : reader_opts;
	bool force = false;
	int c;

	tool_init(argv[0]);
	tool_break_lock_known = writer;
	while ((c = getopt_long(argc, argv, ":" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == OPT_PROGRESS)
			force = true;
		else
			tool_common_option(c, usage, argv);
	}
	return force;
}

int tool_compact_main(int argc, char **argv, void (*usage)(void), bool shrink)
{
	bool force_progress = tool_progress_options(argc, argv, usage, true);

	if (optind != argc - 1)
		tool_try_help("expected one disk");
	return op_compact(argv[optind], shrink, force_progress);
}
