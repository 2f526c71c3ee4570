/* SPDX-License-Identifier: MIT */
/* check_report.c --- how a format's check slot reports a problem */
#include <stdio.h>

#include "format.h"

int vmdk_check_report(struct vmdk_check_ctx *c, const struct vmdk_problem_at *at,
		      const char *fmt, ...)
{
	char msg[VMDK_ERRMSG_MAX];
	struct vmdk_problem p = {
		.code = at->code, .severity = at->severity, .message = msg,
		.file = c->x->path, .offset = at->offset, .gd_index = at->gd_index,
		.gt_index = at->gt_index, .lba = at->lba,
		.lba_count = at->lba_count, .fix = at->fix,
		.discards = at->fix ? at->discards : 0,
	};
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = c->report(c, &p);
	if (rc < 0)
		return rc;
	rc = c->repair && at->fix && rc == 1;
	if (!at->fix && at->severity == VMDK_SEV_ERROR)
		c->errors_left++;
	if (rc)
		c->accepted = true;
	else if (at->fix && c->repair)
		c->declined = true;
	return rc;
}

bool vmdk_check_may_write(const struct vmdk_check_ctx *c)
{
	return c->repair && c->accepted && !c->declined && !c->errors_left;
}
