/* SPDX-License-Identifier: MIT */
/* loop.c --- a range of a file as a loop device, and the kernel's
 * mount of the filesystem on it */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "loop.h"

static int configure(int lfd, int ffd, const char *file, uint64_t off,
		     uint64_t size, bool ro, bool direct)
{
	struct loop_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)ffd;
	cfg.block_size = 512;
	cfg.info.lo_offset = off;
	cfg.info.lo_sizelimit = size;
	/* Autoclear: the device goes with its last user (the mount). */
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0) |
			    (direct ? LO_FLAGS_DIRECT_IO : 0);
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", file);
	return ioctl(lfd, LOOP_CONFIGURE, &cfg);
}

int loop_attach(const char *file, uint64_t off, uint64_t size, bool ro,
		char *dev, size_t devlen, char *msg, size_t msglen)
{
	int ctl, ffd, lfd = -1;

	ffd = open(file, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (ffd < 0) {
		snprintf(msg, msglen, "%s: %s", file, strerror(errno));
		return -1;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(msg, msglen, "/dev/loop-control: %s: loop devices are "
			 "needed to mount a volume (as root; modprobe loop)",
			 strerror(errno));
		close(ffd);
		return -1;
	}
	/* Another program may take the free device first: try again. */
	for (int tries = 0; tries < 16 && lfd < 0; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			snprintf(msg, msglen, "no free loop device: %s", strerror(errno));
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (lfd < 0) {
			snprintf(msg, msglen, "%s: %s", dev, strerror(errno));
			break;
		}
		/* Direct I/O spares a second copy in the page cache; a file
		 * that cannot take it is attached without. */
		if (configure(lfd, ffd, file, off, size, ro, true) == 0 ||
		    configure(lfd, ffd, file, off, size, ro, false) == 0)
			break;
		snprintf(msg, msglen, "%s: cannot attach %s: %s", dev, file,
			 strerror(errno));
		close(lfd);
		lfd = errno == EBUSY ? -1 : -2;
	}
	close(ctl);
	close(ffd);
	return lfd < 0 ? -1 : lfd;
}

int loop_backing_file(const char *dev, char *out, size_t len)
{
	char path[128];
	FILE *f;
	const char *name = strrchr(dev, '/');

	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
		 name ? name + 1 : dev);
	*out = 0;
	if (!(f = fopen(path, "re")))
		return -1;
	if (!fgets(out, (int)len, f))
		*out = 0;
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	return *out ? 0 : -1;
}

/* mount(8)'s flag words; the rest go to the filesystem as its data. */
static const struct { const char *word; unsigned long set, clear; } flag_words[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 }, { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 }, { "noatime", MS_NOATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 }, { "defaults", 0, 0 },
};

int kernel_mount(const char *dev, const char *dir, const char *type,
		 const char *opts, bool ro, char *msg, size_t msglen)
{
	unsigned long flags = ro ? MS_RDONLY : 0;
	char *copy = strdup(opts ? opts : ""), *save = NULL, *data;
	size_t used = 0;

	if (!copy || !(data = calloc(1, strlen(copy) + 1))) {
		free(copy);
		snprintf(msg, msglen, "no memory");
		return -1;
	}
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i, n = sizeof(flag_words) / sizeof(flag_words[0]);
		for (i = 0; i < n && strcmp(w, flag_words[i].word); i++)
			;
		if (i < n) {
			flags = (flags | flag_words[i].set) & ~flag_words[i].clear;
			continue;
		}
		used += (size_t)sprintf(data + used, "%s%s", used ? "," : "", w);
	}
	if (ro)
		flags |= MS_RDONLY;
	free(copy);
	if (mount(dev, dir, type, flags, *data ? data : NULL) != 0) {
		int e = errno;
		snprintf(msg, msglen, "the kernel cannot mount the %s filesystem: %s%s",
			 type, strerror(e), e == EINVAL || e == EIO || e == EUCLEAN ?
			 " (a damaged filesystem or an option it does not take; "
			 "dmesg says more)" : e == ENODEV ? " (no driver for it "
			 "in this kernel)" : "");
		free(data);
		errno = e;
		return -1;
	}
	free(data);
	return 0;
}
