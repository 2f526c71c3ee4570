/* SPDX-License-Identifier: MIT */
/* soap.c --- vSphere SOAP messages: requests built as libxml2 trees (so
 * every name and value is escaped by the library), replies parsed and
 * read with XPath, faults turned into messages. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "remote_int.h"

#define SOAP_ENV "http://schemas.xmlsoap.org/soap/envelope/"
#define VIM_NS "urn:vim25"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
/* The largest reply read: property lists of big inventories fit. */
#define REPLY_MAX (64u << 20)

int soap_begin(struct soap_msg *m, const char *method, const struct vim_ref *self)
{
	xmlNodePtr env, body;
	xmlNsPtr ns;

	m->doc = xmlNewDoc(BAD_CAST "1.0");
	env = xmlNewNode(NULL, BAD_CAST "Envelope");
	ns = xmlNewNs(env, BAD_CAST SOAP_ENV, BAD_CAST "soapenv");
	xmlSetNs(env, ns);
	xmlNewNs(env, BAD_CAST XSI_NS, BAD_CAST "xsi");
	xmlNewNs(env, BAD_CAST XSD_NS, BAD_CAST "xsd");
	xmlDocSetRootElement(m->doc, env);
	body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
	m->call = xmlNewChild(body, NULL, BAD_CAST method, NULL);
	xmlSetNs(m->call, xmlNewNs(m->call, BAD_CAST VIM_NS, NULL));
	soap_add_ref(m->call, "_this", self);
	return 0;
}

xmlNodePtr soap_add(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

xmlNodePtr soap_add_ref(xmlNodePtr parent, const char *name, const struct vim_ref *r)
{
	xmlNodePtr n = soap_add(parent, name, r->value);

	xmlNewProp(n, BAD_CAST "type", BAD_CAST r->type);
	return n;
}

xmlNodePtr soap_add_typed(xmlNodePtr parent, const char *name, const char *type)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
	xmlNsPtr xsi = xmlSearchNsByHref(parent->doc, parent, BAD_CAST XSI_NS);

	xmlNewNsProp(n, xsi, BAD_CAST "type", BAD_CAST type);
	return n;
}

xmlNodePtr soap_add_copy(struct soap_msg *m, xmlNodePtr parent, const char *name,
			 xmlNodePtr node)
{
	xmlNodePtr n = xmlDocCopyNode(node, m->doc, 1);

	if (!n)
		return NULL;
	xmlNodeSetName(n, BAD_CAST name);
	xmlAddChild(parent, n);
	/* Namespaces the copy used from the reply's envelope (xsi:type)
	 * are declared again where needed. */
	xmlReconciliateNs(m->doc, n);
	return n;
}

void soap_reply_free(struct soap_reply *r)
{
	if (r->xp)
		xmlXPathFreeContext(r->xp);
	if (r->doc)
		xmlFreeDoc(r->doc);
	r->xp = NULL;
	r->doc = NULL;
}

xmlNodePtr soap_node(struct soap_reply *r, xmlNodePtr at, const char *xpath)
{
	xmlXPathObjectPtr o;
	xmlNodePtr n = NULL;

	if (!r->xp)
		return NULL;
	o = xmlXPathNodeEval(at ? at : xmlDocGetRootElement(r->doc), BAD_CAST xpath, r->xp);
	if (o && o->type == XPATH_NODESET && o->nodesetval && o->nodesetval->nodeNr > 0)
		n = o->nodesetval->nodeTab[0];
	xmlXPathFreeObject(o);
	return n;
}

char *soap_text(struct soap_reply *r, xmlNodePtr at, const char *xpath)
{
	xmlNodePtr n = soap_node(r, at, xpath);
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *s = t ? strdup((const char *)t) : NULL;

	xmlFree(t);
	return s;
}

int soap_ref(struct soap_reply *r, xmlNodePtr at, const char *xpath, struct vim_ref *out)
{
	xmlNodePtr n = soap_node(r, at, xpath);
	xmlChar *type = n ? xmlGetNoNsProp(n, BAD_CAST "type") : NULL;
	xmlChar *value = n ? xmlNodeGetContent(n) : NULL;
	int ok = type && value && strlen((char *)type) < sizeof(out->type) &&
		 strlen((char *)value) < sizeof(out->value) && value[0];

	if (ok) {
		strcpy(out->type, (char *)type);
		strcpy(out->value, (char *)value);
	}
	xmlFree(type);
	xmlFree(value);
	return ok ? 0 : -1;
}

/* A fault's message: its text, else its type. */
static int fault_message(struct soap_reply *r, const char *method)
{
	xmlNodePtr f = soap_node(r, NULL, "/s:Envelope/s:Body/s:Fault");
	xmlNodePtr d = f ? soap_node(r, f, "detail/*[1]") : NULL;
	char *text = f ? soap_text(r, f, "faultstring") : NULL;
	xmlChar *type = d ? xmlGetNsProp(d, BAD_CAST "type", BAD_CAST XSI_NS) : NULL;
	const char *t = type ? (const char *)type : d ? (const char *)d->name : "";

	snprintf(r->fault, sizeof(r->fault), "%s", t);
	/* "InvalidLoginFault" names the same fault as type "InvalidLogin". */
	if (strlen(r->fault) > 5 && !strcmp(r->fault + strlen(r->fault) - 5, "Fault"))
		r->fault[strlen(r->fault) - 5] = '\0';
	if (!strcmp(r->fault, "InvalidLogin"))
		remote_seterr("the user name or password is not accepted");
	else if (text && text[0])
		remote_seterr("%s: %s", method, text);
	else
		remote_seterr("%s: %s", method, r->fault[0] ? r->fault : "the server failed");
	free(text);
	xmlFree(type);
	return -1;
}

int soap_read_reply(const char *body, size_t n, long status, const char *method,
		    struct soap_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (n > INT_MAX)
		return remote_seterr("%s: the reply is too large", method);
	r->doc = body ? xmlReadMemory(body, (int)n, "reply.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOBLANKS) : NULL;
	if (!r->doc)
		return remote_seterr("%s: the server answered HTTP %ld without a SOAP reply",
				     method, status);
	r->xp = xmlXPathNewContext(r->doc);
	if (!r->xp) {
		soap_reply_free(r);
		return remote_seterr("out of memory");
	}
	xmlXPathRegisterNs(r->xp, BAD_CAST "s", BAD_CAST SOAP_ENV);
	xmlXPathRegisterNs(r->xp, BAD_CAST "v", BAD_CAST VIM_NS);
	xmlXPathRegisterNs(r->xp, BAD_CAST "xsi", BAD_CAST XSI_NS);
	if (soap_node(r, NULL, "/s:Envelope/s:Body/s:Fault")) {
		char fault[sizeof(r->fault)];
		fault_message(r, method);
		memcpy(fault, r->fault, sizeof(fault));
		soap_reply_free(r);
		memcpy(r->fault, fault, sizeof(fault));
		return -1;
	}
	if (status != 200) {
		soap_reply_free(r);
		return remote_seterr("%s: the server answered HTTP %ld", method, status);
	}
	return 0;
}

int soap_call(struct rconn *c, struct soap_msg *m, struct soap_reply *r)
{
	char method[64], action[96];
	struct rbuf in = { .limit = REPLY_MAX };
	struct curl_slist *hdr = NULL;
	xmlChar *out = NULL;
	int len = 0, err = -1;
	long status = 0;
	CURLcode rc;
	char *url;

	memset(r, 0, sizeof(*r));
	snprintf(method, sizeof(method), "%s", (const char *)m->call->name);
	/* VMDK_REMOTE_TRACE=1 names each call, nothing sent with it: a
	 * Login's password, a lease's name that may hold the session's. */
	if (getenv("VMDK_REMOTE_TRACE"))
		fprintf(stderr, "remote: %s\n", method);
	xmlDocDumpMemoryEnc(m->doc, &out, &len, "UTF-8");
	xmlFreeDoc(m->doc);
	m->doc = NULL;
	snprintf(action, sizeof(action), "SOAPAction: %s",
		 c->action[0] ? c->action : "urn:vim25/6.0");
	hdr = curl_slist_append(hdr, "Content-Type: text/xml; charset=utf-8");
	hdr = curl_slist_append(hdr, action);
	if (!out || !hdr || asprintf(&url, "%s/sdk", c->base) < 0) {
		xmlFree(out);
		curl_slist_free_all(hdr);
		return remote_seterr("out of memory");
	}
	curl_easy_setopt(c->soap, CURLOPT_URL, url);
	curl_easy_setopt(c->soap, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c->soap, CURLOPT_POSTFIELDS, (char *)out);
	curl_easy_setopt(c->soap, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c->soap, CURLOPT_WRITEFUNCTION, rbuf_write);
	curl_easy_setopt(c->soap, CURLOPT_WRITEDATA, &in);
	curl_easy_setopt(c->soap, CURLOPT_TIMEOUT, 600L);
	c->curl_err[0] = '\0';
	rc = curl_easy_perform(c->soap);
	curl_easy_setopt(c->soap, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->soap, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hdr);
	free(url);
	/* The request may hold the password: wiped before it is freed. */
	memset(out, 0, (size_t)len);
	xmlFree(out);
	if (rc != CURLE_OK) {
		rconn_fail(c, rc, "cannot reach the server");
		goto out;
	}
	curl_easy_getinfo(c->soap, CURLINFO_RESPONSE_CODE, &status);
	err = soap_read_reply(in.p, in.n, status, method, r);
out:
	if (err < 0 && r->doc)
		soap_reply_free(r);
	rbuf_free(&in);
	return err;
}
