/* SPDX-License-Identifier: MIT */
/* image_common.c --- what the whole-image readers share: a table of
 * fixed-width entries read a page at a time (VDI's block map, VHDX's
 * BAT), their check slot's frame, and the slots they have nothing for. */
#include <errno.h>
#include <string.h>

#include "image.h"

int vmdk_entry_pages_get(struct vmdk_entry_pages *t, struct vmdk_extent *x,
			 uint64_t i, uint64_t *e)
{
	uint64_t first = i / VMDK_ENTRY_PAGE * VMDK_ENTRY_PAGE, n;
	struct vmdk_entry_page *p = &t->page[0];
	uint8_t raw[VMDK_ENTRY_PAGE * 8];
	int err;

	for (unsigned k = 0; k < VMDK_ENTRY_PAGES; k++) {
		if (t->page[k].first == first + 1) {
			t->page[k].last_use = ++t->uses;
			*e = t->page[k].e[i - first];
			return 0;
		}
		if (t->page[k].last_use < p->last_use)
			p = &t->page[k];
	}
	n = t->count - first < VMDK_ENTRY_PAGE ? t->count - first : VMDK_ENTRY_PAGE;
	p->first = 0;
	err = t->read(x, raw, n * t->width, t->off + first * t->width);
	if (err < 0)
		return err;
	for (uint64_t k = 0; k < n; k++)
		p->e[k] = t->big ? (t->width == 8 ? vmdk_be64(raw + k * 8) : vmdk_be32(raw + k * 4))
				 : (t->width == 8 ? vmdk_le64(raw + k * 8) : vmdk_le32(raw + k * 4));
	p->first = first + 1;
	p->last_use = ++t->uses;
	*e = p->e[i - first];
	return 0;
}

int vmdk_image_check(struct vmdk_check_ctx *c, const uint8_t *first,
		     int (*walk)(struct vmdk_check_ctx *c))
{
	struct vmdk_extent *x = c->x;
	const char *msg = x->eb->msg;
	size_t n = strlen(x->path);
	int err = x->ops->open(x, first);

	if (err == 0 && walk)
		err = walk(c);
	else if (err < 0 && err != -ENOMEM)
		/* What the open refused is the check's one problem. */
		err = vmdk_check_report(c, &(struct vmdk_problem_at){
			.code = VMDK_P_HEADER, .severity = VMDK_SEV_ERROR,
			.offset = VMDK_NO_OFFSET, .gd_index = -1, .gt_index = -1 }, "%s",
			strncmp(msg, x->path, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg);
	x->ops->close(x);
	return err < 0 ? err : 0;
}

int vmdk_image_flush(struct vmdk_extent *x)
{
	(void)x;
	return 0;
}

void vmdk_image_no_descriptor(const struct vmdk_extent *x, uint64_t *off,
			      uint64_t *len)
{
	(void)x;
	*off = *len = 0;
}
