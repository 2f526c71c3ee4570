/* SPDX-License-Identifier: MIT */
/* copy_int.h --- the copy engine's parts: sinks (where data goes) and
 * the helpers they share */
#ifndef COPY_INT_H
#define COPY_INT_H

#include "core.h"

#define COPY_READ_SECTORS 2048u	/* 1 MiB source reads */
#define COPY_PIECE_SECTORS 128u	/* zero test and sink granularity */

/* A destination.  put() gets runs of sectors in increasing order, never
 * a 128-sector grain's worth of zeros. */
/* Sectors in a grain of the streams we write. */
#define VMDK_STREAM_GRAIN 128u

struct sink {
	int (*put)(struct sink *k, uint64_t sector, uint32_t n,
		   const uint8_t *buf);
	/* Grain @grain (128 sectors) already packed as the stream writer
	 * packs it, after everything put before; NULL: not a stream. */
	int (*put_packed)(struct sink *k, uint64_t grain, const uint8_t *packed,
			  size_t len);
	int (*finish)(struct sink *k);
	void (*destroy)(struct sink *k);
	struct vmdk_errbuf *eb;
};

/* copy_pipe.c: a thread that feeds a sink the non-zero pieces of what
 * the caller reads.  Take a buffer, read COPY_READ_SECTORS or fewer into
 * it, post it; post and drain return the sink's first error. */
struct copy_pipe;
int vmdk_copy_pipe_new(struct sink *k, struct copy_pipe **out);
uint8_t *vmdk_copy_pipe_buffer(struct copy_pipe *p);
int vmdk_copy_pipe_post(struct copy_pipe *p, uint64_t sector, uint32_t n);
int vmdk_copy_pipe_drain(struct copy_pipe *p);
void vmdk_copy_pipe_free(struct copy_pipe *p);

/* Sequential writes for pipes; errors land in k->eb. */
int vmdk_sink_write(struct sink *k, int fd, const void *buf, size_t len);
int vmdk_sink_write_zeros(struct sink *k, int fd, uint64_t len);

/* writer_sink.c: a format's sequential writer (streamOptimized), its
 * grains packed on @p->threads threads. */
int vmdk_writer_sink_new(int fd, const struct vmdk_writer_ops *wo,
			 const struct vmdk_create_params *cp, const char *desc,
			 const struct vmdk_clone_params *p, struct vmdk_errbuf *eb,
			 struct sink **out);

/* "ddb.key", "value", ... NULL, as vmdk_create_params.ddb wants it. */
struct kv_list {
	const char **v;
	size_t n, cap;
};
/* Drop pairs whose value is NULL. */
void vmdk_kv_compact(struct kv_list *l);


#endif
