/* synth_identities.c - `tern synth --identities` (next slice). */
#include "cli.h"
#include "synth_cli.h"

int synth_cli_identities(const synth_cli_opts *o)
{
    (void)o;
    return cli_fail("--identities: not built yet");
}
