/* SPDX-License-Identifier: MIT */
/* common.c --- messages, size parsing and version banner of the tools */
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
#include "ops.h"

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

void tool_disk_error(const char *file, int err, const char *detail)
{
	size_t n = strlen(file);
	const char *colon;

	if (!detail || !*detail) {
		tool_warn(file, "%s", vmdk_strerror(err));
		return;
	}
	/* Library details start with the file they concern ("x.vmdk: ...",
	 * perhaps an extent's), except for whole-disk ones. */
	colon = strstr(detail, ": ");
	if ((strncmp(detail, file, n) == 0 && detail[n] == ':') ||
	    (colon && !memchr(detail, ' ', (size_t)(colon - detail))))
		tool_warn(NULL, "%s", detail);
	else
		tool_warn(file, "%s", detail);
	/* The override, where this tool has it. */
	if (err == VMDK_E_LOCKED && tool_break_lock_known && strstr(detail, "VMware's lock"))
		tool_warn(file, "if no VM uses the disk any more, --break-lock removes "
			  "the lock");
}

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
			fprintf(stderr, "%s: %s: parent found by the hint of link %u\n",
				progname, li.path, i - 1);
		fprintf(stderr, "%s: %s: link %u, %s, CID %08x, %s descriptor, %u "
			"extent%s\n", progname, li.path, i, li.create_type, li.cid,
			li.embedded_descriptor ? "embedded" : "separate", li.extents,
			li.extents == 1 ? "" : "s");
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
		tool_disk_error(path, n, vmdk_errmsg(NULL));
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
		tool_disk_error(path, err, vmdk_errmsg(NULL));
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

volatile int tool_interrupted;

static void on_signal(int sig)
{
	tool_interrupted = sig;
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

void tool_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tool_progress_init(struct tool_progress *p, const char *label, bool force)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->enabled = verbosity > 0 && (force || isatty(STDERR_FILENO));
	p->start = p->last = now();
}

/* Columns of the terminal on stderr (80 when it does not say). */
static int columns(void)
{
	struct winsize ws;

	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

int tool_progress_cb(void *arg, uint64_t done, uint64_t total)
{
	struct tool_progress *p = arg;
	uint64_t unit = p->unit ? p->unit : 512;
	char a[32], b[32], r[32], line[5][160];
	double t, rate, eta;
	int width, pct;

	if (tool_interrupted)
		return 1;
	if (!p->enabled)
		return 0;
	t = now();
	if (t - p->last < 0.16 && done < total)
		return 0;
	p->last = t;
	rate = t > p->start ? (double)done * (double)unit / (t - p->start) : 0;
	eta = rate > 0 ? (double)(total - done) * (double)unit / rate : 0;
	pct = total ? (int)(done * 100 / total) : 100;
	tool_human(done * unit, a, sizeof(a));
	tool_human(total * unit, b, sizeof(b));
	tool_human((uint64_t)rate, r, sizeof(r));
	/* The longest form that fits the terminal, never a wrapped line. */
	snprintf(line[0], sizeof(line[0]), "%s: %3d%%  %s of %s  %s/s  ETA %d:%02d",
		 p->label, pct, a, b, r, (int)eta / 60, (int)eta % 60);
	snprintf(line[1], sizeof(line[1]), "%s: %3d%%  %s of %s  ETA %d:%02d",
		 p->label, pct, a, b, (int)eta / 60, (int)eta % 60);
	snprintf(line[2], sizeof(line[2]), "%s: %3d%%  %s of %s", p->label, pct, a, b);
	snprintf(line[3], sizeof(line[3]), "%s: %3d%%", p->label, pct);
	snprintf(line[4], sizeof(line[4]), "%3d%%", pct);
	width = columns() - 1;
	for (int i = 0; i < 5; i++)
		if ((int)strlen(line[i]) <= width || i == 4) {
			fprintf(stderr, "\r%.*s\033[K", width > 0 ? width : 4, line[i]);
			break;
		}
	p->drawn = true;
	return 0;
}

void tool_progress_end(struct tool_progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = false;
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
