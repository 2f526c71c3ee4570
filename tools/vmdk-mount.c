/* SPDX-License-Identifier: MIT */
/* vmdk-mount.c --- vmware-mount's command line: a volume of a disk
 * mounted through FUSE, a loop device and the kernel, or the whole disk
 * as one flat file */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "mount_fuse.h"
#include "loop.h"
#include "mount_of.h"
#include "mount_state.h"
#include "volumes_show.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [-r] [-o <options>] <disk.vmdk> [<partition>] <dir>\n"
	       " %s [-r] -f <disk.vmdk> <dir>\n"
	       " %s -p <disk.vmdk>\n"
	       " %s -d <dir>\n"
	       " %s -k <disk.vmdk>\n"
	       " %s -L\n"
	       "\nMount a volume of a virtual disk on <dir> (the first partition\n"
	       "holding a filesystem, or the whole disk when it has no partition\n"
	       "table), or present the whole disk as the flat file <dir>/flat.\n"
	       "Writes go to the disk (a child's top link) until it is unmounted.\n"
	       "\nOptions:\n"
	       " -r, --read-only          mount read-only (streamOptimized disks\n"
	       "                          mount only so)\n"
	       " -o, --options <list>     mount options for the volume (noatime,...)\n"
	       " -f, --flat               the whole disk as <dir>/flat\n"
	       " -p, --partitions         list the disk's partitions\n"
	       " -d, --unmount            unmount <dir> and release the disk\n"
	       " -k, --unmount-disk       unmount everything of <disk.vmdk>\n"
	       " -L, --list               list what is mounted\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              say nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-mount(1).\n",
	       progname, progname, progname, progname, progname, progname);
}

/* @path made absolute without following its last name, which may be a
 * dead FUSE mount that no stat() gets through. */
static void absolute(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], *copy = strdup(path), *slash;
	const char *base;

	if (realpath(path, out) || !copy) {
		free(copy);
		return;
	}
	slash = strrchr(copy, '/');
	while (slash && slash > copy && slash[1] == 0) {	/* "dir/" */
		*slash = 0;
		slash = strrchr(copy, '/');
	}
	base = slash ? slash + 1 : copy;
	if (slash)
		*slash = 0;
	if (!realpath(slash ? (*copy ? copy : "/") : ".", dir))
		snprintf(dir, sizeof(dir), "%s", slash ? copy : ".");
	if ((size_t)snprintf(out, len, "%s/%s", strcmp(dir, "/") ? dir : "", base) >= len)
		out[0] = 0;	/* too long to be a path: matches nothing */
	free(copy);
}

static int usable_dir(const char *dir)
{
	struct mount_info m;
	struct stat st;

	if (stat(dir, &st) != 0) {
		tool_warn(dir, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		tool_warn(dir, "not a directory");
		return -1;
	}
	if (mount_of(dir, &m) == 1) {
		tool_warn(dir, "already a mount point (%s of %s): unmount it first",
			  m.type, m.source);
		return -1;
	}
	return 0;
}

/* Unmount a FUSE mount; a loop device just let go may hold it a moment. */
static int unmount_fuse(const char *dir)
{
	int err = flat_fuse_unmount_dir(dir, false);

	if (err == -ENOEXEC)
		tool_warn(dir, "fusermount3 -u failed (is the fuse3 package there?)");
	else if (err < 0)
		tool_warn(dir, "cannot unmount: %s", err == -EBUSY ?
			  "busy (a process has files open there)" : strerror(-err));
	return err < 0 ? -1 : 0;
}

/* The daemon flushes and closes the disk after its unmount: wait. */
static int wait_daemon(pid_t pid)
{
	for (int i = 0; i < 6000 && mount_state_alive(pid); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return mount_state_alive(pid) ? -1 : 0;
}

/* The daemon and its mount, once nothing is mounted from it. */
static int stop_daemon(const struct mount_state *s, bool alive)
{
	char fuse[PATH_MAX + 8];

	if (s->partition == MOUNT_FLAT)
		snprintf(fuse, sizeof(fuse), "%s", s->mountpoint);
	else
		mount_state_fuse_dir(s, fuse, sizeof(fuse));
	if (unmount_fuse(fuse) != 0)
		return -1;
	if (alive && wait_daemon(s->pid) != 0) {
		tool_warn(s->disk, "the mount daemon (pid %d) has not ended", (int)s->pid);
		return -1;
	}
	mount_state_remove(s);
	return 0;
}

static int unmount_volume(struct mount_state *s, unsigned i, bool alive)
{
	const char *dir = s->vol[i].mountpoint;

	if (umount2(dir, 0) != 0 && errno != EINVAL && errno != ENOENT) {
		if (errno == EBUSY || alive) {
			tool_warn(dir, "cannot unmount: %s", errno == EBUSY ?
				  "busy (a process has files open there)" : strerror(errno));
			return -1;
		}
		umount2(dir, MNT_DETACH);	/* its daemon is gone */
	}
	mount_state_drop_volume(s, s->vol[i].partition);
	s->vol[i] = s->vol[--s->nvol];
	return 0;
}

static void said_gone(const struct mount_state *s, const char *dir, bool alive)
{
	if (!alive && verbosity > 0)
		tool_warn(dir, "its daemon had ended (killed?): unmounted; vmdk-check %s",
			  s->disk);
}

static int unmount_dir(const char *arg)
{
	struct mount_state *all;
	char dir[PATH_MAX];
	size_t n;
	int rc = 1;

	absolute(arg, dir, sizeof(dir));
	mount_state_list(&all, &n);
	for (size_t r = 0; r < n && rc == 1; r++) {
		struct mount_state *s = &all[r];
		bool alive = mount_state_alive(s->pid);
		if (s->partition == MOUNT_FLAT && !strcmp(s->mountpoint, dir)) {
			rc = stop_daemon(s, alive);
			if (!rc)
				said_gone(s, dir, alive);
		}
		for (unsigned i = 0; i < s->nvol && rc == 1; i++)
			if (!strcmp(s->vol[i].mountpoint, dir)) {
				rc = unmount_volume(s, i, alive);
				if (!rc && !s->nvol)
					rc = stop_daemon(s, alive);
				if (!rc)
					said_gone(s, dir, alive);
			}
	}
	free(all);
	if (rc == 1)
		tool_warn(arg, "not mounted by vmdk-mount (vmdk-mount -L lists what is)");
	return rc ? -1 : 0;
}

static int unmount_disk(const char *arg)
{
	struct mount_state *all;
	char disk[PATH_MAX];
	size_t n, found = 0;
	int rc = 0;

	absolute(arg, disk, sizeof(disk));
	mount_state_list(&all, &n);
	for (size_t r = 0; r < n; r++) {
		struct mount_state *s = &all[r];
		bool alive = mount_state_alive(s->pid);
		if (strcmp(s->disk, disk))
			continue;
		found++;
		while (s->nvol && unmount_volume(s, 0, alive) == 0)
			;
		if (s->nvol || stop_daemon(s, alive) != 0)
			rc = -1;
		else
			said_gone(s, s->disk, alive);
	}
	free(all);
	if (!found) {
		tool_warn(arg, "nothing of this disk is mounted");
		return -1;
	}
	return rc;
}

static int list_mounts(void)
{
	struct mount_state *all;
	size_t n;

	mount_state_list(&all, &n);
	for (size_t r = 0; r < n; r++) {
		const struct mount_state *s = &all[r];
		const char *mode = s->writable ? "read-write" : "read-only";
		bool alive = mount_state_alive(s->pid);
		const char *gone = alive ? "" : ", its daemon gone: vmdk-mount -d cleans up";
		if (s->partition == MOUNT_FLAT)
			printf("%s: whole disk as %s/%s (%s%s)\n", s->disk, s->mountpoint,
			       MOUNT_FLAT_NAME, mode, gone);
		for (unsigned i = 0; i < s->nvol; i++) {
			if (s->vol[i].partition)
				printf("%s: partition %d on %s", s->disk,
				       s->vol[i].partition, s->vol[i].mountpoint);
			else
				printf("%s: the whole disk's volume on %s", s->disk,
				       s->vol[i].mountpoint);
			printf(" (%s%s)\n", mode, gone);
		}
	}
	if (!n && verbosity > 0)
		printf("Nothing is mounted.\n");
	free(all);
	return 0;
}

static int list_partitions(const char *path)
{
	struct vmdk_volumes *v;
	vmdk_disk *d = tool_open(path, VMDK_OPEN_RDONLY);
	int err;

	if (!d)
		return -1;
	err = vmdk_volumes(d, &v);
	if (err < 0) {
		tool_lib_error(path, err, d);
		vmdk_close(d);
		return -1;
	}
	show_partition_list(v);
	vmdk_volumes_free(v);
	vmdk_close(d);
	return 0;
}

/* Where the volume is: @part (-1: the first with a filesystem). */
struct volume {
	int number;
	uint64_t offset, bytes;
	char type[32];
};

/* Read from @carrier's flat file when a daemon already holds the disk. */
static int pick_volume(const char *path, int part, struct volume *out,
		       const struct mount_state *carrier)
{
	struct vmdk_volumes *v;
	const struct vmdk_content *c = NULL;
	struct vmdk_info info;
	vmdk_disk *d = NULL;
	int err;

	if (carrier) {
		char flat[PATH_MAX + 16];
		mount_state_fuse_dir(carrier, flat, sizeof(flat));
		strcat(flat, "/" MOUNT_FLAT_NAME);
		path = carrier->disk;
		err = vmdk_open_raw(flat, VMDK_OPEN_RDONLY | VMDK_OPEN_RAW_FOREIGN, &d);
		if (err < 0)
			tool_lib_error(flat, err, NULL);
	} else {
		d = tool_open(path, VMDK_OPEN_RDONLY);
	}
	if (!d)
		return -1;
	vmdk_get_info(d, &info);
	err = vmdk_volumes(d, &v);
	vmdk_close(d);	/* the daemon opens it again, for writing */
	if (err < 0) {
		tool_lib_error(path, err, NULL);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (part <= 0 && !v->count) {
		c = &v->whole;
		out->bytes = info.capacity * 512;
	}
	for (unsigned i = 0; !c && i < v->count; i++) {
		const struct vmdk_partition *p = &v->part[i];
		if (p->kind == VMDK_PART_EXTENDED ||
		    (part > 0 ? (int)p->number != part :
		     strcmp(p->content.usage, "filesystem")))
			continue;
		c = &p->content;
		out->number = (int)p->number;
		out->offset = p->start * 512;
		out->bytes = p->sectors * 512;
		if (out->offset + out->bytes > info.capacity * 512)
			c = NULL, tool_warn(path, "partition %u reaches past the disk's "
					    "end", p->number);
	}
	if (!c) {
		if (part > 0)
			tool_warn(path, "no partition %d (vmdk-mount -p lists them)", part);
		else if (part == 0)
			tool_warn(path, "the disk has a partition table: name a "
				  "partition (vmdk-mount -p lists them)");
		else
			tool_warn(path, "no partition holds a filesystem (vmdk-mount -p "
				  "lists them)");
		vmdk_volumes_free(v);
		return -1;
	}
	err = -1;
	if (c->ambiguous)
		tool_warn(path, "two signatures claim the volume: not mounted");
	else if (!*c->type)
		tool_warn(path, "%s holds no filesystem libblkid recognises",
			  out->number ? "the partition" : "the disk");
	else if (strcmp(c->usage, "filesystem"))
		tool_warn(path, "%s holds %s, not a filesystem to mount",
			  out->number ? "the partition" : "the disk", c->type);
	else {
		snprintf(out->type, sizeof(out->type), "%s", c->type);
		err = 0;
	}
	vmdk_volumes_free(v);
	return err;
}

/* A writable mount of a disk whose metadata is damaged would write into
 * that damage: refused, with what to do (a read-only mount copies files
 * out; reads of damaged grains fail rather than give wrong data). */
static int refuse_damaged(const char *disk)
{
	struct vmdk_check_report r;
	vmdk_disk *d = tool_open(disk, VMDK_OPEN_RDONLY);	/* says why not */
	int err;

	if (!d)
		return -1;
	vmdk_close(d);
	err = vmdk_check(disk, 0, NULL, NULL, NULL, &r);

	/* The check keeps to the disk's directory; --unsafe-paths was asked. */
	if (err == VMDK_E_UNSAFE_PATH && (tool_open_flags & VMDK_OPEN_UNSAFE_PATHS))
		return 0;
	if (err < 0) {
		tool_lib_error(disk, err, NULL);
		return -1;
	}
	if (r.errors) {
		tool_warn(disk, "damaged (vmdk-check finds %u error%s): repair it with "
			  "vmdk-check -r first, or mount it read-only (-r) to copy "
			  "files out", r.errors, r.errors == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

/* The daemon removes its record once the disk is closed. */
static void remove_record(void *arg)
{
	mount_state_remove(arg);
}

static int start_daemon(struct mount_state *s, const char *at, bool ro)
{
	struct mount_fuse_params p = {
		.disk = s->disk, .mountpoint = at, .open_flags = tool_open_flags,
		.writable = !ro, .on_exit = remove_record, .on_exit_arg = s,
	};
	char msg[1024];

	s->pid = mount_fuse_start(&p, msg, sizeof(msg));
	if (s->pid < 0) {
		tool_warn(NULL, "%s", msg);
		return -1;
	}
	return 0;
}

static int mount_flat(const char *disk, const char *dir_arg, bool ro)
{
	struct mount_state s = { .partition = MOUNT_FLAT, .writable = !ro };
	char msg[512];

	absolute(disk, s.disk, sizeof(s.disk));
	absolute(dir_arg, s.mountpoint, sizeof(s.mountpoint));
	if (usable_dir(s.mountpoint) != 0)
		return -1;
	if (!ro && (tool_break_lock(disk) < 0 || refuse_damaged(s.disk) < 0))
		return -1;
	if (mount_state_new(&s, msg, sizeof(msg)) != 0) {
		tool_warn(NULL, "%s", msg);
		return -1;
	}
	if (start_daemon(&s, s.mountpoint, ro) != 0) {
		mount_state_remove(&s);
		return -1;
	}
	if (mount_state_write(&s) != 0)
		tool_warn(s.dir, "cannot record the mount: %s", strerror(errno));
	if (verbosity > 1)
		printf("%s: whole disk as %s/%s\n", disk, s.mountpoint, MOUNT_FLAT_NAME);
	return 0;
}

/* The daemon already serving @disk for volumes, when there is one: its
 * flat file carries every volume of the disk. */
static int find_carrier(const char *disk, struct mount_state *out)
{
	struct mount_state *all;
	size_t n;
	int found = 0;

	mount_state_list(&all, &n);
	for (size_t r = 0; r < n && !found; r++)
		if (all[r].partition == 0 && !strcmp(all[r].disk, disk) &&
		    mount_state_alive(all[r].pid)) {
			*out = all[r];
			found = 1;
		}
	free(all);
	return found;
}

static int mount_volume(const char *disk, int part, const char *dir_arg, bool ro,
			const char *opts)
{
	static struct mount_state s;
	char msg[1024], fuse[PATH_MAX + 8], flat[PATH_MAX + 16], dev[64], dir[PATH_MAX];
	struct volume vol;
	bool reuse;
	int lfd;

	absolute(disk, s.disk, sizeof(s.disk));
	absolute(dir_arg, dir, sizeof(dir));
	if (usable_dir(dir) != 0)
		return -1;
	if (geteuid() != 0) {
		tool_warn(NULL, "mounting a volume needs root (a loop device and "
			  "mount(2)); vmdk-mount -f gives the whole disk as a file "
			  "without them");
		return -1;
	}
	reuse = find_carrier(s.disk, &s);
	if (reuse && s.writable == ro) {
		tool_warn(disk, "already mounted %s: unmount it first (vmdk-mount -k)",
			  s.writable ? "read-write" : "read-only");
		return -1;
	}
	if (!reuse) {
		s.writable = !ro;
		snprintf(s.mountpoint, sizeof(s.mountpoint), "-");
	}
	/* The carrier's own handle is there to read through: the daemon
	 * holds the disk, so a second open would be refused. */
	if (pick_volume(disk, part, &vol, reuse ? &s : NULL) != 0)
		return -1;
	for (unsigned i = 0; reuse && i < s.nvol; i++)
		if (s.vol[i].partition == vol.number) {
			tool_warn(disk, "%s is already mounted on %s",
				  vol.number ? "that partition" : "the volume",
				  s.vol[i].mountpoint);
			return -1;
		}
	if (!reuse && !ro && (tool_break_lock(disk) < 0 || refuse_damaged(s.disk) < 0))
		return -1;
	if (!reuse) {
		if (mount_state_new(&s, msg, sizeof(msg)) != 0) {
			tool_warn(NULL, "%s", msg);
			return -1;
		}
		mount_state_fuse_dir(&s, fuse, sizeof(fuse));
		if (start_daemon(&s, fuse, ro) != 0) {
			mount_state_remove(&s);
			return -1;
		}
		if (mount_state_write(&s) != 0)
			tool_warn(s.dir, "cannot record the mount: %s", strerror(errno));
	}
	mount_state_fuse_dir(&s, fuse, sizeof(fuse));
	snprintf(flat, sizeof(flat), "%s/%s", fuse, MOUNT_FLAT_NAME);
	lfd = loop_attach(flat, vol.offset, vol.bytes, ro, dev, sizeof(dev),
			  msg, sizeof(msg));
	if (lfd < 0 || kernel_mount(dev, dir, vol.type, opts, ro, msg, sizeof(msg)) != 0) {
		tool_warn(disk, "%s", msg);
		if (lfd >= 0)
			close(lfd);
		if (!reuse)
			stop_daemon(&s, true);
		return -1;
	}
	close(lfd);	/* the mount holds the device now */
	if (mount_state_add_volume(&s, vol.number, dir) != 0)
		tool_warn(s.dir, "cannot record the mount: %s", strerror(errno));
	if (verbosity > 1)
		printf("%s: %s on %s (%s)\n", disk, vol.type, dir, dev);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "options", required_argument, NULL, 'o' },
		{ "flat", no_argument, NULL, 'f' },
		{ "partitions", no_argument, NULL, 'p' },
		{ "unmount", no_argument, NULL, 'd' },
		{ "unmount-disk", no_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'L' },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	const char *opts = NULL;
	bool ro = false;
	int c, action = 0, nargs, part = -1, rc;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":ro:fpdkL" TOOL_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ro = true;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'f': case 'p': case 'd': case 'k': case 'L':
			if (action && action != c)
				tool_try_help("-%c and -%c do not go together", action, c);
			action = c;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	nargs = argc - optind;
	switch (action) {
	case 'L':
		if (nargs)
			tool_try_help("-L takes no operand");
		return list_mounts() ? 1 : 0;
	case 'p':
	case 'd':
	case 'k':
		if (nargs != 1)
			tool_try_help("-%c takes one %s", action,
				      action == 'd' ? "directory" : "disk");
		rc = action == 'p' ? list_partitions(argv[optind]) :
		     action == 'd' ? unmount_dir(argv[optind]) : unmount_disk(argv[optind]);
		return rc ? 1 : 0;
	case 'f':
		if (nargs != 2)
			tool_try_help("-f takes a disk and a directory");
		return mount_flat(argv[optind], argv[optind + 1], ro) ? 1 : 0;
	}
	if (nargs < 2 || nargs > 3)
		tool_try_help(nargs < 2 ? "a disk and a directory are needed" :
			      "too many operands");
	if (nargs == 3) {
		uint64_t n;
		if (tool_parse_u64(argv[optind + 1], &n) != 0 || n > 256)
			tool_try_help("'%s' is not a partition number", argv[optind + 1]);
		part = (int)n;
	}
	return mount_volume(argv[optind], part, argv[argc - 1], ro, opts) ? 1 : 0;
}
