/* SPDX-License-Identifier: MIT */
/* remote_int.h --- the pieces of the remote module: one HTTPS connection
 * to a vSphere endpoint (conn.c), SOAP messages (soap.c), the vSphere
 * calls (vim.c), the OVF an import needs (ovf.c). */
#ifndef VMDK_REMOTE_INT_H
#define VMDK_REMOTE_INT_H

#include <curl/curl.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "remote.h"

#define REMOTE_MSG_MAX 1024

/* A managed object reference: <x type="Folder">group-d1</x>. */
struct vim_ref {
	char type[64];
	char value[192];
};

struct rconn {
	const struct remote_opts *o;
	char *base;		/* https://host:port */
	char *hostport;		/* what replaces '*' in lease URLs */
	CURL *soap;
	CURLSH *share;		/* the session cookie, for every handle */
	char action[64];	/* SOAPAction: urn:vim25/<apiVersion> */
	char pin[65];		/* --thumbprint as bare upper-case hex */
	/* The certificate of the last handshake, to name it in messages. */
	char sha1[64], sha256[104];
	bool cert_seen, pin_mismatch, logged_in;
	char curl_err[CURL_ERROR_SIZE];
	struct vim_ref root, collector, sessions, search, ovf, disks, files;
};

/* dspath.c: @name relative to the directory of @from, both paths in a
 * datastore, "." and ".." taken out; NULL when it would leave the
 * datastore (or is absolute, or empty). */
char *remote_resolve_path(const char *from, const char *name);

/* conn.c */
int remote_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rconn_open(struct rconn *c, const struct remote_opts *o);
void rconn_close(struct rconn *c);
/* A handle set up as every one of this connection is: TLS checks,
 * cookies, timeouts.  NULL (message set) when out of memory. */
CURL *rconn_handle(struct rconn *c);
/* After a failed transfer: the message for @rc, certificate problems
 * named with the server's thumbprints. */
int rconn_fail(struct rconn *c, CURLcode rc, const char *what);
/* https://host:port/folder/PATH?dcPath=DC&dsName=DS (free it). */
char *rconn_folder_url(struct rconn *c, const char *dc, const char *ds,
		       const char *path);
/* The status of a HEAD of @url, or -1. */
long rconn_head(struct rconn *c, const char *url);

/* A growing response body, cut off at @limit bytes. */
struct rbuf {
	char *p;
	size_t n, cap, limit;
};
size_t rbuf_write(char *ptr, size_t size, size_t nmemb, void *arg);
void rbuf_free(struct rbuf *b);

/* soap.c: a request is built as a tree, a reply read with XPath (prefix
 * v: is urn:vim25). */
struct soap_msg {
	xmlDocPtr doc;
	xmlNodePtr call;
};
struct soap_reply {
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
	char fault[96];		/* the fault's type when the call failed */
};
int soap_begin(struct soap_msg *m, const char *method, const struct vim_ref *self);
xmlNodePtr soap_add(xmlNodePtr parent, const char *name, const char *text);
xmlNodePtr soap_add_ref(xmlNodePtr parent, const char *name, const struct vim_ref *r);
xmlNodePtr soap_add_typed(xmlNodePtr parent, const char *name, const char *type);
/* A copy of @node (from a reply) under @parent, renamed @name. */
xmlNodePtr soap_add_copy(struct soap_msg *m, xmlNodePtr parent, const char *name,
			 xmlNodePtr node);
/* Read a reply body of @n bytes that came with HTTP @status: 0 and @r
 * set, or -1 (message set; a fault's type in r->fault). */
int soap_read_reply(const char *body, size_t n, long status, const char *method,
		    struct soap_reply *r);
/* Send @m (always freed).  -1 on a fault (r->fault set, message set) or a
 * failed transfer; r is then empty. */
int soap_call(struct rconn *c, struct soap_msg *m, struct soap_reply *r);
void soap_reply_free(struct soap_reply *r);
xmlNodePtr soap_node(struct soap_reply *r, xmlNodePtr at, const char *xpath);
/* The text of the first match (free it), or NULL. */
char *soap_text(struct soap_reply *r, xmlNodePtr at, const char *xpath);
int soap_ref(struct soap_reply *r, xmlNodePtr at, const char *xpath, struct vim_ref *out);

/* vim.c */
/* Send @m; the reference it returns in *out: 0, 1 (none), -1. */
int vim_call_ref(struct rconn *c, struct soap_msg *m, struct vim_ref *out);
int vim_connect(struct rconn *c);
void vim_logout(struct rconn *c);
/* 0 and *out, 1 when nothing is at @path, -1 on failure. */
int vim_find(struct rconn *c, const char *path, struct vim_ref *out);
/* The child named @name of the folder @in: 0, 1 (none), -1. */
int vim_find_child(struct rconn *c, const struct vim_ref *in, const char *name,
		   struct vim_ref *out);
/* One property of @obj: r holds the reply, *val its <val> node. */
int vim_property(struct rconn *c, const struct vim_ref *obj, const char *prop,
		 struct soap_reply *r, xmlNodePtr *val);
/* Wait for @task to end: 0 on success, -1 with its error as message. */
int vim_wait_task(struct rconn *c, const struct vim_ref *task, const char *what);
/* The call's returned task, waited for. */
int vim_run_task(struct rconn *c, struct soap_msg *m, const char *what);

/* The first entity whose type contains @type_part below @folder, folders
 * walked down a few levels: 0, 1 (none), -1. */
int vim_first_below(struct rconn *c, const struct vim_ref *folder, const char *type_part,
		    unsigned depth, struct vim_ref *out);
/* The entity named @name in @obj's list property @list: 0, 1, -1. */
int vim_named_in(struct rconn *c, const struct vim_ref *obj, const char *list,
		 const char *name, struct vim_ref *out);
/* The datacenter asked for (or the only one, in folders too), its
 * inventory path in *name. */
int vim_datacenter(struct rconn *c, const char *want, struct vim_ref *dc, char **name);

/* ovf.c: the OVF envelope of a VM named @vm_name with the one disk. */
char *ovf_for_disk(vmdk_disk *d, const char *vm_name);

#endif
