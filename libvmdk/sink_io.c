/* SPDX-License-Identifier: MIT */
/* sink_io.c --- sequential output for sinks that may write to a pipe */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy_int.h"

int vmdk_sink_write(struct sink *k, int fd, const void *buf, size_t len)
{
	int err = vmdk_write_all(fd, buf, len);

	return err < 0 ? vmdk_seterr(k->eb, err, "%s", vmdk_strerror(err)) : 0;
}

int vmdk_sink_write_zeros(struct sink *k, int fd, uint64_t len)
{
	static const uint8_t zeros[65536];

	while (len > 0) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int err = vmdk_sink_write(k, fd, zeros, n);
		if (err < 0)
			return err;
		len -= n;
	}
	return 0;
}

void vmdk_kv_compact(struct kv_list *l)
{
	size_t w = 0;

	for (size_t r = 0; r + 1 < l->n + 1 && r < l->n; r += 2)
		if (l->v[r + 1]) {
			l->v[w] = l->v[r];
			l->v[w + 1] = l->v[r + 1];
			w += 2;
		}
	l->n = w;
	if (l->v)
		l->v[w] = NULL;
}
