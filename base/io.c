/* SPDX-License-Identifier: MIT */
/* io.c --- whole reads and writes, advisory locks, zero test, randomness */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

/* A short read means the file ended: reported as -ENODATA so callers can
 * name the truncated file rather than claim an I/O error. */
int vmdk_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	if (off > (uint64_t)INT64_MAX - len)
		return -EOVERFLOW;
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENODATA;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int vmdk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	if (off > (uint64_t)INT64_MAX - len)
		return -EOVERFLOW;
	while (len > 0) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Sequential: for pipes and other unseekable outputs. */
int vmdk_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t r = write(fd, p, len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int vmdk_read_upto(int fd, void *buf, size_t len, size_t *got)
{
	uint8_t *p = buf;

	*got = 0;
	while (*got < len) {
		ssize_t r = read(fd, p + *got, len - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Up to @len bytes at @off: *got is less at the end of the file. */
int vmdk_pread_upto(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	int err = vmdk_pread_all(fd, buf, len, off);
	struct stat st;

	*got = len;
	if (err != -ENODATA)
		return err;
	if (fstat(fd, &st) < 0)
		return -errno;
	*got = (uint64_t)st.st_size <= off ? 0
	       : (size_t)((uint64_t)st.st_size - off < len ? (uint64_t)st.st_size - off : len);
	return vmdk_pread_all(fd, buf, *got, off);
}

int vmdk_pwrite_zeros(int fd, uint64_t len, uint64_t off)
{
	static const uint8_t zeros[65536];

	while (len > 0) {
		size_t chunk = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int err = vmdk_pwrite_all(fd, zeros, chunk, off);
		if (err < 0)
			return err;
		len -= chunk;
		off += chunk;
	}
	return 0;
}

/* Open file description locks: they belong to this open, so two opens in
 * one process conflict as two processes do, and closing the fd drops them.
 * A writer locks the whole file.  A reader locks the two bytes qemu's
 * readers lock (100: reads consistent data; 201: lets nobody write), so
 * that qemu and we read a file at once while writers of both are kept
 * out: qemu's writer needs 201 free, ours the whole file. */
int vmdk_lock_fd(int fd, bool exclusive)
{
	static const off_t reader_bytes[] = { 100, 201 };
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	size_t i = 0;

	if (exclusive) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
	} else {
		fl.l_type = F_RDLCK;
		fl.l_len = 1;
		for (; i < sizeof(reader_bytes) / sizeof(*reader_bytes); i++) {
			fl.l_start = reader_bytes[i];
			if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
				break;
		}
		if (i == sizeof(reader_bytes) / sizeof(*reader_bytes))
			return 0;
		int saved = errno;
		fl.l_type = F_UNLCK;
		fl.l_start = 0;
		fl.l_len = 0;
		fcntl(fd, F_OFD_SETLK, &fl);
		errno = saved;
	}
	if (errno == EAGAIN || errno == EACCES)
		return VMDK_E_LOCKED;
	return -errno;
}

/* Someone else writes the file: our own writers hold a write lock on it
 * all; qemu holds a read lock on byte 101 while it has the image open
 * with write permission (our readers never lock 101). */
bool vmdk_fd_written_elsewhere(int fd)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = 101,
		.l_len = 1,
	};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return false;
	return true;
}

int vmdk_file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

int vmdk_fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

bool vmdk_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* Check a head byte by byte, then compare the buffer with itself
	 * shifted: memcmp is vectorised, a hand loop is not. */
	if (len == 0)
		return true;
	if (len < 16) {
		for (size_t i = 0; i < len; i++)
			if (p[i])
				return false;
		return true;
	}
	for (size_t i = 0; i < 16; i++)
		if (p[i])
			return false;
	return memcmp(p, p + 16, len - 16) == 0;
}

uint32_t vmdk_random32(void)
{
	uint32_t v = 0;

	while (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		if (errno != EINTR)
			return (uint32_t)rand() ^ (uint32_t)getpid();
	return v;
}

void vmdk_writeback(struct vmdk_writeback *wb, int fd, uint64_t end)
{
	if (wb->off || end < wb->started + VMDK_WRITEBACK_STEP)
		return;
	/* Only a hint: a pipe or an old kernel says no, and the final
	 * fsync still reports any write error. */
	(void)sync_file_range(fd, (off_t)wb->started, (off_t)(end - wb->started),
			      SYNC_FILE_RANGE_WRITE);
	wb->started = end;
}
