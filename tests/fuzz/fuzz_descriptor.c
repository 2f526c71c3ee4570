/* SPDX-License-Identifier: MIT */
/* fuzz_descriptor.c --- libFuzzer harness for the descriptor parser: no
 * crash, and whatever parses writes back byte for byte and still parses
 * after an edit.  Then the text is opened as a disk, written and closed
 * in a directory beside which lie files it must never reach: one it
 * could name by "..", by an absolute path, through a symbolic link to
 * a file or to the directory above (fuzz_descriptor.dict names them). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmdk_int.h"

#define BASE "/tmp/vmdk-fuzz-paths"
#define DISK_DIR BASE "/in"
#define OUTSIDE BASE "/outside.bin"
#define OUTSIDE_CTK BASE "/outside-ctk.vmdk"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pattern[4096];

static void put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

static bool holds_pattern(const char *path)
{
	uint8_t buf[sizeof(pattern) + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(pattern) && memcmp(buf, pattern, sizeof(pattern)) == 0;
}

/* The files outside, and the links inside that lead to them. */
static void fixtures(void)
{
	static bool made;

	if (!made) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)(i * 131 + 7);
		mkdir(BASE, 0755);
		mkdir(DISK_DIR, 0755);
		put(OUTSIDE, pattern, sizeof(pattern));
		put(OUTSIDE_CTK, pattern, sizeof(pattern));
		made = true;
	}
	if (symlink("../outside.bin", DISK_DIR "/link") < 0 && errno != EEXIST)
		abort();
	if (symlink("../outside-ctk.vmdk", DISK_DIR "/link-ctk") < 0 && errno != EEXIST)
		abort();
	if (symlink("..", DISK_DIR "/updir") < 0 && errno != EEXIST)
		abort();
}

/* Opened for writing, one sector written, closed: nothing outside the
 * disk's directory may change or go. */
static void open_confined(const uint8_t *data, size_t size)
{
	static const uint8_t sector[512] = { 0xa5 };
	vmdk_disk *d;

	fixtures();
	put(DISK_DIR "/d.vmdk", data, size);
	if (vmdk_open(DISK_DIR "/d.vmdk", VMDK_OPEN_SINGLE_LINK, &d) == 0) {
		vmdk_write(d, 0, 1, sector);
		vmdk_close(d);
	}
	if (!holds_pattern(OUTSIDE) || !holds_pattern(OUTSIDE_CTK))
		abort();	/* reached outside the disk's directory */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_errbuf eb;
	struct vmdk_descriptor *d, *again;
	size_t len;
	char *out;

	if (vmdk_desc_parse((const char *)data, size, &d, &eb) < 0)
		return 0;
	out = vmdk_desc_serialize(d, &len);
	if (!out || len != size || memcmp(out, data, size) != 0)
		abort();	/* round trip must be exact */
	free(out);
	if (vmdk_desc_set(d, "CID", "0badcafe") == 0 &&
	    vmdk_desc_set(d, "ddb.fuzz", "value") == 0) {
		out = vmdk_desc_serialize(d, &len);
		if (!out || vmdk_desc_parse(out, len, &again, &eb) < 0)
			abort();	/* an edit must not break the text */
		if (again->cid != 0x0badcafe ||
		    strcmp(vmdk_desc_get(again, "ddb.fuzz"), "value") != 0)
			abort();
		vmdk_desc_free(again);
		free(out);
	}
	vmdk_desc_free(d);
	open_confined(data, size);
	return 0;
}
