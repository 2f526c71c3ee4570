/* SPDX-License-Identifier: MIT */
/* crc32c.c --- CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as
 * VHDX checksums its headers, region tables and log entries.  None of
 * the project's libraries offers this polynomial (zlib and libdeflate
 * have CRC-32 only), so it is computed here, a byte at a time. */
#include <pthread.h>

#include "image.h"

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		table[i] = c;
	}
}

uint32_t vmdk_crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	pthread_once(&table_once, make_table);
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
