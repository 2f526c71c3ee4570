/* SPDX-License-Identifier: MIT */
/* scratch.h --- what the harnesses that change their input share: the
 * input written to d.vmdk in a private directory (emptied first of what
 * the last run left, a killed salvage's temporary say). */
#ifndef FUZZ_SCRATCH_H
#define FUZZ_SCRATCH_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The path of the scratch disk holding @data, or NULL. */
static const char *scratch_disk(const uint8_t *data, size_t size)
{
	static char dir[64], path[96];
	char name[512];
	struct dirent *e;
	DIR *d;
	int fd;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/fuzz-scratch.XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/d.vmdk", dir);
	}
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(name, sizeof(name), "%s/%s", dir, e->d_name);
				unlink(name);
			}
		closedir(d);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

#endif
