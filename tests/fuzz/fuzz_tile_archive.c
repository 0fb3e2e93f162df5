/* Fuzz target: the tile archive reader (MBTiles and PMTiles), which opens files that come
 * from elsewhere. The input is written to a file and tiles are read from it; the reader must
 * only ever answer with a status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tile_archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/jumeau-fuzz-archive-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    static const int tiles[][3] = {{0, 0, 0}, {1, 1, 0}, {13, 4288, 2876}, {15, 17250, 11506}};
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++) {
        struct buf out;
        buf_init(&out, 1 << 24);
        struct err e;
        err_clear(&e);
        bool found = false;
        tile_archive_read(path, tiles[i][0], tiles[i][1], tiles[i][2], &out, &found, &e);
        buf_cleanup(&out);
    }
    unlink(path);
    return 0;
}
