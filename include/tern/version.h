/* tern/version.h - the library's version. */
#ifndef TERN_VERSION_H
#define TERN_VERSION_H

#define TERN_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0"; static storage. */
const char *tern_version(void);

#endif
