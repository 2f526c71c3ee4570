/* SPDX-License-Identifier: MIT */
/* progress.c --- the progress bar of long operations (on a terminal, or
 * forced; quiet with -q and in pipes) and the signals that stop them */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

volatile int tool_interrupted;

static void on_signal(int sig)
{
	tool_interrupted = sig;
}

void tool_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tool_progress_init(struct tool_progress *p, const char *label, bool force)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->enabled = verbosity > 0 && (force || isatty(STDERR_FILENO));
	p->start = p->last = now();
}

/* Columns of the terminal on stderr (80 when it does not say). */
static int columns(void)
{
	struct winsize ws;

	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

int tool_progress_cb(void *arg, uint64_t done, uint64_t total)
{
	struct tool_progress *p = arg;
	uint64_t unit = p->unit ? p->unit : 512;
	char a[32], b[32], r[32], line[5][160];
	double t, rate, eta;
	int width, pct;

	if (tool_interrupted)
		return 1;
	if (!p->enabled)
		return 0;
	t = now();
	if (t - p->last < 0.16 && done < total)
		return 0;
	p->last = t;
	rate = t > p->start ? (double)done * (double)unit / (t - p->start) : 0;
	eta = rate > 0 ? (double)(total - done) * (double)unit / rate : 0;
	pct = total ? (int)(done * 100 / total) : 100;
	tool_human(done * unit, a, sizeof(a));
	tool_human(total * unit, b, sizeof(b));
	tool_human((uint64_t)rate, r, sizeof(r));
	/* The longest form that fits the terminal, never a wrapped line. */
	snprintf(line[0], sizeof(line[0]), "%s: %3d%%  %s of %s  %s/s  ETA %d:%02d",
		 p->label, pct, a, b, r, (int)eta / 60, (int)eta % 60);
	snprintf(line[1], sizeof(line[1]), "%s: %3d%%  %s of %s  ETA %d:%02d",
		 p->label, pct, a, b, (int)eta / 60, (int)eta % 60);
	snprintf(line[2], sizeof(line[2]), "%s: %3d%%  %s of %s", p->label, pct, a, b);
	snprintf(line[3], sizeof(line[3]), "%s: %3d%%", p->label, pct);
	snprintf(line[4], sizeof(line[4]), "%3d%%", pct);
	width = columns() - 1;
	for (int i = 0; i < 5; i++)
		if ((int)strlen(line[i]) <= width || i == 4) {
			fprintf(stderr, "\r%.*s\033[K", width > 0 ? width : 4, line[i]);
			break;
		}
	p->drawn = true;
	return 0;
}

void tool_progress_end(struct tool_progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = false;
}
