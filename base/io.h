/* SPDX-License-Identifier: MIT */
/* io.h --- whole reads and writes, locks, zero test, randomness */
#ifndef VMDK_BASE_IO_H
#define VMDK_BASE_IO_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int vmdk_pread_all(int fd, void *buf, size_t len, uint64_t off);
int vmdk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int vmdk_pwrite_zeros(int fd, uint64_t len, uint64_t off);
int vmdk_write_all(int fd, const void *buf, size_t len);
/* Sequential reads (pipes): up to @len bytes, *got fewer only at the end
 * of the input.  0 or a negative errno value. */
int vmdk_read_upto(int fd, void *buf, size_t len, size_t *got);
int vmdk_pread_upto(int fd, void *buf, size_t len, uint64_t off, size_t *got);
int vmdk_lock_fd(int fd, bool exclusive);
bool vmdk_fd_written_elsewhere(int fd);
int vmdk_file_size(int fd, uint64_t *size);
int vmdk_fsync_dir_of(const char *path);
/* Writing back as a file grows: once @end passes the last call's end by
 * VMDK_WRITEBACK_STEP, the kernel is told to start writing the new part
 * out, so that the fsync closing a copy has little left to wait for. */
#define VMDK_WRITEBACK_STEP (8u << 20)
struct vmdk_writeback {
	uint64_t started;	/* bytes below this are on their way */
	bool off;		/* the copy is not to be synced at all */
};
void vmdk_writeback(struct vmdk_writeback *wb, int fd, uint64_t end);
bool vmdk_is_zero(const void *buf, size_t len);
uint32_t vmdk_random32(void);

#endif
