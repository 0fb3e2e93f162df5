/* Fuzz target: the readers of source attribute text (OSM other_tags, lengths, years), which
 * see whatever a file holds. Built as a libFuzzer binary with -DJUMEAU_FUZZ=ON (clang), and
 * otherwise linked with replay_main.c so that ctest replays the corpus on every run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first line is the key to look up, the rest the tags string */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *newline = strchr(text, '\n');
    const char *key = "height", *tags = text;
    if (newline) {
        *newline = '\0';
        key = text;
        tags = newline + 1;
    }
    char out[64], tiny[2];
    imp__hstore_get(tags, key, out, sizeof out);
    imp__hstore_get(tags, key, tiny, sizeof tiny);
    double metres;
    int year;
    imp__parse_length(tags, &metres);
    imp__parse_year(tags, &year);
    free(text);
    return 0;
}
