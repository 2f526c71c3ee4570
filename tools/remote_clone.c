/* SPDX-License-Identifier: MIT */
/* remote_clone.c --- clones to and from an ESXi or vCenter datastore:
 * the password, the usage rules, progress and messages around
 * remote_upload() and remote_fetch(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "remote_clone.h"

#define PASSWORD_MAX 1024

static char password[PASSWORD_MAX + 1], source_password[PASSWORD_MAX + 1];

static void strip_newline(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* The first line of @file into @buf. */
static void password_from_file(char *buf, const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	long n = fd < 0 ? -errno : tool_read_full(fd, buf, PASSWORD_MAX);

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		tool_warn(file, "%s", strerror((int)-n));
		exit(2);
	}
	buf[n] = '\0';
	strip_newline(buf);
}

void op_remote_password(struct remote_opts *o, const char *file)
{
	const char *env = getenv("VMDK_PASSWORD");

	if (file) {
		password_from_file(password, file);
	} else if (env) {
		snprintf(password, sizeof(password), "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		char *typed = getpass("Password: ");
		snprintf(password, sizeof(password), "%s", typed ? typed : "");
		if (typed)
			memset(typed, 0, strlen(typed));
	}
	if (!password[0])
		tool_try_help("no password: give a password file or set VMDK_PASSWORD");
	o->password = password;
}

void op_remote_source_opts(struct remote_opts *from, const struct remote_opts *o,
			   const struct remote_source *s)
{
	*from = *o;
	from->pool = from->folder = NULL;
	from->overwrite = false;
	if (!s)
		return;
	if (s->host) {
		/* Another server: its certificate is not --host's. */
		from->host = s->host;
		from->thumbprint = s->thumbprint;
	} else if (s->thumbprint) {
		from->thumbprint = s->thumbprint;
	}
	if (s->user)
		from->user = s->user;
	if (s->datacenter)
		from->datacenter = s->datacenter;
	if (s->password_file) {
		password_from_file(source_password, s->password_file);
		if (!source_password[0])
			tool_try_help("%s: no password in it", s->password_file);
		from->password = source_password;
	}
}

void op_remote_usage(const char *src, const char *dst, int type,
		     const struct remote_opts *o)
{
	bool from = remote_is_datastore_path(src), to = remote_is_datastore_path(dst);

	if (!o->host && (from || to))
		tool_try_help("a datastore path ('%s') needs --host", from ? src : dst);
	if (o->host && !from && !to)
		tool_try_help("with --host, the source or the destination is a "
			      "datastore path: \"[datastore] dir/name.vmdk\"");
	if (o->host && !o->user)
		tool_try_help("--host needs --user");
	for (int i = 0; o->host && i < 2; i++) {
		const char *side = i ? dst : src;
		char *ds, *path;
		if (!remote_is_datastore_path(side))
			continue;
		if (remote_parse_datastore_path(side, &ds, &path) < 0)
			tool_try_help("%s", remote_errmsg());
		free(ds);
		free(path);
	}
	if (o->thumbprint && o->insecure)
		tool_try_help("--thumbprint and --insecure do not go together");
	if (o->host && to && type != -1 && type != VMDK_TYPE_VMFS_THIN &&
	    type != VMDK_TYPE_VMFS_THICK)
		tool_try_help("a disk goes to a datastore thin (-t 6) or thick (-t 4)");
}

static int upload(const char *src, const char *dst, int type,
		  struct vmdk_clone_params *p, int source_format,
		  bool force_progress, struct remote_opts *o)
{
	const char *tmp = getenv("TMPDIR");
	struct tool_progress prog;
	char *spool_beside;
	vmdk_disk *d;
	int err;

	if (asprintf(&spool_beside, "%s/upload", tmp && *tmp ? tmp : "/tmp") < 0)
		return 1;
	d = op_clone_source(src, spool_beside, source_format);
	free(spool_beside);
	if (!d)
		return 1;
	tool_describe(d, src);
	tool_catch_signals();
	tool_progress_init(&prog, "Uploading", force_progress);
	o->progress = tool_progress_cb;
	o->progress_arg = &prog;
	o->cancel = &tool_interrupted;
	err = remote_upload(d, dst, type != VMDK_TYPE_VMFS_THICK, p, o);
	tool_progress_end(&prog);
	vmdk_close(d);
	if (err < 0) {
		tool_warn(o->host, "%s", remote_errmsg());
		return 1;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("Uploaded %s to %s on %s (%s)\n", strcmp(src, "-") ? src : "standard input",
		       dst, o->host, type == VMDK_TYPE_VMFS_THICK ? "thick" : "thin");
	return 0;
}

/* A read from the datastore that failed is told as the server's fault,
 * anything else as the library's. */
static void download_error(struct remote_download *dl, const char *host,
			   const char *name, int err)
{
	if (remote_download_error(dl))
		tool_warn(host, "%s", remote_download_error(dl));
	else
		tool_lib_error(name, err, NULL);
}

/* The disk at the datastore path @src opened to be read where it lies
 * (*@dl and *@name to be freed by the caller in any case); NULL once the
 * error is told. */
static vmdk_disk *open_remote_source(const char *src, struct remote_opts *from,
				     struct remote_download **dl, char **name)
{
	vmdk_disk *d = NULL;
	int err;

	tool_catch_signals();
	from->cancel = &tool_interrupted;
	if (remote_download_open(src, from, dl, name) < 0) {
		tool_warn(from->host, "%s", remote_errmsg());
		return NULL;
	}
	err = vmdk_open_fetched(*name, remote_download_fetcher(*dl), &d);
	if (err < 0) {
		download_error(*dl, from->host, src, err);
		return NULL;
	}
	tool_describe(d, src);
	return d;
}

/* The source read where it lies on the datastore, as the copy goes. */
static int download(const char *src, const char *dst, struct vmdk_clone_params *p,
		    bool force_progress, struct remote_opts *o)
{
	struct remote_download *dl = NULL;
	struct tool_progress prog;
	char *name = NULL;
	vmdk_disk *d = NULL;
	int err, rc = 1;

	if (strcmp(dst, "-") == 0)
		tool_try_help("a disk from a datastore goes to a file, not standard output");
	if (access(dst, F_OK) == 0 && !p->overwrite) {
		tool_warn(dst, "exists (-f replaces it)");
		return 1;
	}
	if (!(d = open_remote_source(src, o, &dl, &name)))
		goto out;
	tool_progress_init(&prog, "Downloading", force_progress);
	p->progress = tool_progress_cb;
	p->progress_arg = &prog;
	err = vmdk_clone(d, dst, p);
	tool_progress_end(&prog);
	if (err < 0) {
		download_error(dl, o->host, dst, err);
		goto out;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("Downloaded %s from %s to %s (%s)\n", src, o->host, dst,
		       p->type == VMDK_TYPE_RAW ? "raw" : vmdk_type_name(p->type));
	rc = 0;
out:
	vmdk_close(d);
	remote_download_close(dl);
	free(name);
	return rc;
}

/* A datastore's disk to another datastore path (of the same server or
 * another): read where it lies and streamed into the upload, never
 * stored here. */
static int copy_between(const char *src, const char *dst, int type,
			struct vmdk_clone_params *p, bool force_progress,
			struct remote_opts *o, struct remote_opts *from)
{
	struct remote_download *dl = NULL;
	struct tool_progress prog;
	char *name = NULL;
	vmdk_disk *d = NULL;
	int err, rc = 1;

	if (!(d = open_remote_source(src, from, &dl, &name)))
		goto out;
	tool_progress_init(&prog, "Copying", force_progress);
	o->progress = tool_progress_cb;
	o->progress_arg = &prog;
	o->cancel = &tool_interrupted;
	err = remote_upload(d, dst, type != VMDK_TYPE_VMFS_THICK, p, o);
	tool_progress_end(&prog);
	if (err < 0) {
		/* A read of the source that failed says so first. */
		if (remote_download_error(dl))
			tool_warn(from->host, "%s", remote_download_error(dl));
		else
			tool_warn(o->host, "%s", remote_errmsg());
		goto out;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("Copied %s on %s to %s on %s (%s)\n", src, from->host, dst, o->host,
		       type == VMDK_TYPE_VMFS_THICK ? "thick" : "thin");
	rc = 0;
out:
	vmdk_close(d);
	remote_download_close(dl);
	free(name);
	return rc;
}

int op_remote_clone(const char *src, const char *dst, int type,
		    struct vmdk_clone_params *p, int source_format,
		    bool force_progress, struct remote_opts *o,
		    const struct remote_source *source)
{
	if (remote_is_datastore_path(src) && remote_is_datastore_path(dst)) {
		struct remote_opts from;
		op_remote_source_opts(&from, o, source);
		return copy_between(src, dst, type, p, force_progress, o, &from);
	}
	if (remote_is_datastore_path(dst))
		return upload(src, dst, type, p, source_format, force_progress, o);
	if (type != -1)
		p->type = type;
	return download(src, dst, p, force_progress, o);
}
