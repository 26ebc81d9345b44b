/* gallery_internal.h - what gallery.c and gallery_search.c share (private to
 * src/match): the compact prepared finger, the id table and the scratch
 * memory of one search. */
#ifndef TERN_GALLERY_INTERNAL_H
#define TERN_GALLERY_INTERNAL_H

#include <pthread.h>

#include "match_internal.h"
#include "tern/gallery.h"

/* A prepared template in compact form (gallery.c says the layout), in one
 * allocation: the packed bytes follow the struct. */
struct tern_gallery_finger {
    uint64_t key;          /* the template's content hash */
    uint32_t bytes;        /* the whole allocation */
    int32_t ox, oy;        /* origin of the positions, in 1/8 units */
    uint8_t n, n_hull, n_ok;
    float sx, sy;          /* units per pixel */
    uint16_t fc, fr;       /* orientation field grid (0 x 0: none) */
    float fw, fh;          /* its cell size, units */
    uint32_t field_at;     /* byte offset of the field in data */
    uint8_t data[];        /* see gallery.c */
};

typedef struct gallery_entry {
    char id[TERN_GALLERY_ID_MAX];
    tern_gallery_finger *f[TERN_GALLERY_FINGERS];
} gallery_entry;

struct tern_gallery {
    pthread_rwlock_t lock;
    gallery_entry *e;      /* n entries, in no particular order */
    size_t n, cap;
    uint32_t *slot;        /* open addressing: entry index + 1, 0 empty */
    size_t n_slot;         /* a power of two, > 2 n */
    size_t fingers, bytes;
};

/* The entry index of id, or SIZE_MAX; caller holds the lock. */
size_t gallery_find(const tern_gallery *g, const char *id);

/* Scratch for comparisons against gallery fingers: a matcher context and
 * a full prepared template that a finger is restored into. */
typedef struct gallery_scratch {
    tern_match_context *ctx;
    tern_match_template view;
} gallery_scratch;

tern_status gallery_scratch_init(gallery_scratch *s, tern_error *err);
void gallery_scratch_free(gallery_scratch *s);
/* tern_match_compare(probe, finger), the finger restored in s. */
double gallery_compare(gallery_scratch *s, const tern_match_template *probe,
                       const tern_gallery_finger *f);

#endif
