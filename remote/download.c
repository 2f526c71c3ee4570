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
/* Flat extents are read ahead this far in one ranged GET. */
#define READ_AHEAD (8u << 20)

struct known_size {
	char *path;
	uint64_t size;
};

struct remote_download {
	struct rconn c;
	const struct remote_opts *o;
	char *ds, *dc_name;
	struct vim_ref dc;
	char *dir;		/* the local mirror's root */
	uint64_t done, total;	/* bytes put in the mirror so far */
	bool canceled;
	CURL *h;		/* reused, so that ranges share a connection */
	struct vmdk_fetcher fetcher;
	/* Read ahead of the copy engine, in one file. */
	char *cache_path;
	uint8_t *cache;
	size_t cache_cap, cache_len;
	uint64_t cache_off;
	struct known_size *sizes;
	size_t nsizes;
	char read_error[REMOTE_MSG_MAX];	/* why a read failed */
};

/* Where one transfer's bytes go: a file (zero blocks left as holes,
 * progress told) or memory. */
struct sink {
	struct remote_download *f;
	int fd;
	uint8_t *mem;		/* holds bytes [from, end) */
	uint64_t from, end;	/* end 0: up to the file's end */
	uint64_t off;		/* the next byte wanted */
	uint64_t pos;		/* the file offset of the next byte coming */
	uint64_t size;		/* the file's, once the server said */
	bool checked;		/* the reply looked at */
	int err;		/* errno of a failed write */
};

static bool all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Where the reply's body starts: where asked (206), or at the file's
 * start (200: the server ignored the range; what comes before is skipped). */
static bool check_reply(struct sink *s)
{
	curl_off_t len = -1;
	long status = 0;

	curl_easy_getinfo(s->f->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (status == 200)
		s->pos = 0;
	else if (status == 206)
		s->pos = s->off;
	else
		return false;
	if (len >= 0 && !s->size) {
		s->size = s->pos + (uint64_t)len;
		if (s->fd >= 0)
			s->f->total += s->size;
	}
	s->checked = true;
	return true;
}

static size_t write_block(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, skip, take;
	const struct remote_opts *o = s->f->o;

	if (!s->checked && !check_reply(s))
		return 0;
	if (o->cancel && *o->cancel) {
		s->f->canceled = true;
		return 0;
	}
	skip = s->pos < s->off ? (size_t)(s->off - s->pos < n ? s->off - s->pos : n) : 0;
	take = n - skip;
	if (s->end && s->off + take > s->end)
		take = (size_t)(s->end - s->off);
	s->pos += n;
	if (!take)
		return s->end && s->off == s->end ? 0 : n;
	p += skip;
	if (s->mem) {
		memcpy(s->mem + (s->off - s->from), p, take);
	} else if (!all_zero(p, take) && pwrite(s->fd, p, take, (off_t)s->off) != (ssize_t)take) {
		s->err = errno ? errno : EIO;
		return 0;
	}
	s->off += take;
	if (s->fd >= 0) {
		s->f->done += take;
		if (o->progress && o->progress(o->progress_arg, s->f->done,
					       s->f->total > s->f->done ? s->f->total : s->f->done)) {
			s->f->canceled = true;
			return 0;
		}
	}
	/* Past what was asked for: the rest of a 200 is not wanted. */
	return s->end && s->off == s->end && skip + take < n ? 0 : n;
}

/* Transfer errors after which the rest is asked for again. */
static bool resumable(CURLcode rc)
{
	return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
	       rc == CURLE_HTTP2_STREAM;
}

static bool complete(const struct sink *s)
{
	return s->checked && (s->end ? s->off == s->end : !s->size || s->off == s->size);
}

/* Bytes [s->from, s->end) of @path (end 0: all of it), resumed where a
 * dropped connection left them. */
static int transfer(struct remote_download *f, const char *path, struct sink *s)
{
	char *url = rconn_folder_url(&f->c, f->dc_name, f->ds, path);
	unsigned pause_ms = 500;
	int err = -1;

	if (!url)
		return -1;
	s->f = f;
	s->off = s->from;
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, write_block);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(f->h, CURLOPT_FAILONERROR, 1L);
	for (unsigned attempt = 1; ; attempt++) {
		struct timespec ts = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };
		char range[48];
		long status = 0;
		CURLcode rc;

		if (s->end)
			snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)s->off,
				 (unsigned long long)s->end - 1);
		else
			snprintf(range, sizeof(range), "%llu-", (unsigned long long)s->off);
		curl_easy_setopt(f->h, CURLOPT_RANGE, range);
		s->checked = false;
		f->c.curl_err[0] = '\0';
		rc = curl_easy_perform(f->h);
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && !s->checked)
			check_reply(s);		/* an empty body: no write came */
		if (complete(s)) {
			err = 0;
			break;
		}
		if (f->canceled) {
			remote_seterr("canceled");
			break;
		}
		if (s->err) {
			remote_seterr("%s: %s", path, strerror(s->err));
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
		if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && !s->checked) {
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
		nanosleep(&ts, NULL);
		pause_ms *= 2;
		if (getenv("VMDK_REMOTE_TRACE"))
			fprintf(stderr, "remote: resuming %s at byte %llu\n", path,
				(unsigned long long)s->off);
	}
	free(url);
	return err;
}

static int get_file(struct remote_download *f, const char *path, int fd)
{
	struct sink s = { .fd = fd };
	int err = transfer(f, path, &s);

	if (err == 0 && ftruncate(fd, (off_t)s.off) < 0)
		err = remote_seterr("%s: %s", path, strerror(errno));
	return err;
}

/* The mirror's directories down to @path's. */
static int make_dirs(struct remote_download *f, const char *path)
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
static int fetch_file(struct remote_download *f, const char *path, char **local_out)
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
		if (getenv("VMDK_REMOTE_TRACE"))
			fprintf(stderr, "remote: fetching %s\n", path);
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

static bool plain_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int fetch_link(struct remote_download *f, const char *path, unsigned depth,
		      char **local_top)
{
	struct vmdk_descriptor_names names = { 0 };
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *local = NULL, *next = NULL;
	int err;

	if (depth == CHAIN_MAX)
		return remote_seterr("[%s] %s: a chain of more than %d disks", f->ds, path,
				     CHAIN_MAX);
	if (fetch_file(f, path, &local) < 0)
		return -1;
	err = vmdk_descriptor_files(local, &names);
	if (err < 0) {
		remote_seterr("[%s] %s: %s", f->ds, path, vmdk_errmsg(NULL));
		goto out;
	}
	for (size_t i = 0; names.extents[i] && err == 0; i++) {
		char *x;
		if (!strcmp(names.extents[i], base))
			continue;	/* a monolithic file is its own extent */
		if (!plain_name(names.extents[i])) {
			err = remote_seterr("[%s] %s: names extent \"%s\" outside its "
					    "directory; not fetched", f->ds, path,
					    names.extents[i]);
			break;
		}
		/* Flat extents are read while copying, through the fetcher. */
		if (names.flat[i])
			continue;
		x = remote_resolve_path(path, names.extents[i]);
		err = x ? fetch_file(f, x, NULL) : remote_seterr("out of memory");
		free(x);
	}
	if (err == 0 && names.parent) {
		next = remote_resolve_path(path, names.parent);
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
	vmdk_descriptor_names_free(&names);
	return err;
}

/* The datastore path of a file of the mirror, or NULL for any other. */
static char *mirrored(struct remote_download *f, const char *local)
{
	size_t n = strlen(f->dir);

	if (strncmp(local, f->dir, n) || local[n] != '/')
		return NULL;
	return remote_resolve_path("", local + n + 1);
}

static int fetched_size(void *arg, const char *local, uint64_t *bytes)
{
	struct remote_download *f = arg;
	char *path = mirrored(f, local), *url = NULL;
	struct known_size *k;
	curl_off_t len = -1;
	long status = 0;
	CURLcode rc;

	if (!path)
		return -EACCES;
	if (getenv("VMDK_REMOTE_TRACE"))
		fprintf(stderr, "remote: streaming %s\n", path);
	url = rconn_folder_url(&f->c, f->dc_name, f->ds, path);
	if (!url)
		goto fail;
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(f->h, CURLOPT_RANGE, NULL);
	rc = curl_easy_perform(f->h);
	curl_easy_setopt(f->h, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(f->h, CURLOPT_HTTPGET, 1L);
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (rc != CURLE_OK && status != 404) {
		rconn_fail(&f->c, rc, "cannot reach the server");
		goto fail;
	}
	if (status == 404) {
		remote_seterr("[%s] %s: no such file on the datastore", f->ds, path);
		free(url);
		free(path);
		return -ENOENT;
	}
	if (status != 200 || len < 0) {
		remote_seterr("[%s] %s: the server gives no size (HTTP %ld)", f->ds, path, status);
		goto fail;
	}
	k = realloc(f->sizes, (f->nsizes + 1) * sizeof(*k));
	if (!k)
		goto fail;
	f->sizes = k;
	k[f->nsizes].path = path;
	k[f->nsizes++].size = (uint64_t)len;
	*bytes = (uint64_t)len;
	free(url);
	return 0;
fail:
	free(url);
	free(path);
	return -EIO;
}

static const struct known_size *size_of(struct remote_download *f, const char *path)
{
	for (size_t i = 0; i < f->nsizes; i++)
		if (!strcmp(f->sizes[i].path, path))
			return &f->sizes[i];
	return NULL;
}

/* Served from what was read ahead; else the next READ_AHEAD bytes (at
 * least @len) are fetched in one range. */
static int fetched_read(void *arg, const char *local, void *buf, size_t len, uint64_t off)
{
	struct remote_download *f = arg;
	char *path = mirrored(f, local);
	const struct known_size *k = path ? size_of(f, path) : NULL;
	struct sink s = { .fd = -1 };
	uint64_t end;

	if (!k) {
		free(path);
		return -EACCES;
	}
	if (off > k->size || len > k->size - off) {
		free(path);
		return -ENODATA;
	}
	if (!f->cache_path || strcmp(f->cache_path, path) || off < f->cache_off ||
	    off + len > f->cache_off + f->cache_len) {
		size_t want = len > READ_AHEAD ? len : READ_AHEAD;
		end = k->size - off < want ? k->size : off + want;
		if (f->cache_cap < end - off) {
			uint8_t *c = realloc(f->cache, (size_t)(end - off));
			if (!c) {
				free(path);
				return -ENOMEM;
			}
			f->cache = c;
			f->cache_cap = (size_t)(end - off);
		}
		free(f->cache_path);
		f->cache_path = NULL;
		s.mem = f->cache;
		s.from = off;
		s.end = end;
		s.size = k->size;
		if (transfer(f, path, &s) < 0) {
			snprintf(f->read_error, sizeof(f->read_error), "%s", remote_errmsg());
			free(path);
			return f->canceled ? -ECANCELED : -EIO;
		}
		f->cache_path = path;
		path = NULL;
		f->cache_off = off;
		f->cache_len = (size_t)(end - off);
	}
	memcpy(buf, f->cache + (off - f->cache_off), len);
	free(path);
	return 0;
}

int remote_download_open(const char *dspath, const char *dir,
			 const struct remote_opts *o, struct remote_download **out,
			 char **local)
{
	struct remote_download *f = calloc(1, sizeof(*f));
	char *path = NULL;
	int err = -1;

	*out = NULL;
	*local = NULL;
	if (!f || !(f->dir = strdup(dir))) {
		free(f);
		return remote_seterr("out of memory");
	}
	f->o = o;
	f->fetcher = (struct vmdk_fetcher){ .size = fetched_size, .read = fetched_read,
					    .arg = f };
	*out = f;
	if (remote_parse_datastore_path(dspath, &f->ds, &path) < 0 ||
	    rconn_open(&f->c, o) < 0 || !(f->h = rconn_handle(&f->c)))
		goto out;
	if (vim_connect(&f->c) == 0 &&
	    vim_datacenter(&f->c, o->datacenter, &f->dc, &f->dc_name) == 0)
		err = fetch_link(f, path, 0, local);
out:
	free(path);
	return err;
}

const struct vmdk_fetcher *remote_download_fetcher(struct remote_download *f)
{
	return &f->fetcher;
}

const char *remote_download_error(struct remote_download *f)
{
	return f->read_error[0] ? f->read_error : NULL;
}

void remote_download_close(struct remote_download *f)
{
	if (!f)
		return;
	if (f->c.soap)
		vim_logout(&f->c);
	if (f->h)
		curl_easy_cleanup(f->h);
	rconn_close(&f->c);
	for (size_t i = 0; i < f->nsizes; i++)
		free(f->sizes[i].path);
	free(f->sizes);
	free(f->cache);
	free(f->cache_path);
	free(f->ds);
	free(f->dc_name);
	free(f->dir);
	free(f);
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
