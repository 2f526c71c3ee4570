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

/* A directory of this process's own: two runs at once (CI, a longer run
 * beside it) never see each other's members. */
static char disk[64], lockdir[80], member[96];

static void paths(void)
{
	static char base[48];

	if (base[0])
		return;
	strcpy(base, "/tmp/vmdk-fuzz-lock.XXXXXX");
	if (!mkdtemp(base))
		abort();
	snprintf(disk, sizeof(disk), "%s/d.vmdk", base);
	snprintf(lockdir, sizeof(lockdir), "%s.lck", disk);
	snprintf(member, sizeof(member), "%s/M31337.lck", lockdir);
}

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
	paths();
	mkdir(lockdir, 0755);
	put(member, data, size);
	held = vmdk_vmware_lock_holder(disk, who, sizeof(who));
	if (held < 0 || held > 1)
		abort();
	if (held && !memchr(who, '\0', sizeof(who)))
		abort();
	rc = vmdk_vmware_lock_take(disk, &mine, &eb);
	/* An exclusive holder refuses us; a shared one too, for a writer. */
	if (held && rc != VMDK_E_LOCKED)
		abort();
	if (rc == 0 && access(member, F_OK) == 0) {
		/* Kept: it was no stale member of this host. */
		vmdk_vmware_lock_release(mine);
		if (access(member, F_OK) != 0)
			abort();	/* ours went with someone else's */
	} else {
		vmdk_vmware_lock_release(mine);
	}
	unlink(member);
	/* Only the member planted may be left: ours are all gone. */
	if (rmdir(lockdir) < 0 && errno != ENOENT)
		abort();
	return 0;
}
