/* SPDX-License-Identifier: MIT */
/* fuzz_repair.c --- libFuzzer harness for vmdk_check's repair: the input
 * is written to a scratch file of a private directory, repaired with
 * every fix taken (a stream's salvage renames a new file over it), and
 * checked again, which must then find no error.  Only monolithic inputs
 * are repaired: their one extent is the file itself, where a fuzzed text
 * descriptor could name files of this machine. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static int yes(void *arg, const struct vmdk_problem *p)
{
	(void)arg;
	if (!p->message || !p->file || strlen(p->message) > 4096)
		abort();
	return 1;
}

/* Whatever the last run left: the disk, a killed salvage's temporary. */
static void empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char name[512];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(name, sizeof(name), "%s/%s", dir, e->d_name);
			unlink(name);
		}
	if (d)
		closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r, again;
	int fd;

	if (size < 4 || memcmp(data, "KDMV", 4))
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/fuzz-repair.XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/d.vmdk", dir);
	}
	empty_dir();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	if (vmdk_check(path, VMDK_CHECK_REPAIR, NULL, yes, NULL, &r) == 0 &&
	    r.fixed && !r.unfixable &&
	    vmdk_check(path, 0, NULL, yes, NULL, &again) == 0 && again.errors) {
		fprintf(stderr, "repair left %u errors\n", again.errors);
		abort();
	}
	return 0;
}
