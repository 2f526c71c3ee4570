/* SPDX-License-Identifier: MIT */
/* size.c --- the one size syntax of every tool: a count of sectors, or a
 * number (decimals allowed) with a binary unit, rounded up to whole
 * sectors as vmware-vdiskmanager rounds; bytes with B must fill whole
 * sectors.  Errors say what is wrong and what is allowed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const struct {
	const char *suffix;
	unsigned shift;
} units[] = {
	{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
	{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
	{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
	{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
};

/* The digits (with one '.' when @decimal) at @s; the end, or NULL. */
static const char *number_end(const char *s, bool decimal)
{
	bool dot = false, digit = false;

	for (; (*s >= '0' && *s <= '9') || (*s == '.' && decimal && !dot); s++) {
		if (*s == '.')
			dot = true;
		else
			digit = true;
	}
	return digit ? s : NULL;
}

static const char *sectors_of(const char *num, const char *unit,
			      bool zero_ok, uint64_t *sectors)
{
	const char *end = number_end(num, true);
	double v = strtod(num, NULL), bytes;

	if (!*unit || strcasecmp(unit, "s") == 0) {
		if (end != unit || number_end(num, false) != unit)
			return "sectors are a whole number";
		bytes = v * 512;
	} else if (strcasecmp(unit, "b") == 0) {
		if (number_end(num, false) != unit)
			return "bytes are a whole number";
		if (strtoull(num, NULL, 10) % 512)
			return "a byte count must fill whole 512-byte sectors";
		bytes = v;
	} else {
		size_t i = 0;
		while (i < sizeof(units) / sizeof(*units) &&
		       strcasecmp(unit, units[i].suffix) != 0)
			i++;
		if (i == sizeof(units) / sizeof(*units)) {
			static char why[96];
			snprintf(why, sizeof(why), "unknown unit '%.16s' (none or S for "
				 "sectors, B, K, M, G, T)", unit);
			return why;
		}
		bytes = ldexp(v, (int)units[i].shift);
	}
	if (bytes <= 0 && !zero_ok)
		return "a size is at least 1 sector";
	if (bytes > (double)TOOL_MAX_SECTORS * 512)
		return "above 64 TiB, the largest disk there is";
	*sectors = (uint64_t)ceil(bytes / 512);
	if (*sectors > TOOL_MAX_SECTORS)
		return "above 64 TiB, the largest disk there is";
	return NULL;
}

const char *tool_size_parse(const char *s, bool relative_ok, uint64_t *sectors,
			    bool *relative)
{
	const char *end;

	*relative = false;
	if (!s || !*s)
		return "no size given";
	if (*s == '-')
		return "a size cannot be negative";
	if (*s == '+') {
		if (!relative_ok)
			return "a size here is absolute (no '+')";
		*relative = true;
		s++;
	}
	end = number_end(s, true);
	if (!end)
		return "not a number (N sectors, or N[.N] with K, M, G or T)";
	return sectors_of(s, end, *relative, sectors);
}

int tool_size_arg(const char *s, uint64_t *sectors)
{
	bool relative;
	const char *why = tool_size_parse(s, false, sectors, &relative);

	if (why)
		tool_try_help("invalid size '%s': %s", s, why);
	return 0;
}
