/* SPDX-License-Identifier: MIT */
/* fuzz_descriptor.c --- libFuzzer harness for the descriptor parser: no
 * crash, and whatever parses writes back byte for byte and still parses
 * after an edit. */
#include <stdlib.h>
#include <string.h>

#include "vmdk_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_errbuf eb;
	struct vmdk_descriptor *d, *again;
	size_t len;
	char *out;

	if (vmdk_desc_parse((const char *)data, size, &d, &eb) < 0)
		return 0;
	out = vmdk_desc_serialize(d, &len);
	if (!out || len != size || memcmp(out, data, size) != 0)
		abort();	/* round trip must be exact */
	free(out);
	if (vmdk_desc_set(d, "CID", "0badcafe") == 0 &&
	    vmdk_desc_set(d, "ddb.fuzz", "value") == 0) {
		out = vmdk_desc_serialize(d, &len);
		if (!out || vmdk_desc_parse(out, len, &again, &eb) < 0)
			abort();	/* an edit must not break the text */
		if (again->cid != 0x0badcafe ||
		    strcmp(vmdk_desc_get(again, "ddb.fuzz"), "value") != 0)
			abort();
		vmdk_desc_free(again);
		free(out);
	}
	vmdk_desc_free(d);
	return 0;
}
