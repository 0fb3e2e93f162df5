/* sha256: FIPS 180-4 SHA-256, for source-file checksums and API key hashes.
 * Streaming: init, update any number of times, final. No state outside the context. */
#ifndef JUMEAU_SHA256_H
#define JUMEAU_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void sha256_final_hex(struct sha256 *s, char hex[65]);

/* The digest of a whole file; JM_EINPUT (naming the file) when it cannot be read. */
enum jm_status sha256_file_hex(const char *path, char hex[65], struct err *e);

#endif
