/* SPDX-License-Identifier: MIT */
/* mount_fuse.c --- the daemon behind vmdk-mount: the disk as one flat file
 * in a FUSE mount, read and written through libvmdk
 *
 * One process per mount, one thread: the disk handle is not shared.  The
 * daemon opens the disk itself (its write lock names the daemon's pid),
 * holds it while the mount exists, and closes it (clearing the unclean
 * mark) only after a clean unmount. */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "mount_fuse.h"

static const char flat_path[] = "/" MOUNT_FLAT_NAME;

struct served {
	vmdk_disk *d;
	uint64_t bytes;
	bool writable;
	struct timespec started;
};

static struct served *served(void)
{
	return fuse_get_context()->private_data;
}

static int m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct served *s = served();

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim = st->st_mtim = st->st_ctim = s->started;
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, flat_path)) {
		st->st_mode = S_IFREG | (s->writable ? 0600 : 0400);
		st->st_nlink = 1;
		st->st_size = (off_t)s->bytes;
		st->st_blocks = (blkcnt_t)(s->bytes / 512);
		st->st_blksize = 65536;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int m_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, MOUNT_FLAT_NAME, NULL, 0, 0);
	return 0;
}

static int m_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, flat_path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY && !served()->writable)
		return -EROFS;
	if (fi->flags & O_TRUNC)
		return -EPERM;	/* a disk's size is not the file's to change */
	fi->keep_cache = 1;	/* nobody else writes the disk */
	return 0;
}

/* Only the disk's own size: growing is vmdk-grow's, not a write's. */
static int m_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, flat_path))
		return -ENOENT;
	return (uint64_t)size == served()->bytes ? 0 : -EPERM;
}

/* [@off, @off + *@len) clipped to the disk; false past its end. */
static bool clip(uint64_t off, size_t *len)
{
	uint64_t bytes = served()->bytes;

	if (off >= bytes)
		return false;
	if (*len > bytes - off)
		*len = (size_t)(bytes - off);
	return true;
}

static int m_read(const char *path, char *buf, size_t len, off_t off,
		  struct fuse_file_info *fi)
{
	int err;

	(void)path;
	(void)fi;
	if (!clip((uint64_t)off, &len))
		return 0;
	err = vmdk_pread(served()->d, buf, len, (uint64_t)off);
	return err < 0 ? -vmdk_errno(err) : (int)len;
}

static int m_write(const char *path, const char *buf, size_t len, off_t off,
		   struct fuse_file_info *fi)
{
	int err;

	(void)path;
	(void)fi;
	if (!clip((uint64_t)off, &len))
		return -ENOSPC;
	err = vmdk_pwrite(served()->d, buf, len, (uint64_t)off);
	return err < 0 ? -vmdk_errno(err) : (int)len;
}

static int m_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	int err;

	(void)path;
	(void)datasync;
	(void)fi;
	if (!served()->writable)
		return 0;
	err = vmdk_flush(served()->d);
	return err < 0 ? -vmdk_errno(err) : 0;
}

/* A discard from a filesystem through the loop device arrives as a
 * punched hole: whole grains are let go.  Zero range writes zeros;
 * plain allocation has nothing to do (sparse grains come when written). */
static int m_fallocate(const char *path, int mode, off_t off, off_t len,
		       struct fuse_file_info *fi)
{
	size_t n = (size_t)len;
	int err;

	(void)path;
	(void)fi;
	if (!served()->writable)
		return -EROFS;
	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		return (uint64_t)off + (uint64_t)len <= served()->bytes ? 0 : -EOPNOTSUPP;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && !(mode & FALLOC_FL_PUNCH_HOLE) &&
	    (uint64_t)off + (uint64_t)len > served()->bytes)
		return -EOPNOTSUPP;
	if (!clip((uint64_t)off, &n))
		return 0;
	err = vmdk_zero_bytes(served()->d, (uint64_t)off, n,
			      (mode & FALLOC_FL_PUNCH_HOLE) != 0);
	return err < 0 ? -vmdk_errno(err) : 0;
}

static int m_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = st->f_frsize = 512;
	st->f_blocks = served()->bytes / 512;
	st->f_files = 1;
	st->f_namemax = 255;
	return 0;
}

static void *m_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Big requests: a loop device above sends up to its queue's size. */
	conn->max_write = 1u << 20;
	conn->max_readahead = 1u << 20;
	cfg->kernel_cache = 1;
	cfg->attr_timeout = cfg->entry_timeout = 3600;
	return fuse_get_context()->private_data;
}

static const struct fuse_operations ops = {
	.init = m_init,
	.getattr = m_getattr,
	.readdir = m_readdir,
	.open = m_open,
	.truncate = m_truncate,
	.read = m_read,
	.write = m_write,
	.fsync = m_fsync,
	.fallocate = m_fallocate,
	.statfs = m_statfs,
};

/* Every extent of the top link takes writes in place. */
static bool top_takes_writes(vmdk_disk *d)
{
	struct vmdk_link_info li;

	if (vmdk_get_link_info(d, 0, &li) < 0)
		return false;
	for (unsigned e = 0; e < li.extents; e++) {
		struct vmdk_extent_info ei;
		if (vmdk_get_extent_info(d, 0, e, &ei) < 0 ||
		    (!ei.writable && ei.path))
			return false;
	}
	return true;
}

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

/* The child's side: open, mount, tell the parent, serve until unmounted. */
static int serve(const struct mount_fuse_params *p, int tell)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct served s = { 0 };
	struct vmdk_info info;
	char opt[PATH_MAX + 64];
	struct fuse *f;
	int err;

	err = vmdk_open(p->disk, p->open_flags | (p->writable ? 0 : VMDK_OPEN_RDONLY), &s.d);
	if (err < 0) {
		report(tell, "%s", vmdk_errmsg(NULL));
		return 1;
	}
	if (p->writable && !top_takes_writes(s.d)) {
		report(tell, "%s: a streamOptimized, COWD or seSparse disk is written "
		       "only by appending a whole copy, not in place: mount it "
		       "read-only (-r)", p->disk);
		vmdk_close(s.d);
		return 1;
	}
	vmdk_get_info(s.d, &info);
	s.bytes = info.capacity * 512;
	s.writable = p->writable;
	clock_gettime(CLOCK_REALTIME, &s.started);
	/* fsname shows the disk in mount(8) and /proc/self/mountinfo. */
	snprintf(opt, sizeof(opt), "-ofsname=%s,subtype=vmdk-mount,default_permissions%s",
		 p->disk, p->writable ? "" : ",ro");
	if (fuse_opt_add_arg(&args, "vmdk-mount") || fuse_opt_add_arg(&args, opt) ||
	    !(f = fuse_new(&args, &ops, sizeof(ops), &s))) {
		report(tell, "cannot start FUSE (libfuse3 refused the options)");
		fuse_opt_free_args(&args);
		vmdk_close(s.d);
		return 1;
	}
	fuse_opt_free_args(&args);
	if (fuse_mount(f, p->mountpoint) != 0) {
		report(tell, "%s: the FUSE mount failed (is /dev/fuse there and "
		       "usable? as a user, fusermount3 from the fuse3 package is "
		       "needed)", p->mountpoint);
		fuse_destroy(f);
		vmdk_close(s.d);
		return 1;
	}
	fuse_set_signal_handlers(fuse_get_session(f));
	report(tell, "OK");
	close(tell);
	err = fuse_loop(f);
	fuse_remove_signal_handlers(fuse_get_session(f));
	fuse_unmount(f);
	fuse_destroy(f);
	/* The unclean mark goes only now, after a clean unmount. */
	err = vmdk_close(s.d) < 0 || err;
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
