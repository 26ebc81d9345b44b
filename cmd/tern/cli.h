/* cli.h - what the subcommands of `tern` share: the command table entry,
 * failure reporting (one clear line on stderr, non-zero exit) and option
 * parsing helpers. */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tern/status.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* Prints "tern: <message>" on stderr and returns 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "tern: <context>: <err->message>" and returns 1. */
int cli_fail_err(const char *context, const tern_error *err);
/* True if s is "-h" or "--help". */
bool cli_is_help(const char *s);
/* Parses a positive number for option `opt`; prints the failure and returns
 * false if s is not one. */
bool cli_parse_double(const char *opt, const char *s, double *out);
bool cli_parse_uint(const char *opt, const char *s, unsigned long *out);

/* A progress bar on stderr, drawn only when stderr is a terminal: "tern
 * <who>: [####    ]  40% 400/1000 <what>, 12.3/s, 49 s left", redrawn at
 * most ten times a second, and at the end (with a newline). total may be
 * changed between drawings. */
typedef struct cli_progress {
    int tty;
    uint64_t total;
    const char *who;    /* the subcommand: "synth", "admin" */
    const char *what;   /* what is counted: "images", "identities" */
    struct timespec t0;
    double shown;       /* seconds after t0 of the last drawing */
} cli_progress;

/* Starts the clock of p and draws it at 0. */
void cli_progress_start(cli_progress *p, const char *who, uint64_t total, const char *what);
/* Draws p at done of p->total. */
void cli_progress_show(cli_progress *p, uint64_t done);

/* Subcommands (one file each: cmd/tern/cmd_<name>.c). */
int cmd_version(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_template(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_nist(int argc, char **argv);

#endif
