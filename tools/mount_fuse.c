/* SPDX-License-Identifier: MIT */
/* mount_fuse.c --- the daemon behind vmdk-mount: the disk as one flat file
 * in a FUSE mount (flat_fuse.c), read and written through libvmdk
 *
 * One process per mount, one thread: the disk handle is not shared.  The
 * daemon opens the disk itself (its write lock names the daemon's pid),
 * holds it while the mount exists, and closes it (clearing the unclean
 * mark) only after a clean unmount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "flat_fuse.h"
#include "mount_fuse.h"

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	ssize_t w;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w = write(fd, msg, strlen(msg));
	(void)w;
}

static int src_read(void *arg, void *buf, size_t len, uint64_t off)
{
	return -vmdk_errno(vmdk_pread(arg, buf, len, off));
}

static int src_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	return -vmdk_errno(vmdk_pwrite(arg, buf, len, off));
}

static int src_flush(void *arg)
{
	return -vmdk_errno(vmdk_flush(arg));
}

static int src_zero(void *arg, uint64_t off, uint64_t len, bool release)
{
	return -vmdk_errno(vmdk_zero_bytes(arg, off, len, release));
}

/* The child's side: open, mount, tell the parent, serve until unmounted. */
static int serve(const struct mount_fuse_params *p, int tell)
{
	struct flat_source src = {
		.read = src_read, .write = src_write, .flush = src_flush,
		.zero = src_zero, .writable = p->writable,
	};
	struct vmdk_info info;
	struct flat_fuse *f;
	char msg[1024];
	vmdk_disk *d;
	int err;

	err = vmdk_open(p->disk, p->open_flags | (p->writable ? 0 : VMDK_OPEN_RDONLY), &d);
	if (err < 0) {
		report(tell, "%s", vmdk_errmsg(NULL));
		return 1;
	}
	if (p->writable && !vmdk_takes_writes(d)) {
		report(tell, "%s: a streamOptimized, COWD or seSparse disk is written "
		       "only by appending a whole copy, not in place: mount it "
		       "read-only (-r)", p->disk);
		vmdk_close(d);
		return 1;
	}
	vmdk_get_info(d, &info);
	src.bytes = info.capacity * 512;
	src.arg = d;
	/* fsname shows the disk in mount(8) and /proc/self/mountinfo. */
	if (!(f = flat_fuse_mount(p->mountpoint, p->disk, &src, msg, sizeof(msg)))) {
		report(tell, "%s", msg);
		vmdk_close(d);
		return 1;
	}
	report(tell, "OK");
	close(tell);
	err = flat_fuse_serve(f, true);
	/* The unclean mark goes only now, after a clean unmount. */
	err = vmdk_close(d) < 0 || err;
	if (p->on_exit)
		p->on_exit(p->on_exit_arg);
	return err;
}

pid_t mount_fuse_start(const struct mount_fuse_params *p, char *msg, size_t msglen)
{
	int pipefd[2];
	ssize_t got;
	pid_t pid;

	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		snprintf(msg, msglen, "/dev/fuse: %s: FUSE is needed (load the fuse "
			 "module, or in a container pass the device in)", strerror(errno));
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(msg, msglen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msglen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		close(pipefd[0]);
		setsid();
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		if (chdir("/") != 0)
			_exit(1);
		_exit(serve(p, pipefd[1]));
	}
	close(pipefd[1]);
	got = read(pipefd[0], msg, msglen - 1);
	close(pipefd[0]);
	msg[got > 0 ? got : 0] = 0;
	if (strcmp(msg, "OK")) {
		waitpid(pid, NULL, 0);
		if (!*msg)
			snprintf(msg, msglen, "the mount daemon ended before it was ready");
		return -1;
	}
	return pid;
}
