/* SPDX-License-Identifier: MIT */
/* raw_pipe.c --- a raw image read once, front to back, from a pipe
 * (standard input) whose size the caller knows: reads must go forward (as
 * the copy engine makes them); a stream shorter or longer than the size is
 * an error at the read that finds it, so that a copy of a cut stream
 * never completes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

struct pipe_raw {
	uint64_t bytes;		/* what the stream must hold */
	uint64_t next;		/* the stream's next byte */
	uint8_t *head;		/* its first bytes, read by the caller */
	size_t head_len;
	bool end_checked;
};

#define R(x) ((struct pipe_raw *)(x)->priv)

/* Up to @len bytes of the pipe into @buf; *got is less at its end. */
static int read_some(struct vmdk_extent *x, uint8_t *buf, size_t len, size_t *got)
{
	int err = vmdk_read_upto(x->fd, buf, len, got);

	return err < 0 ? vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err)) : 0;
}

/* Bytes [r->next, r->next + len) into @buf (NULL: thrown away). */
static int take(struct vmdk_extent *x, uint8_t *buf, size_t len)
{
	struct pipe_raw *r = R(x);
	uint8_t scratch[65536];

	while (len) {
		size_t n = len, got;
		int err;
		if (r->next < r->head_len) {
			got = r->head_len - (size_t)r->next < n ? r->head_len - (size_t)r->next : n;
			if (buf)
				memcpy(buf, r->head + r->next, got);
		} else {
			if (!buf && n > sizeof(scratch))
				n = sizeof(scratch);
			if ((err = read_some(x, buf ? buf : scratch, n, &got)) < 0)
				return err;
			if (got < n)
				return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
						      "the stream ended at byte %llu of "
						      "the %llu its size says",
						      (unsigned long long)(r->next + got),
						      (unsigned long long)r->bytes);
		}
		r->next += got;
		len -= got;
		if (buf)
			buf += got;
	}
	return 0;
}

/* At the size: the stream must end there too. */
static int at_end(struct vmdk_extent *x)
{
	uint8_t one;
	size_t got;
	int err = read_some(x, &one, 1, &got);

	if (err == 0 && got)
		err = vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				     "the stream holds "
				     "more than the %llu bytes its size says",
				     (unsigned long long)R(x)->bytes);
	return err;
}

static int raw_pipe_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
			   uint64_t *run)
{
	(void)x, (void)sector;
	*run = n;
	return VMDK_BS_DATA;
}

static int raw_pipe_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct pipe_raw *r = R(x);
	uint64_t off = sector * VMDK_SECTOR, len = (uint64_t)n * VMDK_SECTOR, have;
	int err;

	if (off < r->next)
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				      "sector %llu was read "
				      "already: a pipe is read once, in order",
				      (unsigned long long)sector);
	if (off > r->bytes)
		off = r->bytes;
	if ((err = take(x, NULL, (size_t)(off - r->next))) < 0)
		return err;
	have = r->bytes - off < len ? r->bytes - off : len;
	if ((err = take(x, buf, (size_t)have)) < 0)
		return err;
	memset((uint8_t *)buf + have, 0, (size_t)(len - have));
	if ((have < len || r->next == r->bytes) && !r->end_checked) {
		r->end_checked = true;
		return at_end(x);
	}
	return 0;
}

static int raw_pipe_close(struct vmdk_extent *x)
{
	if (x->priv) {
		free(R(x)->head);
		free(x->priv);
	}
	x->priv = NULL;
	x->fd = -1;	/* the pipe belongs to the caller */
	return 0;
}

static void raw_pipe_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	(void)x;
	ei->format = "raw (read from a pipe)";
}

const struct vmdk_format_ops vmdk_raw_pipe_ops = {
	.name = "raw (read from a pipe)",
	.status = raw_pipe_status,
	.read = raw_pipe_read,
	.close = raw_pipe_close,
	.describe = raw_pipe_describe,
	.no_write_hint = "a raw image read from a pipe is only read",
};

int vmdk_raw_pipe_open(struct vmdk_extent *x, const uint8_t *head, size_t got,
		       uint64_t bytes)
{
	struct pipe_raw *r;

	if (got > bytes)
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				      "the stream holds "
				      "more than the %llu bytes its size says",
				      (unsigned long long)bytes);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->head = malloc(got ? got : 1))) {
		free(r);
		return -ENOMEM;
	}
	memcpy(r->head, head, got);
	r->head_len = got;
	r->bytes = bytes;
	x->priv = r;
	x->sectors = (bytes + VMDK_SECTOR - 1) / VMDK_SECTOR;
	return 0;
}
