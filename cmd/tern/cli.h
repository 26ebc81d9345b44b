/* cli.h - what the subcommands of `tern` share: the command table entry,
 * failure reporting (one clear line on stderr, non-zero exit) and option
 * parsing helpers. */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stdbool.h>

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
