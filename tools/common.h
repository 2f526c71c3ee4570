/* SPDX-License-Identifier: MIT */
/* common.h --- what every vmdktools utility shares: messages, sizes,
 * version banner */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmdk.h"

#define EXIT_USAGE 2

extern const char *progname;
extern int verbosity;	/* 0 quiet, 1 normal, 2 verbose */
/* The shared operations print their own summary line (a front end with
 * messages of its own turns that off). */
extern bool tool_op_summaries;

void tool_init(const char *argv0);
void tool_version(void);
/* "Try 'prog --help' ..." on stderr, exit 2. */
_Noreturn void tool_try_help(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* "prog: file: message" on stderr. */
void tool_warn(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report the library's last error on @d (NULL: this thread's last): its
 * message, said of @file unless the library named the file it concerns
 * (vmdk_errfile), else the code's text. */
void tool_lib_error(const char *file, int err, const vmdk_disk *d);
/* Sizes: N sectors (or Ns), N[.N] with K, M, G, T (KB, KiB ...: binary,
 * rounded up to whole sectors), or NB bytes filling whole sectors; at
 * most TOOL_MAX_SECTORS.  NULL on success, else why not.  A leading '+'
 * (only where @relative_ok) sets *@relative. */
const char *tool_size_parse(const char *s, bool relative_ok, uint64_t *sectors,
			    bool *relative);
/* An absolute size option, or a usage error that says why and the syntax. */
int tool_size_arg(const char *s, uint64_t *sectors);
/* The largest disk there is (64 TiB), in sectors: no sector number,
 * count or size beyond it is taken. */
#define TOOL_MAX_SECTORS (1ull << 37)
/* A plain unsigned number (decimal, or 0x hex).  0 on success. */
int tool_parse_u64(const char *s, uint64_t *out);
/* -s/--start and -c/--count of the tools that take a sector range. */
void tool_range_option(int c, const char *arg, uint64_t *start,
		       uint64_t *count, bool *have_count);
/* A -t value, or a usage error listing the valid ones; _dest_ also takes
 * "raw" (VMDK_TYPE_RAW). */
int tool_type_arg(const char *arg);
int tool_dest_type_arg(const char *arg);
/* "0-6, or monolithicSparse, ..." and "ide, buslogic, ...", for messages. */
const char *tool_type_choices(void);
const char *tool_adapter_choices(void);
/* All of @buf to @fd; 0 or -errno. */
int tool_write_all(int fd, const void *buf, size_t len);
/* Up to @len bytes from @fd, fewer only at its end; the count or -errno. */
long tool_read_full(int fd, void *buf, size_t len);
/* -a and --hwversion values, or a usage error. */
int tool_adapter_arg(const char *arg);
int tool_hwversion_arg(const char *arg);
/* Check @start and *@count against @capacity (a count not given means
 * "to the end"); report and return -1 when they do not fit. */
int tool_sector_range(const char *path, uint64_t start, uint64_t *count,
		      bool have_count, uint64_t capacity);
/* "1 sector", "8 sectors" (one of four buffers that take turns). */
const char *tool_sectors(uint64_t n);
/* "1.5 GiB" style, for messages. */
const char *tool_human(uint64_t bytes, char *buf, int len);

/* --unsafe-paths of the tools that open a disk: descriptors may name
 * files anywhere (only for disks you made); tool_open() adds it. */
#define TOOL_OPT_UNSAFE_PATHS 0x1001
#define TOOL_UNSAFE_LONGOPT \
	{ "unsafe-paths", no_argument, NULL, TOOL_OPT_UNSAFE_PATHS }
#define TOOL_UNSAFE_HELP \
	"     --unsafe-paths       let the descriptor name files outside its\n" \
	"                          directory (only for disks you made)\n"
extern unsigned tool_open_flags;

/* --break-lock of the tools that change a disk: VMware's lock directories
 * (a VM's FILE.lck) are removed first; tool_open() and the operations in
 * ops.h call tool_break_lock() with the disk they change. */
#define TOOL_OPT_BREAK_LOCK 0x1002
#define TOOL_BREAK_LOCK_LONGOPT \
	{ "break-lock", no_argument, NULL, TOOL_OPT_BREAK_LOCK }
#define TOOL_BREAK_LOCK_HELP \
	"     --break-lock         remove VMware's lock (DISK.vmdk.lck) first: only\n" \
	"                          when no VM that uses the disk is running\n"
extern bool tool_break_lock_asked;
/* This tool has --break-lock: a VMware lock's refusal names it. */
extern bool tool_break_lock_known;
/* With --break-lock: remove @path's VMware lock, saying so; -1 once an
 * error is told. */
int tool_break_lock(const char *path);

/* The options every tool has: -q, -v, -h (prints @usage), -V; anything
 * else is a usage error.  Call it from the switch's default.  Option
 * strings start with ':' (a missing value returns ':'), and getopt's own
 * messages are off: the tool says what is wrong in one line. */
void tool_common_option(int c, void (*usage)(void), char **argv);
/* "prog: unknown option '-x'" or "...needs a value" for getopt's '?'
 * or ':' (no exit). */
void tool_bad_option(int c, char **argv);
/* The one disk operand, or a usage error. */
const char *tool_operand(int argc, char **argv);
/* With -v: the links opened (parents found by their hints) and their
 * extents, on stderr; _path opens @path read-only to tell it (or why it
 * does not open) before an operation that opens it itself. */
void tool_describe(vmdk_disk *d, const char *path);
void tool_describe_path(const char *path);
/* Open @path, or report why not and return NULL (the code then in
 * tool_open_error, the detail in vmdk_errmsg(NULL)); described with -v. */
vmdk_disk *tool_open(const char *path, unsigned flags);
extern int tool_open_error;
#define TOOL_COMMON_SHORTOPTS "qvhV"
#define TOOL_COMMON_LONGOPTS \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }

/* Progress on stderr, only when it is a terminal (or forced) and not
 * quiet; at most ~6 redraws a second; the line is cleared at the end.
 * The callback returns nonzero once SIGINT or SIGTERM arrived, so the
 * library stops and cleans up. */
struct tool_progress {
	const char *label;
	uint64_t unit;		/* bytes in one unit of done/total; 0: sectors */
	bool enabled;
	double start, last;
	bool drawn;
};
void tool_progress_init(struct tool_progress *p, const char *label, bool force);
int tool_progress_cb(void *arg, uint64_t done, uint64_t total);
void tool_progress_end(struct tool_progress *p);
void tool_catch_signals(void);
extern volatile int tool_interrupted;

/* @s as a JSON string literal, quotes included; NULL prints null. */
void tool_json_string(const char *s);
/* The keys every JSON object ends with, whatever happened, and its
 * closing brace: "error" (null, or {code, message}) and "exitStatus". */
void tool_json_outcome(int err, const char *message, int exit_status);

/* tool_init and the options of a tool whose own is only --progress (and
 * --break-lock, for a @writer); true when --progress was given. */
bool tool_progress_options(int argc, char **argv, void (*usage)(void),
			   bool writer);

/* vmdk-shrink and vmdk-defrag: options, then op_compact(). */
int tool_compact_main(int argc, char **argv, void (*usage)(void), bool shrink);

#endif
