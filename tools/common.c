/* SPDX-License-Identifier: MIT */
/* common.c --- what every tool shares: start-up (exit status after a signal,
 * file limits), messages, sizes for people, JSON strings, opening a disk
 * (with -v, what was opened; VMware locks warned of or broken) */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <strings.h>

#include "common.h"

const char *progname = "vmdktools";
int verbosity = 1;
bool tool_op_summaries = true;

static void exit_status_of_signal(int status, void *arg);

void tool_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	struct rlimit rl;

	progname = slash ? slash + 1 : argv0;
	/* A split disk keeps one descriptor open per 2 GiB extent: a 2 TiB
	 * disk needs more than the usual soft limit of 1024. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	opterr = 0;	/* one message of our own instead */
	/* Registered first, so it runs last, after every other cleanup. */
	on_exit(exit_status_of_signal, NULL);
}

void tool_version(void)
{
	printf("%s from vmdktools %s\n", progname, VMDK_VERSION_STRING);
}

void tool_try_help(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void tool_warn(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	if (file)
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tool_lib_error(const char *file, int err, const vmdk_disk *d)
{
	const char *detail = vmdk_errmsg(d), *about = vmdk_errfile(d);
	size_t n = strlen(about);

	if (!detail || !*detail) {
		tool_warn(file, "%s", vmdk_strerror(err));
		return;
	}
	/* A message that names its file (the disk's, an extent's, a
	 * parent's) says it itself; a whole-disk one is said of @file. */
	tool_warn(n ? NULL : file, "%s", detail);
	/* The override, where this tool has it: VMware's lock is the
	 * FILE.lck directory a refusal names. */
	if (err == VMDK_E_LOCKED && tool_break_lock_known && n > 4 &&
	    strcmp(about + n - 4, ".lck") == 0)
		tool_warn(file, "if no VM uses the disk any more, --break-lock removes "
			  "the lock");
}

const char *tool_sectors(uint64_t n)
{
	static char buf[4][32];
	static unsigned next;
	char *out = buf[next++ % 4];

	snprintf(out, sizeof(buf[0]), "%llu sector%s", (unsigned long long)n,
		 n == 1 ? "" : "s");
	return out;
}

const char *tool_human(uint64_t bytes, char *buf, int len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB",
					     "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, (size_t)len, "%" PRIu64 " bytes", bytes);
	else
		snprintf(buf, (size_t)len, "%.4g %s", v, unit[u]);
	return buf;
}

void tool_json_outcome(int err, const char *message, int exit_status)
{
	printf("  \"error\": ");
	if (err) {
		printf("{\"code\": %d, \"message\": ", err);
		tool_json_string(message);
		printf("}");
	} else {
		printf("null");
	}
	printf(", \"exitStatus\": %d\n}\n", exit_status);
}

void tool_json_string(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

unsigned tool_open_flags;

void tool_describe(vmdk_disk *d, const char *path)
{
	struct vmdk_info info;

	if (verbosity < 2 || vmdk_get_info(d, &info) < 0)
		return;
	for (unsigned i = 0; i < info.links; i++) {
		struct vmdk_link_info li;
		if (vmdk_get_link_info(d, i, &li) < 0)
			break;
		if (i > 0)
			fprintf(stderr, "%s: %s: parent found by the %s of link %u\n",
				progname, li.path, strcmp(li.image_format, "VMDK")
				? "backing file" : "hint", i - 1);
		if (strcmp(li.image_format, "VMDK"))
			fprintf(stderr, "%s: %s: link %u, a %s image\n", progname,
				li.path, i, li.image_format);
		else
			fprintf(stderr, "%s: %s: link %u, %s, CID %08x, %s descriptor, "
				"%u extent%s\n", progname, li.path, i, li.create_type,
				li.cid, li.embedded_descriptor ? "embedded" : "separate",
				li.extents, li.extents == 1 ? "" : "s");
		for (unsigned x = 0; x < li.extents; x++) {
			struct vmdk_extent_info ei;
			if (vmdk_get_extent_info(d, i, x, &ei) < 0)
				break;
			fprintf(stderr, "%s: %s:   extent %u: %s %s, %s from sector %llu, %s\n",
				progname, li.path, x, ei.access, ei.kind,
				tool_sectors(ei.sectors), (unsigned long long)ei.start,
				ei.path ? ei.format : "no file");
		}
	}
	(void)path;
}

void tool_describe_path(const char *path)
{
	vmdk_disk *d;

	if (verbosity < 2)
		return;
	if (vmdk_open(path, VMDK_OPEN_RDONLY | tool_open_flags, &d) < 0) {
		fprintf(stderr, "%s: %s: does not open as it is: %s\n", progname, path,
			vmdk_errmsg(NULL));
		return;
	}
	tool_describe(d, path);
	vmdk_close(d);
}

bool tool_break_lock_asked, tool_break_lock_known;

int tool_break_lock(const char *path)
{
	int n;

	if (!tool_break_lock_asked)
		return 0;
	n = vmdk_break_vmware_lock(path);
	if (n < 0) {
		tool_lib_error(path, n, NULL);
		return -1;
	}
	if (n > 0 && verbosity > 0)
		tool_warn(path, "removed VMware's lock (%d holder%s)", n,
			  n == 1 ? "" : "s");
	return 0;
}

int tool_open_error;

vmdk_disk *tool_open(const char *path, unsigned flags)
{
	char who[256];
	vmdk_disk *d;
	int err;

	tool_open_error = 0;
	if (!(flags & VMDK_OPEN_RDONLY) && tool_break_lock(path) < 0)
		return NULL;
	err = vmdk_open(path, flags | tool_open_flags, &d);
	if (err < 0) {
		tool_open_error = err;
		tool_lib_error(path, err, NULL);
		return NULL;
	}
	/* A reader goes on, but says what it reads may be changing. */
	if ((flags & VMDK_OPEN_RDONLY) && verbosity > 0 &&
	    vmdk_vmware_locked(d, who, sizeof(who)))
		tool_warn(NULL, "warning: %s: a running VM may be changing the disk "
			  "as it is read", who);
	tool_describe(d, path);
	return d;
}

/* A run that a signal cut short ends as shells expect of it: 128 + the
 * signal's number (130 for SIGINT, 143 for SIGTERM), after the cleanup
 * the tool did.  A run that finished anyway keeps its own status. */
static void exit_status_of_signal(int status, void *arg)
{
	(void)arg;
	if (status == 0 || !tool_interrupted)
		return;
	fflush(NULL);
	_exit(128 + tool_interrupted);
}

int tool_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

long tool_read_full(int fd, void *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t r = read(fd, (char *)buf + have, len - have);
		if (r < 0 && errno == EINTR && !tool_interrupted)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		have += (size_t)r;
	}
	return (long)have;
}

