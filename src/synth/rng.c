/* rng.c - Tern's deterministic random numbers for synthesis: xoshiro256**
 * (D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators",
 * ACM TOMS 2021) seeded through splitmix64 (Steele, Lea, Flood, OOPSLA 2014).
 * Own code, no rand(): the same seed gives the same prints on every machine,
 * and the normal deviate uses only +, *, log, sqrt, cos (no FMA contraction,
 * see docs/build.md), so outputs are byte-identical across runs. */
#include <math.h>

#include "tern/synth.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void tern_synth_rng_seed(tern_synth_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]))
        rng->s[0] = 1; /* the all-zero state is the one xoshiro cannot leave */
}

uint64_t tern_synth_rng_u64(tern_synth_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double tern_synth_rng_uniform(tern_synth_rng *rng)
{
    return (double)(tern_synth_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double tern_synth_rng_range(tern_synth_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * tern_synth_rng_uniform(rng);
}

double tern_synth_rng_normal(tern_synth_rng *rng)
{
    double u = 1.0 - tern_synth_rng_uniform(rng); /* (0, 1]: log is finite */
    double v = tern_synth_rng_uniform(rng);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

uint32_t tern_synth_rng_below(tern_synth_rng *rng, uint32_t n)
{
    /* Lemire's multiply-shift; the bias (< n / 2^32) is irrelevant here. */
    return (uint32_t)(((tern_synth_rng_u64(rng) >> 32) * (uint64_t)n) >> 32);
}

uint64_t tern_synth_seed_mix(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (a * 0xd6e8feb86659fd93ull);
    h = splitmix64(&x);
    x = h ^ (b * 0xa0761d6478bd642full);
    return splitmix64(&x);
}
