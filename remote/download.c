/* SPDX-License-Identifier: MIT */
/* download.c --- a disk on a datastore fetched file by file from the
 * datastore's file URL (/folder/PATH?dcPath=DC&dsName=DS): the
 * descriptor, the extents it names, the parents its hints name.  Each
 * file is read with Range requests, resumed where a dropped connection
 * left it; zero blocks are left as holes.  The files land in a private
 * directory mirroring the datastore's, so that the copy engine opens
 * them as any local chain. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "remote_int.h"

#define FETCH_ATTEMPTS 5
#define CHAIN_MAX 64

struct fetch {
	struct rconn c;
	const struct remote_opts *o;
	char *ds, *dc_name;
	struct vim_ref dc;
	const char *dir;	/* the local mirror's root */
	uint64_t done, total;	/* bytes, over every file so far */
	bool canceled;
};

/* One file's transfer: where its bytes go. */
struct sink {
	struct fetch *f;
	CURL *h;
	int fd;
	uint64_t off;		/* the next byte's place in the file */
	uint64_t size;		/* the file's, once the server told */
	bool checked;		/* the reply's range looked at */
	int err;		/* errno of a failed write */
};

static bool all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* A 200 to a ranged request starts over; a 206 must start where asked. */
static bool check_range(struct sink *s)
{
	curl_off_t len = -1;
	long status = 0;

	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (status == 200) {
		s->f->done -= s->off;
		s->off = 0;
	} else if (status != 206) {
		return false;
	}
	if (len >= 0 && !s->size) {
		s->size = s->off + (uint64_t)len;
		s->f->total += s->size;
	}
	s->checked = true;
	return true;
}

static size_t write_block(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	const struct remote_opts *o = s->f->o;

	if (!s->checked && !check_range(s))
		return 0;
	if (!all_zero(p, n) && pwrite(s->fd, p, n, (off_t)s->off) != (ssize_t)n) {
		s->err = errno ? errno : EIO;
		return 0;
	}
	s->off += n;
	s->f->done += n;
	if (o->progress && o->progress(o->progress_arg, s->f->done,
				       s->f->total > s->f->done ? s->f->total : s->f->done)) {
		s->f->canceled = true;
		return 0;
	}
	return n;
}

/* Transfer errors after which the rest is asked for again. */
static bool resumable(CURLcode rc)
{
	return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_HTTP2_STREAM;
}

static int get_file(struct fetch *f, const char *path, int fd)
{
	struct sink s = { .f = f, .fd = fd };
	char *url = rconn_folder_url(&f->c, f->dc_name, f->ds, path);
	unsigned pause_ms = 500;
	int err = -1;

	if (!url || !(s.h = rconn_handle(&f->c))) {
		free(url);
		return -1;
	}
	curl_easy_setopt(s.h, CURLOPT_URL, url);
	curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, write_block);
	curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(s.h, CURLOPT_FAILONERROR, 1L);
	for (unsigned attempt = 1; ; attempt++) {
		CURLcode rc;
		long status = 0;
		char range[48];

		snprintf(range, sizeof(range), "%llu-", (unsigned long long)s.off);
		curl_easy_setopt(s.h, CURLOPT_RANGE, range);
		s.checked = false;
		f->c.curl_err[0] = '\0';
		rc = curl_easy_perform(s.h);
		curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && !s.checked)
			check_range(&s);	/* an empty file: no write came */
		if (rc == CURLE_OK && s.checked && (!s.size || s.off == s.size)) {
			err = 0;
			break;
		}
		if (f->canceled) {
			remote_seterr("canceled");
			break;
		}
		if (s.err) {
			remote_seterr("%s: %s", path, strerror(s.err));
			break;
		}
		if (status == 404) {
			remote_seterr("[%s] %s: no such file on the datastore", f->ds, path);
			break;
		}
		if (status == 401 || status == 403) {
			remote_seterr("[%s] %s: not allowed to read it (HTTP %ld)", f->ds, path, status);
			break;
		}
		if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && !s.checked) {
			remote_seterr("[%s] %s: the server answered HTTP %ld to a range request",
				      f->ds, path, status);
			break;
		}
		if ((!resumable(rc) && rc != CURLE_OK) || attempt == FETCH_ATTEMPTS) {
			if (rc == CURLE_OK)
				remote_seterr("[%s] %s: the file ended early", f->ds, path);
			else
				rconn_fail(&f->c, rc, "the download failed");
			break;
		}
		struct timespec ts = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		pause_ms *= 2;
		if (getenv("VMDK_REMOTE_TRACE"))
			fprintf(stderr, "remote: resuming %s at byte %llu\n", path,
				(unsigned long long)s.off);
	}
	if (err == 0 && ftruncate(fd, (off_t)s.off) < 0)
		err = remote_seterr("%s: %s", path, strerror(errno));
	curl_easy_cleanup(s.h);
	free(url);
	return err;
}

/* The mirror's directories down to @path's. */
static int make_dirs(struct fetch *f, const char *path)
{
	char *local;

	if (asprintf(&local, "%s/%s", f->dir, path) < 0)
		return remote_seterr("out of memory");
	for (char *s = local + strlen(f->dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(local, 0700) < 0 && errno != EEXIST) {
			remote_seterr("%s: %s", local, strerror(errno));
			free(local);
			return -1;
		}
		*s = '/';
	}
	free(local);
	return 0;
}

/* Fetch @path (normalised, inside the datastore) once. */
static int fetch_file(struct fetch *f, const char *path, char **local_out)
{
	char *local;
	int fd, err;

	if (make_dirs(f, path) < 0 || asprintf(&local, "%s/%s", f->dir, path) < 0)
		return -1;
	fd = open(local, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		err = 0;	/* named twice: fetched already */
	} else if (fd < 0) {
		err = remote_seterr("%s: %s", local, strerror(errno));
	} else {
		err = get_file(f, path, fd);
		if (close(fd) < 0 && err == 0)
			err = remote_seterr("%s: %s", local, strerror(errno));
	}
	if (err == 0 && local_out)
		*local_out = local;
	else
		free(local);
	return err;
}

/* @name relative to the directory of @from, both in the datastore, with
 * "." and ".." taken out; NULL when it leaves the datastore. */
static char *resolve(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *joined, *out, *seg, *save;
	size_t n = 0;

	if (name[0] == '/' || !name[0])
		return NULL;
	if (asprintf(&joined, "%.*s%s%s", slash ? (int)(slash - from) : 0, from,
		     slash ? "/" : "", name) < 0)
		return NULL;
	out = calloc(1, strlen(joined) + 1);
	for (seg = out ? strtok_r(joined, "/", &save) : NULL; seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *up = n ? strrchr(out, '/') : NULL;
			if (!n) {
				free(out);
				out = NULL;
				break;
			}
			n = up ? (size_t)(up - out) : 0;
			out[n] = '\0';
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", seg);
	}
	free(joined);
	if (out && !n) {
		free(out);
		out = NULL;
	}
	return out;
}

static bool plain_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int fetch_link(struct fetch *f, const char *path, unsigned depth, char **local_top)
{
	char **extents = NULL, *parent = NULL, *local = NULL, *next = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int err;

	if (depth == CHAIN_MAX)
		return remote_seterr("[%s] %s: a chain of more than %d disks", f->ds, path,
				     CHAIN_MAX);
	if (fetch_file(f, path, &local) < 0)
		return -1;
	err = vmdk_descriptor_files(local, &extents, &parent);
	if (err < 0) {
		remote_seterr("[%s] %s: %s", f->ds, path, vmdk_errmsg(NULL));
		goto out;
	}
	for (size_t i = 0; extents[i] && err == 0; i++) {
		char *x;
		if (!strcmp(extents[i], base))
			continue;	/* a monolithic file is its own extent */
		if (!plain_name(extents[i])) {
			err = remote_seterr("[%s] %s: names extent \"%s\" outside its "
					    "directory; not fetched", f->ds, path, extents[i]);
			break;
		}
		x = resolve(path, extents[i]);
		err = x ? fetch_file(f, x, NULL) : remote_seterr("out of memory");
		free(x);
	}
	if (err == 0 && parent) {
		next = resolve(path, parent);
		if (!next)
			err = remote_seterr("[%s] %s: its parent is not on the same datastore "
					    "(an absolute hint, or one leading out); not fetched",
					    f->ds, path);
		else
			err = fetch_link(f, next, depth + 1, NULL);
	}
out:
	if (err == 0 && local_top)
		*local_top = local;
	else
		free(local);
	free(next);
	free(parent);
	vmdk_free_names(extents);
	return err;
}

int remote_fetch(const char *dspath, const char *dir, const struct remote_opts *o,
		 char **local)
{
	struct fetch f = { .o = o, .dir = dir };
	char *path = NULL;
	int err;

	*local = NULL;
	if (remote_parse_datastore_path(dspath, &f.ds, &path) < 0)
		return -1;
	err = rconn_open(&f.c, o);
	if (err == 0) {
		err = vim_connect(&f.c);
		if (err == 0)
			err = vim_datacenter(&f.c, o->datacenter, &f.dc, &f.dc_name);
		if (err == 0)
			err = fetch_link(&f, path, 0, local);
		vim_logout(&f.c);
	}
	rconn_close(&f.c);
	free(f.ds);
	free(f.dc_name);
	free(path);
	return err;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void remote_remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
