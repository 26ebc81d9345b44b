/* main.c - `tern`, the command-line tool: dispatches to one subcommand per
 * file (cmd_<name>.c). Exit status 0 on success, non-zero with one clear
 * line on stderr on failure. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"version", "print Tern's version", cmd_version},
    {"synth", "generate synthetic fingerprints and identities", cmd_synth},
    {"image", "inspect, convert, compare and generate images", cmd_image},
    {"extract", "extract the minutiae and quality of a finger image", cmd_extract},
    {"template", "convert and dump fingerprint templates (ISO, INCITS, Tern)", cmd_template},
    {"admin", "operate a local node: enroll, identify, watchlists, alerts, audit", cmd_admin},
    {"nist", "dump, validate, convert and extract ANSI/NIST-ITL transactions", cmd_nist},
    {"compare", "compare two fingerprints (images or templates): score and FMR", cmd_compare},
    {"eval", "evaluate the engine: the FVC protocol, DET curves, calibration", cmd_eval},
};

static void usage(FILE *f)
{
    fputs("usage: tern COMMAND [ARGS...]   (tern COMMAND --help for details)\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_fail("unknown command '%s' (try tern --help)", argv[1]);
    return 2;
}
