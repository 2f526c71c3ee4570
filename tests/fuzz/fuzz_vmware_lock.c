/* SPDX-License-Identifier: MIT */
/* fuzz_vmware_lock.c --- libFuzzer harness for the reader of VMware's
 * lock members (DISK.vmdk.lck/Mnnnnn.lck, written by whoever shares the
 * directory): no crash; a member read as someone else's holder makes
 * taking the lock fail, and no member of another makes it succeed; our
 * own member goes again on release and nobody else's with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define BASE "/tmp/vmdk-fuzz-lock"
#define DISK BASE "/d.vmdk"
#define MEMBER DISK ".lck/M31337.lck"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_errbuf eb;
	struct vmdk_vmware_lock *mine = NULL;
	char who[256];
	int held, rc;

	if (size > 1024)
		return 0;
	mkdir(BASE, 0755);
	mkdir(DISK ".lck", 0755);
	put(MEMBER, data, size);
	held = vmdk_vmware_lock_holder(DISK, who, sizeof(who));
	if (held < 0 || held > 1)
		abort();
	if (held && !memchr(who, '\0', sizeof(who)))
		abort();
	rc = vmdk_vmware_lock_take(DISK, &mine, &eb);
	/* An exclusive holder refuses us; a shared one too, for a writer. */
	if (held && rc != VMDK_E_LOCKED)
		abort();
	if (rc == 0 && access(MEMBER, F_OK) == 0) {
		/* Kept: it was no stale member of this host. */
		vmdk_vmware_lock_release(mine);
		if (access(MEMBER, F_OK) != 0)
			abort();	/* ours went with someone else's */
	} else {
		vmdk_vmware_lock_release(mine);
	}
	unlink(MEMBER);
	/* Only the member planted may be left: ours are all gone. */
	if (rmdir(DISK ".lck") < 0 && errno != ENOENT)
		abort();
	return 0;
}
