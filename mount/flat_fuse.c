/* SPDX-License-Identifier: MIT */
/* flat_fuse.c --- a disk as the one file "flat" of a FUSE mount
 *
 * One thread serves every request, so the source is called one request
 * at a time.  The file has the disk's size, which no write or truncate
 * changes; discards (punched holes) reach the source as zeros that may
 * release space. */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flat_fuse.h"

static const char flat_path[] = "/" FLAT_NAME;

struct flat_fuse {
	struct flat_source src;
	struct timespec started;
	struct fuse *fuse;
	int stopped;		/* flat_fuse_stop() unmounted it */
	char *dir;
};

static struct flat_fuse *served(void)
{
	return fuse_get_context()->private_data;
}

static int m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct flat_fuse *s = served();

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim = st->st_mtim = st->st_ctim = s->started;
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, flat_path)) {
		st->st_mode = S_IFREG | (s->src.writable ? 0600 : 0400);
		st->st_nlink = 1;
		st->st_size = (off_t)s->src.bytes;
		st->st_blocks = (blkcnt_t)(s->src.bytes / 512);
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
	fill(buf, FLAT_NAME, NULL, 0, 0);
	return 0;
}

static int m_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, flat_path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY && !served()->src.writable)
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
	return (uint64_t)size == served()->src.bytes ? 0 : -EPERM;
}

/* [@off, @off + *@len) clipped to the disk; false past its end. */
static bool clip(uint64_t off, size_t *len)
{
	uint64_t bytes = served()->src.bytes;

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
	err = served()->src.read(served()->src.arg, buf, len, (uint64_t)off);
	return err < 0 ? err : (int)len;
}

static int m_write(const char *path, const char *buf, size_t len, off_t off,
		   struct fuse_file_info *fi)
{
	int err;

	(void)path;
	(void)fi;
	if (!clip((uint64_t)off, &len))
		return -ENOSPC;
	err = served()->src.write(served()->src.arg, buf, len, (uint64_t)off);
	return err < 0 ? err : (int)len;
}

static int m_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	if (!served()->src.writable)
		return 0;
	return served()->src.flush(served()->src.arg);
}

/* Zeros written a chunk at a time, where the source cannot release. */
static int zero(struct flat_fuse *s, uint64_t off, uint64_t len, bool release)
{
	static const char zeros[65536];
	int err = 0;

	if (s->src.zero)
		return s->src.zero(s->src.arg, off, len, release);
	if (release)
		return -EOPNOTSUPP;	/* writing zeros would allocate space */
	while (len && !err) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		err = s->src.write(s->src.arg, zeros, n, off);
		off += n;
		len -= n;
	}
	return err;
}

/* A discard from a filesystem through the loop device arrives as a
 * punched hole: whole grains are let go.  Zero range writes zeros;
 * plain allocation has nothing to do (sparse grains come when written). */
static int m_fallocate(const char *path, int mode, off_t off, off_t len,
		       struct fuse_file_info *fi)
{
	size_t n = (size_t)len;

	(void)path;
	(void)fi;
	if (!served()->src.writable)
		return -EROFS;
	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		return (uint64_t)off + (uint64_t)len <= served()->src.bytes ? 0 : -EOPNOTSUPP;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && !(mode & FALLOC_FL_PUNCH_HOLE) &&
	    (uint64_t)off + (uint64_t)len > served()->src.bytes)
		return -EOPNOTSUPP;
	if (!clip((uint64_t)off, &n))
		return 0;
	return zero(served(), (uint64_t)off, n, (mode & FALLOC_FL_PUNCH_HOLE) != 0);
}

/* Times are the mount's: a write-back cache still asks to set them. */
static int m_utimens(const char *path, const struct timespec tv[2],
		     struct fuse_file_info *fi)
{
	(void)tv;
	(void)fi;
	return strcmp(path, "/") && strcmp(path, flat_path) ? -ENOENT : 0;
}

static int m_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = st->f_frsize = 512;
	st->f_blocks = served()->src.bytes / 512;
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
	if (conn->capable & FUSE_CAP_WRITEBACK_CACHE)
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
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
	.utimens = m_utimens,
};

struct flat_fuse *flat_fuse_mount(const char *dir, const char *fsname,
				  const struct flat_source *src, char *msg, size_t msglen)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct flat_fuse *f = calloc(1, sizeof(*f));
	char *opt = NULL;

	if (!f || asprintf(&opt, "-ofsname=%s,subtype=vmdk-mount,default_permissions%s",
			   fsname, src->writable ? "" : ",ro") < 0) {
		snprintf(msg, msglen, "no memory");
		free(f);
		return NULL;
	}
	f->src = *src;
	if (!(f->dir = strdup(dir))) {
		snprintf(msg, msglen, "no memory");
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &f->started);
	if (fuse_opt_add_arg(&args, "vmdk-mount") || fuse_opt_add_arg(&args, opt) ||
	    !(f->fuse = fuse_new(&args, &ops, sizeof(ops), f))) {
		snprintf(msg, msglen, "cannot start FUSE (libfuse3 refused the options)");
		goto fail;
	}
	if (fuse_mount(f->fuse, dir) != 0) {
		snprintf(msg, msglen, "%s: the FUSE mount failed (is /dev/fuse there and "
			 "usable? as a user, fusermount3 from the fuse3 package is "
			 "needed)", dir);
		fuse_destroy(f->fuse);
		goto fail;
	}
	fuse_opt_free_args(&args);
	free(opt);
	return f;
fail:
	fuse_opt_free_args(&args);
	free(opt);
	free(f->dir);
	free(f);
	return NULL;
}

int flat_fuse_serve(struct flat_fuse *f, bool signals)
{
	int err;

	if (signals)
		fuse_set_signal_handlers(fuse_get_session(f->fuse));
	err = fuse_loop(f->fuse);
	if (signals)
		fuse_remove_signal_handlers(fuse_get_session(f->fuse));
	if (__atomic_load_n(&f->stopped, __ATOMIC_ACQUIRE))
		return err ? -1 : 0;	/* flat_fuse_free() after the join */
	fuse_unmount(f->fuse);
	fuse_destroy(f->fuse);
	free(f->dir);
	free(f);
	return err ? -1 : 0;
}

int flat_fuse_unmount_dir(const char *dir, bool lazy)
{
	if (geteuid() != 0) {
		pid_t pid = fork();
		int status = 1;
		if (pid == 0) {
			if (lazy)
				execlp("fusermount3", "fusermount3", "-u", "-q", "-z", dir,
				       (char *)NULL);
			else
				execlp("fusermount3", "fusermount3", "-u", "-q", dir, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
		return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOEXEC;
	}
	/* A loop device just let go may hold the file a moment. */
	for (int i = 0; i < 250; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		if (umount2(dir, 0) == 0 || errno == EINVAL || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&ts, NULL);
	}
	if (lazy && umount2(dir, MNT_DETACH) == 0)
		return 0;
	return -EBUSY;
}

/* The kernel ends the connection when the mount goes, and the loop,
 * blocked reading the device, returns; libfuse's own unmount would close
 * that device under the reading thread. */
void flat_fuse_stop(struct flat_fuse *f)
{
	__atomic_store_n(&f->stopped, 1, __ATOMIC_RELEASE);
	flat_fuse_unmount_dir(f->dir, true);
}

void flat_fuse_free(struct flat_fuse *f)
{
	fuse_unmount(f->fuse);	/* gone already: closes the device */
	fuse_destroy(f->fuse);
	free(f->dir);
	free(f);
}
