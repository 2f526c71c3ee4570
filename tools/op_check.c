/* SPDX-License-Identifier: MIT */
/* op_check.c --- a check or repair as both front ends run it (vmdk-check,
 * vmware-vdiskmanager -R and -e): problems shown (or as JSON), fixes
 * asked on a terminal or taken with -y, the summary and e2fsck's exit
 * status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"

struct run {
	bool repair, yes, no, json, ask, all;
	unsigned shown, errors_accepted;
	FILE *tty;
};

/* e2fsck's questions: y or n, a for yes to this and every later one;
 * anything else asks again; the end of input is no. */
static bool ask(struct run *r)
{
	char line[64];

	for (;;) {
		fputs("? [y/n/a] ", stdout);
		fflush(stdout);
		if (!r->tty || !fgets(line, sizeof(line), r->tty)) {
			fputs("no\n", stdout);
			return false;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!strcmp(line, "y") || !strcmp(line, "Y") || !strcmp(line, "yes"))
			return true;
		if (!strcmp(line, "n") || !strcmp(line, "N") || !strcmp(line, "no"))
			return false;
		if (!strcmp(line, "a") || !strcmp(line, "A")) {
			r->all = true;
			return true;
		}
	}
}

static void json_problem(const struct vmdk_problem *p, bool fixed)
{
	printf("\n    {\"code\": %d, \"name\": ", p->code);
	tool_json_string(vmdk_problem_name(p->code));
	printf(", \"severity\": \"%s\", \"message\": ",
	       p->severity == VMDK_SEV_ERROR ? "error" : "warning");
	tool_json_string(p->message);
	printf(", \"file\": ");
	tool_json_string(p->file);
	if (p->offset != VMDK_NO_OFFSET)
		printf(", \"offsetBytes\": %llu", (unsigned long long)p->offset);
	if (p->gd_index >= 0)
		printf(", \"gdIndex\": %lld", (long long)p->gd_index);
	if (p->gt_index >= 0)
		printf(", \"gtIndex\": %lld", (long long)p->gt_index);
	if (p->lba_count)
		printf(", \"startSector\": %llu, \"lengthSectors\": %llu",
		       (unsigned long long)p->lba, (unsigned long long)p->lba_count);
	printf(", \"fix\": ");
	tool_json_string(p->fix);
	printf(", \"discardsSectors\": %llu", (unsigned long long)p->discards);
	printf(", \"fixAccepted\": %s}", fixed ? "true" : "false");
}

static int on_problem(void *arg, const struct vmdk_problem *p)
{
	struct run *r = arg;
	bool fix = false;

	if (r->repair && p->fix)
		fix = r->yes || r->all ? true : r->no ? false : r->ask;
	if (r->json) {
		printf("%s", r->shown++ ? "," : "");
		json_problem(p, fix);
	} else if (verbosity > 0) {
		printf("%s: %s%s [%s]\n", p->file,
		       p->severity == VMDK_SEV_WARNING ? "warning: " : "", p->message,
		       vmdk_problem_name(p->code));
		if (r->repair && p->fix) {
			printf("  fix: %s", p->fix);
			if (p->discards)
				printf(" (discards %llu sector%s of data)",
				       (unsigned long long)p->discards,
				       p->discards == 1 ? "" : "s");
			if (!r->yes && !r->no && r->ask && !r->all)
				fix = ask(r);
			else
				printf("? %s\n", fix ? "yes" : "no");
		}
	}
	if (fix && p->severity == VMDK_SEV_ERROR)
		r->errors_accepted++;
	return fix;
}

static int status(const struct vmdk_check_report *rep, const struct run *r)
{
	unsigned left = rep->errors - (rep->fixed ? r->errors_accepted : 0);

	return (rep->fixed ? CHECK_CORRECTED : 0) | (left ? CHECK_ERRORS_LEFT : 0);
}

/* The end of the JSON object: the same keys whatever happened; @error
 * is null when the check ran. */
static void json_close(const struct vmdk_check_report *rep, int exit_status,
		       int err, const char *message)
{
	printf("\n  ],\n  \"errors\": %u, \"warnings\": %u, \"fixed\": %u, "
	       "\"unfixable\": %u, \"declined\": %u, \"discarding\": %u, "
	       "\"discardedSectors\": %llu, \"undoFile\": ",
	       rep->errors, rep->warnings, rep->fixed, rep->unfixable, rep->declined,
	       rep->discarding, (unsigned long long)rep->discarded);
	tool_json_string(rep->undo_file[0] ? rep->undo_file : NULL);
	printf(", \"links\": %u, \"extents\": %u, \"grainTables\": %llu, "
	       "\"grains\": %llu,\n", rep->links, rep->extents,
	       (unsigned long long)rep->tables, (unsigned long long)rep->grains);
	tool_json_outcome(err, message, exit_status);
}

static void summary(const char *path, const struct vmdk_check_report *rep,
		    const struct run *r, bool chain_only)
{
	if (r->json) {
		json_close(rep, status(rep, r), 0, NULL);
		return;
	}
	if (verbosity == 0 || !tool_op_summaries)
		return;
	if (r->repair && rep->unfixable && !r->no)
		printf("%s: cannot repair: %u error%s no fix; nothing was changed\n",
		       path, rep->unfixable, rep->unfixable == 1 ? " has" : "s have");
	if (chain_only) {
		printf("%s: chain of %u link%s %s\n", path, rep->links,
		       rep->links == 1 ? "" : "s",
		       rep->errors ? "has problems" : "is consistent");
		return;
	}
	if (r->repair && rep->declined)
		printf("%s: %u fix%s declined: %s\n", path, rep->declined,
		       rep->declined == 1 ? "" : "es",
		       status(rep, r) & CHECK_ERRORS_LEFT ? "errors remain (run "
		       "vmdk-check again to see them)" : "only warnings remain");
	if (rep->undo_file[0])
		printf("%s: what the repair overwrote is in %s; 'vmdk-check "
		       "--restore-undo %s' puts it back\n", path, rep->undo_file,
		       rep->undo_file);
	printf("%s: %u error%s, %u warning%s, %u fixed; checked %u link%s, %u "
	       "extent%s, %llu grain table%s, %llu grain%s\n", path,
	       rep->errors, rep->errors == 1 ? "" : "s",
	       rep->warnings, rep->warnings == 1 ? "" : "s", rep->fixed,
	       rep->links, rep->links == 1 ? "" : "s",
	       rep->extents, rep->extents == 1 ? "" : "s",
	       (unsigned long long)rep->tables, rep->tables == 1 ? "" : "s",
	       (unsigned long long)rep->grains, rep->grains == 1 ? "" : "s");
}

int op_check(const char *path, const struct op_check_opts *o)
{
	struct run r = { .repair = o->repair, .yes = o->yes, .no = o->no,
			 .json = o->json };
	unsigned flags = VMDK_CHECK_CHAIN;
	bool chain_only = o->chain_only;
	const char *undo = o->undo, *output = o->output;
	struct vmdk_check_report rep = { 0 };
	int err;

	tool_describe_path(path);
	if (r.json) {
		printf("{\n  \"disk\": ");
		tool_json_string(path);
		printf(",\n  \"problems\": [");
	}
	if (r.repair && !r.no && tool_break_lock(path) < 0) {
		if (r.json)
			json_close(&rep, CHECK_OPERATIONAL, VMDK_E_LOCKED, vmdk_errmsg(NULL));
		return CHECK_OPERATIONAL;
	}
	if (r.repair && !r.yes && !r.no) {
		/* Questions need someone to answer them. */
		r.tty = isatty(STDIN_FILENO) && !r.json ? fopen("/dev/tty", "r") : NULL;
		if (!r.tty) {
			static const char why[] = "answers are needed and there is no "
				"terminal: give -y to fix everything or -n to see what "
				"would be done";
			fprintf(stderr, "%s: %s: %s\n", progname, path, why);
			if (r.json)
				json_close(&rep, CHECK_OPERATIONAL, VMDK_E_INVALID_ARG, why);
			return CHECK_OPERATIONAL;
		}
		r.ask = true;
	}
	if (r.repair && !r.no)
		flags |= VMDK_CHECK_REPAIR;
	/* An in-place repair that discards data keeps an undo by default. */
	if (r.repair && !r.no && !o->no_undo && !output)
		flags |= VMDK_CHECK_UNDO_BESIDE;
	if (o->assume_no_parent)
		flags |= VMDK_CHECK_ASSUME_NO_PARENT;
	if (chain_only)
		flags = VMDK_CHECK_CHAIN_ONLY;
	if (flags & VMDK_CHECK_REPAIR)
		tool_catch_signals();	/* a repair ends before a signal acts */
	err = output ? vmdk_check_to(path, output, flags, on_problem, &r, &rep)
		     : vmdk_check(path, flags, undo, on_problem, &r, &rep);
	if (r.tty)
		fclose(r.tty);
	if (err < 0) {
		if (r.json)
			json_close(&rep, CHECK_OPERATIONAL, err, vmdk_errmsg(NULL));
		tool_lib_error(path, err, NULL);
		if ((err == -ENOSPC || err == VMDK_E_NO_SPACE) && !output)
			fprintf(stderr, "%s: %s: the repair needs room beside the disk "
				"and there is none; the disk is as it was (space the "
				"repair took may be named by no table: vmdk-check says "
				"so): repair into a copy on another filesystem with "
				"-o NEW\n", progname, path);
		return CHECK_OPERATIONAL;
	}
	summary(output ? output : path, &rep, &r, chain_only);
	return status(&rep, &r);
}
