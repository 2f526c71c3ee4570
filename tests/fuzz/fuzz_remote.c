/* SPDX-License-Identifier: MIT */
/* fuzz_remote.c --- libFuzzer harness for what the remote clone reads
 * from the user and the server: datastore paths, parent hints resolved
 * inside a datastore (the answer never leaves it), thumbprints, and SOAP
 * replies read the ways the vSphere calls read them (faults, references,
 * texts, lists). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No ".", "..", empty part or leading slash in a resolved path. */
static void check_inside(const char *p)
{
	if (!p)
		return;
	if (p[0] == '/' || !p[0])
		abort();
	for (const char *s = p; *s; ) {
		size_t len = strcspn(s, "/");
		if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && !strncmp(s, "..", 2)))
			abort();
		s += len + (s[len] == '/');
	}
}

static void paths(const char *text)
{
	const char *nl = strchr(text, '\n');
	char *ds, *path, *from = nl ? strndup(text, (size_t)(nl - text)) : strdup(text);

	if (!from)
		return;
	if (remote_parse_datastore_path(from, &ds, &path) == 0) {
		check_inside(path);
		if (!ds[0] || strchr(ds, ']'))
			abort();
		if (nl) {
			char *p = remote_resolve_path(path, nl + 1);
			check_inside(p);
			free(p);
		}
		free(ds);
		free(path);
	}
	free(remote_resolve_path(from, nl ? nl + 1 : "x.vmdk"));
	remote_thumbprint_valid(from);
	free(from);
}

static void walk_list(struct soap_reply *r, const char *xpath)
{
	xmlNodePtr val = soap_node(r, NULL, xpath);

	for (xmlNodePtr n = val ? val->children : NULL; n; n = n->next) {
		xmlChar *type = xmlGetNoNsProp(n, BAD_CAST "type");
		char *key = soap_text(r, n, "v:importKey");
		struct vim_ref ref;
		xmlFree(type);
		free(key);
		free(soap_text(r, n, "v:backing/v:fileName"));
		soap_ref(r, n, ".", &ref);
	}
}

static void reply(const char *body, size_t n)
{
	struct soap_reply r;
	struct vim_ref ref;

	if (soap_read_reply(body, n, 200, "Fuzz", &r) < 0)
		return;
	soap_ref(&r, NULL, "//v:RetrieveServiceContentResponse/v:returnval/v:rootFolder", &ref);
	soap_ref(&r, NULL, "//s:Body/*/v:returnval", &ref);
	free(soap_text(&r, NULL, "//v:about/v:apiVersion"));
	free(soap_text(&r, NULL, "//v:returnval/v:propSet/v:val/v:state"));
	free(soap_text(&r, NULL, "//v:error/v:localizedMessage"));
	walk_list(&r, "//v:RetrievePropertiesResponse/v:returnval/v:propSet/v:val");
	soap_reply_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		reply(text, size - 1);
	else
		paths(text);
	free(text);
	return 0;
}
