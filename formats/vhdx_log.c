/* SPDX-License-Identifier: MIT */
/* vhdx_log.c --- a VHDX log not yet replayed ([MS-VHDX] 2.3: the
 * metadata journal), replayed in memory: the active sequence is found
 * (the run of valid entries, each one sequence number past the last,
 * whose newest entry's tail lies inside it, of the highest sequence
 * number), and its data and zero descriptors become patches that every
 * later read of the file sees.  The file itself is never written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx.h"

#define SECTOR 4096u
#define MAX_LOG (256u << 20)

struct log {
	struct vmdk_extent *x;
	uint64_t off, len;		/* the log region */
	const uint8_t *guid;
	uint8_t *buf;			/* the whole log, read once */
};

/* @n bytes of the circular log from @at. */
static void log_bytes(const struct log *l, uint64_t at, uint8_t *out, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		out[i] = l->buf[(at + i) % l->len];
}

/* The entry at @at, checked: signature, log GUID, length, CRC-32C over
 * the whole entry.  Its bytes in *@out (freed by the caller). */
static bool entry_at(const struct log *l, uint64_t at, uint8_t **out)
{
	uint8_t head[64], *e;
	uint32_t len, want;

	log_bytes(l, at, head, sizeof(head));
	len = vmdk_le32(head + 8);
	if (memcmp(head, "loge", 4) || memcmp(head + 32, l->guid, 16) || !len ||
	    len % SECTOR || len > l->len || 64 + 32ull * vmdk_le32(head + 24) > len)
		return false;
	if (!(e = malloc(len)))
		return false;
	log_bytes(l, at, e, len);
	want = vmdk_le32(e + 4);
	memset(e + 4, 0, 4);
	if (vmdk_crc32c(e, len) != want) {
		free(e);
		return false;
	}
	*out = e;
	return true;
}

static int add_patch(struct vhdx *v, uint64_t off, uint64_t len, const uint8_t *data)
{
	struct vhdx_patch *p = realloc(v->patches, (v->npatches + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->patches = p;
	p = &v->patches[v->npatches];
	p->off = off;
	p->len = len;
	p->data = NULL;
	if (data && !(p->data = malloc(len)))
		return -ENOMEM;
	if (data)
		memcpy(p->data, data, len);
	v->npatches++;
	return 0;
}

/* The descriptors of entry @e as patches, in order. */
static int replay_entry(struct vhdx *v, const uint8_t *e)
{
	uint32_t count = vmdk_le32(e + 24), len = vmdk_le32(e + 8);
	uint64_t seq = vmdk_le64(e + 16);
	uint64_t data_at = (64 + 32ull * count + SECTOR - 1) / SECTOR * SECTOR;
	uint8_t page[SECTOR];
	int err = 0;

	for (uint32_t i = 0; err == 0 && i < count; i++) {
		const uint8_t *d = e + 64 + 32 * i;
		uint64_t at = vmdk_le64(d + 16);
		if (vmdk_le64(d + 24) != seq)
			return -EINVAL;
		if (!memcmp(d, "zero", 4)) {
			err = add_patch(v, at, vmdk_le64(d + 8), NULL);
			continue;
		}
		if (memcmp(d, "desc", 4) || data_at + SECTOR > len)
			return -EINVAL;
		const uint8_t *s = e + data_at;
		if (memcmp(s, "data", 4) ||
		    ((uint64_t)vmdk_le32(s + 4) << 32 | vmdk_le32(s + 4092)) != seq)
			return -EINVAL;
		memcpy(page, d + 8, 8);			/* leading bytes */
		memcpy(page + 8, s + 8, 4084);
		memcpy(page + 4092, d + 4, 4);		/* trailing bytes */
		err = add_patch(v, at, SECTOR, page);
		data_at += SECTOR;
	}
	return err;
}

/* The sequence starting at @start: the offset of its newest entry in
 * *@head, its length in entries; 0 when it does not hold that entry's
 * tail. */
static unsigned sequence(const struct log *l, uint64_t start, uint64_t *head,
			 uint64_t *head_seq)
{
	uint64_t at = start, seq = 0;
	unsigned n = 0;
	uint8_t *e;
	bool tail_inside = false;
	uint32_t tail = 0;

	while (n < l->len / SECTOR && entry_at(l, at, &e)) {
		if (n && vmdk_le64(e + 16) != seq + 1) {
			free(e);
			break;
		}
		seq = vmdk_le64(e + 16);
		tail = vmdk_le32(e + 12);
		*head = at;
		at = (at + vmdk_le32(e + 8)) % l->len;
		n++;
		free(e);
	}
	/* The newest entry's tail must be one of the sequence's entries. */
	for (uint64_t p = start, i = 0; n && i < n; i++) {
		if (p == tail)
			tail_inside = true;
		if (!entry_at(l, p, &e))
			break;
		p = (p + vmdk_le32(e + 8)) % l->len;
		free(e);
	}
	*head_seq = seq;
	return tail_inside ? n : 0;
}

int vhdx_log_replay(struct vmdk_extent *x, struct vhdx *v, const uint8_t *header)
{
	struct log l = { .x = x, .off = vmdk_le64(header + 72),
			 .len = vmdk_le32(header + 68), .guid = header + 48 };
	uint64_t best_seq = 0, best_head = 0, at;
	uint8_t *e;
	int err;

	if (!l.len || l.len % SECTOR || l.len > MAX_LOG || l.off > x->file_size ||
	    l.len > x->file_size - l.off)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "VHDX log lies "
				      "outside the file");
	if (!(l.buf = malloc(l.len)))
		return -ENOMEM;
	err = vmdk_extent_pread(x, l.buf, l.len, l.off);
	for (at = 0; err == 0 && at < l.len; at += SECTOR) {
		uint64_t head = 0, seq = 0;
		if (sequence(&l, at, &head, &seq) && seq > best_seq) {
			best_seq = seq;
			best_head = head;
		}
	}
	if (err == 0 && best_seq && entry_at(&l, best_head, &e)) {
		/* From the newest entry's tail to it, in order. */
		uint64_t p = vmdk_le32(e + 12);
		uint64_t last = vmdk_le64(e + 56);
		free(e);
		for (unsigned i = 0; err == 0 && i < l.len / SECTOR && entry_at(&l, p, &e);
		     i++) {
			bool done = p == best_head;
			err = replay_entry(v, e);
			p = (p + vmdk_le32(e + 8)) % l.len;
			free(e);
			v->replayed++;
			if (done)
				break;
		}
		if (err == -EINVAL)
			err = vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					     "VHDX log entry "
					     "with a damaged descriptor or data sector");
		if (err == 0 && last > x->file_size)
			v->log_file_size = last;
	}
	free(l.buf);
	return err < 0 && err > -1000 && err != -ENOMEM
		       ? vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err))
		       : err;
}

int vhdx_pread(struct vmdk_extent *x, const struct vhdx *v, void *buf, size_t len,
	       uint64_t off)
{
	uint8_t *out = buf;
	uint64_t real = x->file_size, have = 0;
	int err;

	if (v->log_file_size && off + len > real) {
		have = off < real ? real - off : 0;
		memset(out + have, 0, len - have);
		err = have ? vmdk_extent_pread(x, out, have, off) : 0;
	} else {
		err = vmdk_extent_pread(x, out, len, off);
	}
	if (err < 0)
		return err;
	for (size_t i = 0; i < v->npatches; i++) {
		const struct vhdx_patch *p = &v->patches[i];
		uint64_t lo = p->off > off ? p->off : off;
		uint64_t hi = p->off + p->len < off + len ? p->off + p->len : off + len;
		if (lo >= hi)
			continue;
		if (p->data)
			memcpy(out + (lo - off), p->data + (lo - p->off), hi - lo);
		else
			memset(out + (lo - off), 0, hi - lo);
	}
	return 0;
}

void vhdx_log_free(struct vhdx *v)
{
	for (size_t i = 0; i < v->npatches; i++)
		free(v->patches[i].data);
	free(v->patches);
	v->patches = NULL;
	v->npatches = 0;
}
