/* SPDX-License-Identifier: MIT */
/* descriptor.c --- parse and write the text descriptor (technote: "The
 * Descriptor File"), keeping every line so an untouched descriptor writes
 * back byte for byte. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmdk_int.h"

static const char *const extent_kinds[] = {
	"FLAT", "SPARSE", "ZERO", "VMFS", "VMFSSPARSE", "VMFSRDM", "VMFSRAW",
	"SESPARSE",
};

const char *vmdk_extent_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(extent_kinds) / sizeof(*extent_kinds); i++)
		if (strcmp(kind, extent_kinds[i]) == 0)
			return extent_kinds[i];
	return "?";
}

bool vmdk_extent_is_flat(const char *kind)
{
	return strcmp(kind, "FLAT") == 0 || strcmp(kind, "VMFS") == 0;
}

/* A stray carriage return counts as blank, so that a value never ends
 * in one and changes meaning when a line end is added after it. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* At most @n - 1 bytes of @s for a message, anything unprintable as '?',
 * so that a binary file named by mistake cannot upset a terminal. */
static void printable(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static const char *skip_space(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Copy of [s, e) with surrounding blanks removed. */
static char *trimmed_dup(const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	return strndup(s, (size_t)(e - s));
}

/* Decimal digits only, no sign, no overflow. */
static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*end = p;
	*out = v;
	return true;
}

static const char *word_end(const char *s)
{
	while (*s && !is_blank(*s))
		s++;
	return s;
}

int vmdk_parse_extent_line(const char *s, struct vmdk_extent_line *e,
			   const char **why)
{
	const char *p = skip_space(s), *q;
	size_t n;
	bool want_offset_ok;

	memset(e, 0, sizeof(*e));
	q = word_end(p);
	n = (size_t)(q - p);
	e->access = -1;
	for (int i = 0; i <= VMDK_ACCESS_NOACCESS; i++)
		if (strlen(vmdk_access_name(i)) == n &&
		    strncasecmp(p, vmdk_access_name(i), n) == 0)
			e->access = i;
	if (e->access < 0) {
		*why = "access must be RW, RDONLY or NOACCESS";
		return -1;
	}
	p = skip_space(q);
	if (!parse_u64(p, &q, &e->sectors) || (*q && !is_blank(*q))) {
		*why = "size in sectors is not a number";
		return -1;
	}
	if (e->sectors == 0 || e->sectors > VMDK_MAX_CAPACITY) {
		*why = "size in sectors is zero or beyond 64 TiB";
		return -1;
	}
	p = skip_space(q);
	q = word_end(p);
	n = (size_t)(q - p);
	for (size_t i = 0; i < sizeof(extent_kinds) / sizeof(*extent_kinds); i++)
		if (strlen(extent_kinds[i]) == n &&
		    strncasecmp(p, extent_kinds[i], n) == 0)
			strcpy(e->kind, extent_kinds[i]);
	if (!e->kind[0]) {
		*why = "unknown extent type";
		return -1;
	}
	p = skip_space(q);
	if (strcmp(e->kind, "ZERO") == 0) {
		if (*p) {
			*why = "a ZERO extent takes no file name";
			return -1;
		}
		return 0;
	}
	if (*p != '"') {
		*why = "file name must be in double quotes";
		return -1;
	}
	q = strchr(p + 1, '"');
	if (!q) {
		*why = "file name has no closing quote";
		return -1;
	}
	e->file = strndup(p + 1, (size_t)(q - p - 1));
	if (!e->file) {
		*why = "out of memory";
		return -1;
	}
	p = skip_space(q + 1);
	want_offset_ok = strcmp(e->kind, "FLAT") == 0 ||
			 (strncmp(e->kind, "VMFS", 4) == 0 &&
			  strcmp(e->kind, "VMFSSPARSE") != 0);
	if (*p) {
		if (!want_offset_ok) {
			*why = "only flat extents take an offset";
			goto fail;
		}
		if (!parse_u64(p, &q, &e->offset) || *skip_space(q)) {
			*why = "offset is not a number";
			goto fail;
		}
		if (e->offset > VMDK_MAX_CAPACITY) {
			*why = "offset beyond 64 TiB";
			goto fail;
		}
		e->has_offset = true;
	}
	return 0;
fail:
	free(e->file);
	e->file = NULL;
	return -1;
}

/* key = value or key="value": split and unquote. */
static int split_assignment(const char *s, char **key, char **value,
			    bool *quoted, const char **why)
{
	const char *eq = strchr(s, '='), *v, *ve;

	if (!eq) {
		*why = "expected key=value";
		return -1;
	}
	*key = trimmed_dup(s, eq);
	if (!*key || !**key || strpbrk(*key, " \t\r")) {
		free(*key);
		*key = NULL;
		*why = "bad key before '='";
		return -1;
	}
	v = skip_space(eq + 1);
	ve = v + strlen(v);
	while (ve > v && is_blank(ve[-1]))
		ve--;
	*quoted = false;
	if (v < ve && *v == '"') {
		if (ve - v < 2 || ve[-1] != '"') {
			free(*key);
			*key = NULL;
			*why = "value has no closing quote";
			return -1;
		}
		v++;
		ve--;
		*quoted = true;
	}
	*value = strndup(v, (size_t)(ve - v));
	if (!*value) {
		free(*key);
		*key = NULL;
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static bool looks_like_extent(const char *s)
{
	const char *w = word_end(s);

	for (int i = 0; i <= VMDK_ACCESS_NOACCESS; i++)
		if ((size_t)(w - s) == strlen(vmdk_access_name(i)) &&
		    strncasecmp(s, vmdk_access_name(i), (size_t)(w - s)) == 0)
			return true;
	return !memchr(s, '=', (size_t)(w - s)) &&
	       isdigit((unsigned char)*skip_space(w));
}

static int classify(struct vmdk_line *l, const char **why)
{
	const char *s = skip_space(l->text);

	if (*s == '\0' || *s == '#') {
		l->kind = VMDK_LINE_OTHER;
		return 0;
	}
	/* "WORD NUMBER ..." is an extent line, so a bad access mode is
	 * reported as such rather than as a malformed key=value. */
	if (looks_like_extent(s)) {
		l->kind = VMDK_LINE_EXTENT;
		return vmdk_parse_extent_line(s, &l->ext, why);
	}
	l->kind = strncasecmp(s, "ddb.", 4) == 0 ? VMDK_LINE_DDB
						 : VMDK_LINE_HEADER;
	return split_assignment(s, &l->key, &l->value, &l->quoted, why);
}

static int add_line(struct vmdk_descriptor *d, struct vmdk_line **out)
{
	if (d->nlines == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct vmdk_line *n = realloc(d->lines, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		d->lines = n;
		d->cap = cap;
	}
	*out = &d->lines[d->nlines++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static struct vmdk_line *find_key(const struct vmdk_descriptor *d,
				  const char *key)
{
	for (size_t i = 0; i < d->nlines; i++) {
		struct vmdk_line *l = &d->lines[i];
		if ((l->kind == VMDK_LINE_HEADER || l->kind == VMDK_LINE_DDB) &&
		    strcasecmp(l->key, key) == 0)
			return l;
	}
	return NULL;
}

static bool parse_cid(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isxdigit((unsigned char)*s) || strlen(s) > 8)
		return false;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (*end || errno)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Fill the parsed fields from the lines; reports the offending line. */
static int interpret(struct vmdk_descriptor *d, struct vmdk_errbuf *eb)
{
	static const char *const once[] = { "version", "CID", "parentCID",
					    "createType", "parentFileNameHint" };
	struct vmdk_line *l;

	for (size_t i = 0; i < d->nlines; i++) {
		if (d->lines[i].kind != VMDK_LINE_HEADER)
			continue;
		for (size_t k = 0; k < sizeof(once) / sizeof(*once); k++)
			if (strcasecmp(d->lines[i].key, once[k]) == 0 &&
			    find_key(d, once[k]) != &d->lines[i])
				return vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
						   "line %zu: %s given twice",
						   i + 1, once[k]);
	}
	d->version = 1;
	if ((l = find_key(d, "version")) != NULL) {
		if (strlen(l->value) != 1 || l->value[0] < '1' ||
		    l->value[0] > '3')
			return vmdk_seterr(eb, VMDK_E_UNSUPPORTED_VERSION,
					   "line %zu: version '%s' is not 1, 2 or 3",
					   (size_t)(l - d->lines) + 1, l->value);
		d->version = l->value[0] - '0';
	}
	d->cid = 0xffffffff;
	if ((l = find_key(d, "CID")) && !parse_cid(l->value, &d->cid))
		return vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
				   "line %zu: CID '%s' is not a hexadecimal number",
				   (size_t)(l - d->lines) + 1, l->value);
	d->parent_cid = 0xffffffff;
	if ((l = find_key(d, "parentCID")) &&
	    !parse_cid(l->value, &d->parent_cid))
		return vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
				   "line %zu: parentCID '%s' is not a hexadecimal number",
				   (size_t)(l - d->lines) + 1, l->value);
	l = find_key(d, "createType");
	if (!l || !*l->value)
		return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
				   "no createType: not a VMDK descriptor");
	d->create_type = l->value;
	l = find_key(d, "parentFileNameHint");
	d->parent_hint = l && *l->value ? l->value : NULL;
	return 0;
}

int vmdk_desc_parse(const char *text, size_t len,
		    struct vmdk_descriptor **out, struct vmdk_errbuf *eb)
{
	struct vmdk_descriptor *d;
	const char *p = text, *end = text + len;
	int err = 0;

	if (len > VMDK_MAX_DESCRIPTOR)
		return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
				   "descriptor larger than 1 MiB");
	if (memchr(text, '\0', len))
		return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
				   "binary data where a text descriptor should be");
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct vmdk_line *l;
		const char *why = "out of memory";

		err = add_line(d, &l);
		if (err < 0)
			goto fail;
		l->eol = nl ? "\n" : "";
		if (nl && le > p && le[-1] == '\r') {
			le--;
			l->eol = "\r\n";
		}
		l->text = strndup(p, (size_t)(le - p));
		if (!l->text || classify(l, &why) < 0) {
			err = l->text ? VMDK_E_BAD_DESCRIPTOR : -ENOMEM;
			char shown[64];
			printable(shown, sizeof(shown), l->text);
			vmdk_seterr(eb, err, "line %zu: %s: '%s'", d->nlines, why,
				    shown);
			goto fail;
		}
		p = nl ? nl + 1 : end;
	}
	err = interpret(d, eb);
	if (err < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	vmdk_desc_free(d);
	return err;
}

char *vmdk_desc_serialize(const struct vmdk_descriptor *d, size_t *len)
{
	size_t total = 1, pos = 0;
	char *out;

	for (size_t i = 0; i < d->nlines; i++)
		total += strlen(d->lines[i].text) + strlen(d->lines[i].eol);
	out = malloc(total);
	if (!out)
		return NULL;
	for (size_t i = 0; i < d->nlines; i++) {
		size_t a = strlen(d->lines[i].text), b = strlen(d->lines[i].eol);
		memcpy(out + pos, d->lines[i].text, a);
		memcpy(out + pos + a, d->lines[i].eol, b);
		pos += a + b;
	}
	out[pos] = '\0';
	if (len)
		*len = pos;
	return out;
}

const char *vmdk_desc_get(const struct vmdk_descriptor *d, const char *key)
{
	const struct vmdk_line *l = find_key(d, key);
	return l ? l->value : NULL;
}

static bool quoted_by_default(const char *key)
{
	return strcasecmp(key, "version") != 0 && strcasecmp(key, "CID") != 0 &&
	       strcasecmp(key, "parentCID") != 0;
}

static int render(struct vmdk_line *l, const char *indent_from)
{
	const char *s = indent_from ? indent_from : "";
	int indent = (int)(skip_space(s) - s);
	char *text;
	int n;

	if (l->kind == VMDK_LINE_DDB)
		n = asprintf(&text, "%.*s%s = \"%s\"", indent, s, l->key,
			     l->value);
	else
		n = asprintf(&text, "%.*s%s=%s%s%s", indent, s, l->key,
			     l->quoted ? "\"" : "", l->value,
			     l->quoted ? "\"" : "");
	if (n < 0)
		return -ENOMEM;
	free(l->text);
	l->text = text;
	return 0;
}

/* Index after which a new line of @kind goes. */
static size_t insert_point(const struct vmdk_descriptor *d, int kind)
{
	size_t at = d->nlines;

	for (size_t i = 0; i < d->nlines; i++)
		if (d->lines[i].kind == kind)
			at = i + 1;
	if (at == d->nlines && kind == VMDK_LINE_HEADER) {
		/* No header line yet: after leading comments. */
		at = 0;
		while (at < d->nlines && d->lines[at].kind == VMDK_LINE_OTHER &&
		       d->lines[at].text[0] == '#')
			at++;
	}
	return at;
}

/* Put @nl in as line @at, after the line of its kind that comes last;
 * returns its slot, or NULL on ENOMEM (nothing changed). */
static struct vmdk_line *insert_line(struct vmdk_descriptor *d,
				     struct vmdk_line nl)
{
	struct vmdk_line *slot;
	size_t at;

	if (add_line(d, &slot) < 0)
		return NULL;
	d->nlines--;	/* add_line made room; place it ourselves */
	at = insert_point(d, nl.kind);
	/* Keep a missing final newline missing, on the new last line. */
	if (at > 0 && !*d->lines[at - 1].eol) {
		d->lines[at - 1].eol = "\n";
		if (at == d->nlines)
			nl.eol = "";
	}
	memmove(&d->lines[at + 1], &d->lines[at],
		(d->nlines - at) * sizeof(*d->lines));
	d->lines[at] = nl;
	d->nlines++;
	return &d->lines[at];
}

static void refresh_fields(struct vmdk_descriptor *d)
{
	const char *v;

	d->create_type = vmdk_desc_get(d, "createType");
	v = vmdk_desc_get(d, "parentFileNameHint");
	d->parent_hint = v && *v ? v : NULL;
	if ((v = vmdk_desc_get(d, "CID")))
		parse_cid(v, &d->cid);
	if ((v = vmdk_desc_get(d, "parentCID")))
		parse_cid(v, &d->parent_cid);
	if ((v = vmdk_desc_get(d, "version")) && v[0] >= '1' && v[0] <= '3')
		d->version = v[0] - '0';
}

int vmdk_desc_set(struct vmdk_descriptor *d, const char *key,
		  const char *value)
{
	struct vmdk_line *l = find_key(d, key), *slot;
	char *nv = strdup(value);

	if (!nv)
		return -ENOMEM;
	if (l) {
		char *old_text = strdup(l->text);
		int err;
		if (!old_text) {
			free(nv);
			return -ENOMEM;
		}
		free(l->value);
		l->value = nv;
		err = render(l, old_text);
		free(old_text);
		refresh_fields(d);
		return err;
	}
	{
		int kind = strncasecmp(key, "ddb.", 4) == 0 ? VMDK_LINE_DDB
							   : VMDK_LINE_HEADER;
		char *k = strdup(key);
		struct vmdk_line nl = { .kind = kind, .key = k, .value = nv,
					.quoted = quoted_by_default(key),
					.eol = "\n" };
		if (!k || !(slot = insert_line(d, nl))) {
			free(k);
			free(nv);
			return -ENOMEM;
		}
		if (render(slot, NULL) < 0)
			return -ENOMEM;
	}
	refresh_fields(d);
	return 0;
}

int vmdk_desc_remove(struct vmdk_descriptor *d, const char *key)
{
	struct vmdk_line *l = find_key(d, key);
	size_t at;

	if (!l)
		return 0;
	at = (size_t)(l - d->lines);
	free(l->text);
	free(l->key);
	free(l->value);
	free(l->ext.file);
	memmove(l, l + 1, (d->nlines - at - 1) * sizeof(*l));
	d->nlines--;
	refresh_fields(d);
	if (strcasecmp(key, "parentFileNameHint") == 0)
		d->parent_hint = NULL;
	return 0;
}

size_t vmdk_desc_extent_count(const struct vmdk_descriptor *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nlines; i++)
		n += d->lines[i].kind == VMDK_LINE_EXTENT;
	return n;
}

const struct vmdk_extent_line *
vmdk_desc_extent(const struct vmdk_descriptor *d, size_t idx)
{
	for (size_t i = 0; i < d->nlines; i++)
		if (d->lines[i].kind == VMDK_LINE_EXTENT && idx-- == 0)
			return &d->lines[i].ext;
	return NULL;
}

void vmdk_desc_free(struct vmdk_descriptor *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nlines; i++) {
		free(d->lines[i].text);
		free(d->lines[i].key);
		free(d->lines[i].value);
		free(d->lines[i].ext.file);
	}
	free(d->lines);
	free(d);
}

static int render_extent(struct vmdk_line *l, const char *indent_from)
{
	const struct vmdk_extent_line *e = &l->ext;
	const char *s = indent_from ? indent_from : "";
	int indent = (int)(skip_space(s) - s);
	char *text;
	int n;

	char offset[32] = "";

	if (e->has_offset)
		snprintf(offset, sizeof(offset), " %llu",
			 (unsigned long long)e->offset);
	if (strcmp(e->kind, "ZERO") == 0)
		n = asprintf(&text, "%.*s%s %llu ZERO", indent, s,
			     vmdk_access_name(e->access),
			     (unsigned long long)e->sectors);
	else
		n = asprintf(&text, "%.*s%s %llu %s \"%s\"%s", indent, s,
			     vmdk_access_name(e->access),
			     (unsigned long long)e->sectors, e->kind, e->file,
			     offset);
	if (n < 0)
		return -ENOMEM;
	free(l->text);
	l->text = text;
	return 0;
}

static struct vmdk_line *extent_line(struct vmdk_descriptor *d, size_t idx)
{
	for (size_t i = 0; i < d->nlines; i++)
		if (d->lines[i].kind == VMDK_LINE_EXTENT && idx-- == 0)
			return &d->lines[i];
	return NULL;
}

static int rerender_extent(struct vmdk_line *l)
{
	char *old = strdup(l->text);
	int err;

	if (!old)
		return -ENOMEM;
	err = render_extent(l, old);
	free(old);
	return err;
}

int vmdk_desc_set_extent_sectors(struct vmdk_descriptor *d, size_t idx,
				 uint64_t sectors)
{
	struct vmdk_line *l = extent_line(d, idx);

	if (!l)
		return -ENOENT;
	l->ext.sectors = sectors;
	return rerender_extent(l);
}

int vmdk_desc_set_extent_file(struct vmdk_descriptor *d, size_t idx,
			      const char *file)
{
	struct vmdk_line *l = extent_line(d, idx);
	char *copy;

	if (!l || !l->ext.file)
		return -ENOENT;
	if (!(copy = strdup(file)))
		return -ENOMEM;
	free(l->ext.file);
	l->ext.file = copy;
	return rerender_extent(l);
}

int vmdk_desc_add_extent(struct vmdk_descriptor *d,
			 const struct vmdk_extent_line *e)
{
	struct vmdk_line *slot, nl = { .kind = VMDK_LINE_EXTENT, .eol = "\n",
				       .ext = *e };

	nl.ext.file = e->file ? strdup(e->file) : NULL;
	if ((e->file && !nl.ext.file) || !(slot = insert_line(d, nl))) {
		free(nl.ext.file);
		return -ENOMEM;
	}
	/* Indented like the extent line before it. */
	return render_extent(slot, slot > d->lines ? slot[-1].text : NULL);
}

uint64_t vmdk_desc_geometry_floor(const struct vmdk_descriptor *d)
{
	const char *key[3] = { "ddb.geometry.cylinders", "ddb.geometry.heads",
			       "ddb.geometry.sectors" };
	uint64_t v[3];

	for (int i = 0; i < 3; i++) {
		const char *s = vmdk_desc_get(d, key[i]);
		char *end;
		if (!s || !*s)
			return 0;
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno || *end || v[i] > UINT32_MAX)
			return 0;
	}
	return v[0] ? (v[0] - 1) * v[1] * v[2] : 0;
}
