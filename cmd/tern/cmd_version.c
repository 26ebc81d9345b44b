/* cmd_version.c - `tern version`. */
#include <stdio.h>

#include "cli.h"
#include "tern/version.h"

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && cli_is_help(argv[1])) {
        puts("usage: tern version\n\nPrints the version of Tern and of its fingerprint engine.");
        return 0;
    }
    printf("tern %s\n", tern_version());
    return 0;
}
