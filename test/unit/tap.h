/*-------------------------------------------------------------------------
 *
 * tap.h
 *	  The few TAP helpers the C unit tests share: ok() prints one test line,
 *	  tap_done() the plan, and gives the program's exit status.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_UNIT_TAP_H
#define FLOWPG_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int	tests_run = 0;
static int	tests_failed = 0;

static void ok(bool cond, const char *fmt,...) pg_attribute_printf(2, 3);

/* Print one TAP line: "ok N - ..." or "not ok N - ...". */
static void
ok(bool cond, const char *fmt,...)
{
	va_list		args;

	tests_run++;
	if (!cond)
		tests_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tests_run);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
}

/* Print the plan (after the tests, as TAP allows); the exit status for main(). */
static int
tap_done(void)
{
	printf("1..%d\n", tests_run);
	return tests_failed == 0 ? 0 : 1;
}

#endif							/* FLOWPG_UNIT_TAP_H */
