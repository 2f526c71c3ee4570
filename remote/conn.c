/* SPDX-License-Identifier: MIT */
/* conn.c --- the HTTPS side of a vSphere connection: libcurl handles that
 * share the session cookie, the server certificate checked against the
 * system's CAs or pinned by its thumbprint (as VDDK's -thumb), messages
 * that name the certificate so that the user can pin it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "remote_int.h"

static __thread char last_error[REMOTE_MSG_MAX];

const char *remote_errmsg(void)
{
	return last_error;
}

int remote_seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -1;
}

/* Upper-case hex digits of @fp without separators into @out, or false
 * when @fp is not 20 or 32 bytes written as hex pairs. */
static bool thumbprint_hex(const char *fp, char out[65])
{
	size_t n = 0;

	for (const char *s = fp; *s; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 64)
			return false;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
	return n == 40 || n == 64;
}

bool remote_thumbprint_valid(const char *fp)
{
	char hex[65];

	return thumbprint_hex(fp, hex);
}

static void colon_hex(const unsigned char *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

static bool same_hex(const char *colons, const char *bare)
{
	for (; *colons; colons++) {
		if (*colons == ':')
			continue;
		if (*colons != *bare++)
			return false;
	}
	return *bare == '\0';
}

static int conn_index = -1;
static pthread_once_t conn_index_once = PTHREAD_ONCE_INIT;

static void make_conn_index(void)
{
	conn_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Called for each certificate of the chain: the leaf's digests are kept;
 * the answer is OpenSSL's own, the pin's, or yes (--insecure). */
static int verify_cert(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct rconn *c = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), conn_index) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n;

	if (!c || !leaf)
		return 0;
	if (X509_digest(leaf, EVP_sha1(), md, &n))
		colon_hex(md, n, c->sha1);
	if (X509_digest(leaf, EVP_sha256(), md, &n))
		colon_hex(md, n, c->sha256);
	c->cert_seen = true;
	if (c->o->insecure)
		return 1;
	if (c->pin[0]) {
		bool match = same_hex(strlen(c->pin) == 40 ? c->sha1 : c->sha256, c->pin);
		if (!match)
			c->pin_mismatch = true;
		return match;
	}
	return ok;
}

static CURLcode setup_tls(CURL *h, void *sslctx, void *arg)
{
	(void)h;
	SSL_CTX_set_ex_data(sslctx, conn_index, arg);
	SSL_CTX_set_verify(sslctx, SSL_VERIFY_PEER, verify_cert);
	return CURLE_OK;
}

CURL *rconn_handle(struct rconn *c)
{
	CURL *h = curl_easy_init();
	/* A pinned certificate stands for the host name (as VDDK's -thumb);
	 * without one, curl checks the chain and the name as usual. */
	long verify = c->pin[0] || c->o->insecure ? 0L : 1L;

	if (!h) {
		remote_seterr("out of memory");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vmdktools");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A server that stops answering for a minute has gone. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, setup_tls);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
	return h;
}

int rconn_fail(struct rconn *c, CURLcode rc, const char *what)
{
	if (c->pin_mismatch)
		return remote_seterr("the server's certificate does not match --thumbprint "
				     "(its SHA-1 thumbprint is %s, its SHA-256 %s)",
				     c->sha1, c->sha256);
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    (rc == CURLE_SSL_CONNECT_ERROR && c->cert_seen && !c->pin[0] &&
	     !c->o->insecure)) {
		if (c->cert_seen)
			return remote_seterr("the server's certificate is not trusted (%s); "
					     "to trust it, give --thumbprint with its SHA-1 "
					     "thumbprint %s or its SHA-256 thumbprint %s",
					     c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc),
					     c->sha1, c->sha256);
		return remote_seterr("the server's certificate is not trusted (%s)",
				     c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
	}
	return remote_seterr("%s: %s", what,
			     c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
}

/* HOST, HOST:PORT, [V6] or [V6]:PORT: the port is 443 unless given. */
static int split_host(const char *s, char **hostport)
{
	const char *end = s[0] == '[' ? strchr(s, ']') : NULL;
	const char *colon = end ? (end[1] == ':' ? end + 1 : NULL) : strrchr(s, ':');

	if (!*s || (s[0] == '[' && (!end || (end[1] && end[1] != ':'))) ||
	    (!end && colon && strchr(s, ':') != colon) || strpbrk(s, "/?#@ \t"))
		return remote_seterr("not a host name or address");
	if (colon) {
		char *stop;
		unsigned long port = strtoul(colon + 1, &stop, 10);
		if (!colon[1] || *stop || port == 0 || port > 65535)
			return remote_seterr("not a port number: '%s'", colon + 1);
		*hostport = strdup(s);
	} else if (asprintf(hostport, "%s:443", s) < 0) {
		*hostport = NULL;
	}
	return *hostport ? 0 : remote_seterr("out of memory");
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int rconn_open(struct rconn *c, const struct remote_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	pthread_once(&curl_once, curl_start);
	pthread_once(&conn_index_once, make_conn_index);
	if (o->thumbprint && !thumbprint_hex(o->thumbprint, c->pin))
		return remote_seterr("--thumbprint wants a SHA-1 or SHA-256 thumbprint "
				     "(AA:BB:...)");
	if (split_host(o->host, &c->hostport) < 0)
		return -1;
	if (asprintf(&c->base, "https://%s", c->hostport) < 0) {
		c->base = NULL;
		return remote_seterr("out of memory");
	}
	c->share = curl_share_init();
	if (!c->share)
		return remote_seterr("out of memory");
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	c->soap = rconn_handle(c);
	return c->soap ? 0 : -1;
}

void rconn_close(struct rconn *c)
{
	if (c->soap)
		curl_easy_cleanup(c->soap);
	if (c->share)
		curl_share_cleanup(c->share);
	free(c->base);
	free(c->hostport);
	memset(c, 0, sizeof(*c));
}

size_t rbuf_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct rbuf *b = arg;
	size_t n = size * nmemb;

	if (b->n + n > b->limit)
		return 0;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *p;
		while (cap < b->n + n + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, ptr, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

void rbuf_free(struct rbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Each segment of @path escaped, the slashes kept. */
static char *escape_path(CURL *h, const char *path)
{
	size_t cap = strlen(path) * 3 + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (const char *s = path; ; ) {
		size_t len = strcspn(s, "/");
		char *seg = curl_easy_escape(h, s, (int)len);
		if (!seg) {
			free(out);
			return NULL;
		}
		n += (size_t)sprintf(out + n, "%s%s", seg, s[len] ? "/" : "");
		curl_free(seg);
		if (!s[len])
			break;
		s += len + 1;
	}
	return out;
}

char *rconn_folder_url(struct rconn *c, const char *dc, const char *ds,
		       const char *path)
{
	char *p = escape_path(c->soap, path);
	char *edc = curl_easy_escape(c->soap, dc, 0);
	char *eds = curl_easy_escape(c->soap, ds, 0);
	char *url = NULL;

	if (p && edc && eds &&
	    asprintf(&url, "%s/folder/%s?dcPath=%s&dsName=%s", c->base, p, edc, eds) < 0)
		url = NULL;
	free(p);
	curl_free(edc);
	curl_free(eds);
	if (!url)
		remote_seterr("out of memory");
	return url;
}

long rconn_head(struct rconn *c, const char *url)
{
	CURL *h = rconn_handle(c);
	long status = -1;
	CURLcode rc;

	if (!h)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		rconn_fail(c, rc, "cannot reach the server");
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}
