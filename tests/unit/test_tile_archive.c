/* Unit tests of tiler/tile_archive (tile_archive_): PMTiles Hilbert tile ids against the
 * spec's examples and as a bijection; archives of a few thousand synthetic tiles (sizes
 * from 0 bytes to 6 KB, shared and repeated contents) written in both formats and read back
 * tile by tile; the PMTiles header, root directory and metadata decoded here independently
 * of the writer; leaf directories once the root outgrows 16 KiB; the MBTiles metadata rows
 * and TMS rows; the lifecycle (close twice, add after close, abort, no overwrite); bad
 * input; and a reader that survives truncated and corrupted archives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

#include "test_locale.h"
#include "tile_archive.h"
#include "tile_math.h"

/* The temporary directory of this run, made by the group setup (tests only). */
static char test_root[] = "/tmp/jumeau-tile-archive-XXXXXX";

/* ---- helpers ---------------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic test data */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Entries of a directory besides . and .. */
static int dir_count(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void make_subdir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", test_root, name);
    assert_int_equal(mkdir(out, 0700), 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    unsigned char *p = malloc((size_t)size + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return p;
}

static void spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[512];
        path_in(p, sizeof p, dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* ---- synthetic tiles ------------------------------------------------------------------ */

/* Content 0 is the empty tile, 1 the "ocean" tile, 2..11 a pool of shared contents, and
 * from 100 on each content is unique. The first 4 bytes hold the content number, so no
 * two contents are equal; every third content is compressible, the others random. */
enum { CONTENT_EMPTY = 0, CONTENT_OCEAN = 1, CONTENT_POOL = 2, POOL_SIZE = 10, CONTENT_UNIQUE = 100 };

struct spec_tile {
    int z;
    long x, y;
    uint32_t content;
};

static size_t content_size(uint32_t c, size_t max)
{
    if (c == CONTENT_EMPTY)
        return 0;
    if (c == CONTENT_OCEAN)
        return 40;
    uint64_t s = 0x9E3779B97F4A7C15ULL * (c + 1);
    return 4 + (size_t)(rng_next(&s) % max);
}

static void content_bytes(uint32_t c, unsigned char *out, size_t n)
{
    uint64_t s = 0xD1B54A32D192ED03ULL * (c + 7);
    for (size_t i = 0; i < n; i++)
        out[i] = c % 3 == 0 ? (unsigned char)((i / 7) * 13 + c) : (unsigned char)rng_next(&s);
    for (size_t i = 0; i < 4 && i < n; i++)
        out[i] = (unsigned char)(c >> (8 * i));
}

static bool has_tile(const struct spec_tile *t, size_t n, int z, long x, long y)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].z == z && t[i].x == x && t[i].y == y)
            return true;
    return false;
}

static void shuffle(struct spec_tile *t, size_t n, uint64_t *s)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(s) % i);
        struct spec_tile tmp = t[i - 1];
        t[i - 1] = t[j];
        t[j] = tmp;
    }
}

#define CITY_TILES 3000

/* About a city: z0..z3 unique (0/0/0 empty), z4 mostly ocean (runs broken by 16 unique
 * tiles), the MBTiles spec's 11/327/791, then random tiles of z8..z14, a quarter of them
 * from the shared pool. Shuffled: the writers must not rely on order. */
static size_t city_tiles(struct spec_tile *t)
{
    size_t n = 0;
    uint32_t next = CONTENT_UNIQUE;
    uint64_t s = 42;
    for (int z = 0; z <= 4; z++)
        for (long x = 0; x < (1L << z); x++)
            for (long y = 0; y < (1L << z); y++) {
                uint32_t c = z < 4 ? next++ : CONTENT_OCEAN;
                if (z == 4 && (x * 16 + y) % 16 == 5)
                    c = next++;
                t[n++] = (struct spec_tile){z, x, y, z == 0 ? CONTENT_EMPTY : c};
            }
    t[n++] = (struct spec_tile){11, 327, 791, next++};
    while (n < CITY_TILES) {
        int z = 8 + (int)(rng_next(&s) % 7);
        long x = (long)(rng_next(&s) % (1UL << z)), y = (long)(rng_next(&s) % (1UL << z));
        if (has_tile(t, n, z, x, y))
            continue;
        uint32_t c = rng_next(&s) % 4 == 0 ? CONTENT_POOL + (uint32_t)(rng_next(&s) % POOL_SIZE) : next++;
        t[n++] = (struct spec_tile){z, x, y, c};
    }
    shuffle(t, n, &s);
    return n;
}

static const struct tile_archive_meta city_meta = {
    .name = "Paris \"centre\"",
    .description = "Buildings\nand roads",
    .attribution = "\xc2\xa9 contributors",
    .minzoom = 0,
    .maxzoom = 14,
    .bounds = {2.2241, 48.8156, 2.4699, 48.9022},
    .center = {2.3522, 48.8566, 12},
    .vector_layers_json = "[{\"id\":\"buildings\",\"fields\":{\"height\":\"Number\"}}]",
};

static void add_tiles(struct tile_archive *a, const struct spec_tile *t, size_t n, size_t max_size)
{
    unsigned char *bytes = malloc(max_size + 8);
    assert_non_null(bytes);
    for (size_t i = 0; i < n; i++) {
        size_t size = content_size(t[i].content, max_size);
        content_bytes(t[i].content, bytes, size);
        struct err e = {0};
        if (tile_archive_add(a, t[i].z, t[i].x, t[i].y, bytes, size, &e) != JM_OK)
            fail_msg("add %d/%ld/%ld: %s", t[i].z, t[i].x, t[i].y, e.msg);
    }
    free(bytes);
}

static void write_archive(const char *path, enum tile_archive_format format, const struct spec_tile *t, size_t n,
                          size_t max_size, const struct tile_archive_meta *meta)
{
    struct tile_archive *a = NULL;
    struct err e = {0};
    if (tile_archive_open(&a, path, format, false, &e) != JM_OK)
        fail_msg("open %s: %s", path, e.msg);
    add_tiles(a, t, n, max_size);
    if (tile_archive_close(a, meta, &e) != JM_OK)
        fail_msg("close %s: %s", path, e.msg);
    tile_archive_abort(a);
}

/* Reads every tile back and compares the bytes. */
static void check_tiles(const char *path, const struct spec_tile *t, size_t n, size_t max_size)
{
    unsigned char *bytes = malloc(max_size + 8);
    assert_non_null(bytes);
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < n; i++) {
        struct err e = {0};
        bool found = false;
        buf_reset(&out);
        if (tile_archive_read(path, t[i].z, t[i].x, t[i].y, &out, &found, &e) != JM_OK)
            fail_msg("read %d/%ld/%ld: %s", t[i].z, t[i].x, t[i].y, e.msg);
        if (!found)
            fail_msg("tile %d/%ld/%ld not found", t[i].z, t[i].x, t[i].y);
        size_t size = content_size(t[i].content, max_size);
        content_bytes(t[i].content, bytes, size);
        assert_int_equal(out.len, size);
        if (size)
            assert_memory_equal(out.data, bytes, size);
    }
    buf_cleanup(&out);
    free(bytes);
}

static void assert_absent(const char *path, int z, long x, long y)
{
    struct buf out;
    buf_init(&out, 0);
    struct err e = {0};
    bool found = true;
    assert_int_equal(tile_archive_read(path, z, x, y, &out, &found, &e), JM_OK);
    assert_false(found);
    assert_int_equal(out.len, 0);
    buf_cleanup(&out);
}

/* ---- an independent PMTiles decoder (spec v3) --------------------------------------------- */

struct pm_header {
    uint64_t root_off, root_len, meta_off, meta_len, leaf_off, leaf_len, data_off, data_len;
    uint64_t addressed, entries, contents;
    int clustered, internal_compression, tile_compression, tile_type, minzoom, maxzoom, center_zoom;
    int32_t min_lon, min_lat, max_lon, max_lat, center_lon, center_lat;
};

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int32_t le32s(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)v;
}

static struct pm_header parse_header(const unsigned char *p, size_t len)
{
    assert_true(len >= 127);
    assert_memory_equal(p, "PMTiles", 7);
    assert_int_equal(p[7], 3);
    struct pm_header h;
    h.root_off = le64(p + 8);
    h.root_len = le64(p + 16);
    h.meta_off = le64(p + 24);
    h.meta_len = le64(p + 32);
    h.leaf_off = le64(p + 40);
    h.leaf_len = le64(p + 48);
    h.data_off = le64(p + 56);
    h.data_len = le64(p + 64);
    h.addressed = le64(p + 72);
    h.entries = le64(p + 80);
    h.contents = le64(p + 88);
    h.clustered = p[96];
    h.internal_compression = p[97];
    h.tile_compression = p[98];
    h.tile_type = p[99];
    h.minzoom = p[100];
    h.maxzoom = p[101];
    h.min_lon = le32s(p + 102);
    h.min_lat = le32s(p + 106);
    h.max_lon = le32s(p + 110);
    h.max_lat = le32s(p + 114);
    h.center_zoom = p[118];
    h.center_lon = le32s(p + 119);
    h.center_lat = le32s(p + 123);
    return h;
}

/* Inflates a gzip member into a new buffer. */
static unsigned char *inflate_all(const unsigned char *p, size_t n, size_t *out_len)
{
    size_t cap = 1 << 20;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 16 + 15), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    inflateEnd(&zs);
    return out;
}

static uint64_t varint(const unsigned char **p, const unsigned char *end)
{
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        assert_true(*p < end && shift < 64);
        unsigned b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

struct dir_entry {
    uint64_t id, offset, length, run;
};

/* Decodes an inflated directory (spec 4.3); returns the number of entries. */
static size_t decode_dir(const unsigned char *d, size_t len, struct dir_entry **out)
{
    const unsigned char *p = d, *end = d + len;
    uint64_t n = varint(&p, end);
    assert_true(n > 0 && n < len);
    struct dir_entry *ent = calloc(n, sizeof *ent);
    assert_non_null(ent);
    uint64_t last = 0;
    for (uint64_t i = 0; i < n; i++)
        ent[i].id = last += varint(&p, end);
    for (uint64_t i = 0; i < n; i++)
        ent[i].run = varint(&p, end);
    for (uint64_t i = 0; i < n; i++)
        ent[i].length = varint(&p, end);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = varint(&p, end);
        ent[i].offset = v == 0 && i > 0 ? ent[i - 1].offset + ent[i - 1].length : v - 1;
    }
    assert_true(p == end);
    *out = ent;
    return (size_t)n;
}

/* What the header must count: tiles, entries after run-length merging, distinct contents. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void expected_counts(const struct spec_tile *t, size_t n, uint64_t *entries, uint64_t *contents)
{
    /* id << 20 | content keeps both in one sortable key (contents stay below 2^20 here) */
    uint64_t *k = malloc(n * sizeof *k), *c = malloc(n * sizeof *c);
    assert_non_null(k);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        k[i] = tile_archive_hilbert_id(t[i].z, t[i].x, t[i].y) << 20 | t[i].content;
        c[i] = t[i].content;
    }
    qsort(k, n, sizeof *k, cmp_u64);
    qsort(c, n, sizeof *c, cmp_u64);
    *entries = 0;
    *contents = 0;
    for (size_t i = 0; i < n; i++) {
        bool run = i > 0 && (k[i] >> 20) == (k[i - 1] >> 20) + 1 && (k[i] & 0xfffff) == (k[i - 1] & 0xfffff);
        *entries += !run;
        *contents += i == 0 || c[i] != c[i - 1];
    }
    free(k);
    free(c);
}

/* ---- Hilbert tile ids --------------------------------------------------------------------- */

static void test_hilbert_spec_examples(void **state)
{
    (void)state;
    assert_int_equal(tile_archive_hilbert_id(0, 0, 0), 0);
    /* z1 in Hilbert order: 0/0, 0/1, 1/1, 1/0 */
    assert_int_equal(tile_archive_hilbert_id(1, 0, 0), 1);
    assert_int_equal(tile_archive_hilbert_id(1, 0, 1), 2);
    assert_int_equal(tile_archive_hilbert_id(1, 1, 1), 3);
    assert_int_equal(tile_archive_hilbert_id(1, 1, 0), 4);
    assert_int_equal(tile_archive_hilbert_id(2, 0, 0), 5);
    assert_int_equal(tile_archive_hilbert_id(12, 3423, 1763), 19078479);

    int z;
    long x, y;
    tile_archive_hilbert_zxy(0, &z, &x, &y);
    assert_true(z == 0 && x == 0 && y == 0);
    tile_archive_hilbert_zxy(1, &z, &x, &y);
    assert_true(z == 1 && x == 0 && y == 0);
    tile_archive_hilbert_zxy(4, &z, &x, &y);
    assert_true(z == 1 && x == 1 && y == 0);
    tile_archive_hilbert_zxy(19078479, &z, &x, &y);
    assert_true(z == 12 && x == 3423 && y == 1763);

    /* outside the range */
    assert_true(tile_archive_hilbert_id(-1, 0, 0) == UINT64_MAX);
    assert_true(tile_archive_hilbert_id(32, 0, 0) == UINT64_MAX);
    assert_true(tile_archive_hilbert_id(1, 2, 0) == UINT64_MAX);
    assert_true(tile_archive_hilbert_id(1, 0, -1) == UINT64_MAX);
    long last = (1L << 31) - 1;
    uint64_t top = tile_archive_hilbert_id(31, last, 0); /* the last id of z31 */
    tile_archive_hilbert_zxy(top, &z, &x, &y);
    assert_true(z == 31 && x == last && y == 0);
    tile_archive_hilbert_zxy(top + 1, &z, &x, &y);
    assert_true(z == -1 && x == -1 && y == -1);
    tile_archive_hilbert_zxy(UINT64_MAX, &z, &x, &y);
    assert_int_equal(z, -1);
}

/* Each zoom maps onto its own consecutive block of ids, one to one, and consecutive ids of
 * one zoom are neighbouring tiles (what makes the curve a Hilbert curve). */
static void test_hilbert_bijection_and_adjacency(void **state)
{
    (void)state;
    uint64_t base = 0;
    for (int z = 0; z <= 7; z++) {
        long n = 1L << z;
        size_t count = (size_t)n * (size_t)n;
        unsigned char *seen = calloc(count, 1);
        assert_non_null(seen);
        for (long x = 0; x < n; x++)
            for (long y = 0; y < n; y++) {
                uint64_t id = tile_archive_hilbert_id(z, x, y);
                assert_true(id >= base && id < base + count);
                assert_false(seen[id - base]);
                seen[id - base] = 1;
            }
        long px = 0, py = 0;
        for (uint64_t id = base; id < base + count; id++) {
            int rz;
            long rx, ry;
            tile_archive_hilbert_zxy(id, &rz, &rx, &ry);
            assert_int_equal(rz, z);
            if (id > base)
                assert_int_equal(labs(rx - px) + labs(ry - py), 1);
            px = rx;
            py = ry;
        }
        free(seen);
        base += count;
    }
}

static void test_hilbert_round_trip_random(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (int i = 0; i < 20000; i++) {
        int z = (int)(rng_next(&s) % 21);
        long x = (long)(rng_next(&s) % (1UL << z)), y = (long)(rng_next(&s) % (1UL << z));
        uint64_t id = tile_archive_hilbert_id(z, x, y);
        int rz;
        long rx, ry;
        tile_archive_hilbert_zxy(id, &rz, &rx, &ry);
        if (rz != z || rx != x || ry != y)
            fail_msg("%d/%ld/%ld -> %llu -> %d/%ld/%ld", z, x, y, (unsigned long long)id, rz, rx, ry);
    }
}

/* ---- PMTiles ------------------------------------------------------------------------------ */

static void test_pmtiles_round_trip_and_header(void **state)
{
    (void)state;
    static struct spec_tile t[CITY_TILES];
    size_t n = city_tiles(t);
    char path[256];
    path_in(path, sizeof path, test_root, "city.pmtiles");
    write_archive(path, TILE_ARCHIVE_PMTILES, t, n, 6000, &city_meta);
    char partial[300];
    snprintf(partial, sizeof partial, "%s.partial", path);
    assert_false(file_exists(partial));
    check_tiles(path, t, n, 6000);
    assert_absent(path, 14, 0, 0);
    assert_absent(path, 5, 1, 1);
    assert_absent(path, 20, 5, 5); /* beyond every tile id */

    size_t len;
    unsigned char *file = slurp(path, &len);
    struct pm_header h = parse_header(file, len);
    uint64_t entries, contents;
    expected_counts(t, n, &entries, &contents);
    assert_int_equal(h.addressed, n);
    assert_int_equal(h.entries, entries);
    assert_int_equal(h.contents, contents);
    assert_true(entries < n - 200);  /* the ocean runs were merged */
    assert_true(contents < n - 300); /* the pool was deduplicated */
    assert_int_equal(h.clustered, 1);
    assert_int_equal(h.internal_compression, 2);
    assert_int_equal(h.tile_compression, 2);
    assert_int_equal(h.tile_type, 1);
    assert_int_equal(h.minzoom, 0);
    assert_int_equal(h.maxzoom, 14);
    assert_int_equal(h.min_lon, 22241000);
    assert_int_equal(h.min_lat, 488156000);
    assert_int_equal(h.max_lon, 24699000);
    assert_int_equal(h.max_lat, 489022000);
    assert_int_equal(h.center_zoom, 12);
    assert_int_equal(h.center_lon, 23522000);
    assert_int_equal(h.center_lat, 488566000);
    /* sections in the spec's order, back to back, the root within the first 16 KiB */
    assert_int_equal(h.root_off, 127);
    assert_true(h.root_off + h.root_len <= 16384);
    assert_int_equal(h.meta_off, h.root_off + h.root_len);
    assert_int_equal(h.leaf_off, h.meta_off + h.meta_len);
    assert_int_equal(h.leaf_len, 0);
    assert_int_equal(h.data_off, h.leaf_off + h.leaf_len);
    assert_int_equal(h.data_off + h.data_len, len);

    /* the root directory: every entry a tile, counts as the header says, clustered data */
    size_t dlen;
    unsigned char *d = inflate_all(file + h.root_off, h.root_len, &dlen);
    struct dir_entry *ent;
    size_t ne = decode_dir(d, dlen, &ent);
    assert_int_equal(ne, entries);
    uint64_t addressed = 0, next = 0;
    for (size_t i = 0; i < ne; i++) {
        assert_true(ent[i].run >= 1);
        assert_true(i == 0 || ent[i].id >= ent[i - 1].id + ent[i - 1].run);
        addressed += ent[i].run;
        assert_true(ent[i].offset <= next); /* contiguous, or back to an earlier blob */
        if (ent[i].offset == next)
            next += ent[i].length;
        /* every tile is a gzip member */
        assert_true(ent[i].offset + ent[i].length <= h.data_len);
        assert_int_equal(file[h.data_off + ent[i].offset], 0x1f);
        assert_int_equal(file[h.data_off + ent[i].offset + 1], 0x8b);
    }
    assert_int_equal(addressed, n);
    assert_int_equal(next, h.data_len);
    assert_int_equal(ent[0].id, 0);
    assert_int_equal(ent[0].offset, 0);
    free(ent);
    free(d);

    /* the metadata JSON */
    unsigned char *m = inflate_all(file + h.meta_off, h.meta_len, &dlen);
    const char *expect = "{\"name\":\"Paris \\\"centre\\\"\",\"description\":\"Buildings\\nand roads\","
                         "\"attribution\":\"\xc2\xa9 contributors\",\"type\":\"overlay\","
                         "\"vector_layers\":[{\"id\":\"buildings\",\"fields\":{\"height\":\"Number\"}}]}";
    assert_int_equal(dlen, strlen(expect));
    assert_memory_equal(m, expect, dlen);
    free(m);
    free(file);
}

#define LEAF_TILES 6000

/* Sparse tiles with distinct sizes make a directory that gzip cannot shrink below 16 KiB:
 * the writer must move the entries to leaf directories. */
static void test_pmtiles_leaf_directories(void **state)
{
    (void)state;
    static struct spec_tile t[LEAF_TILES];
    uint64_t s = 99;
    size_t n = 0;
    while (n < LEAF_TILES) {
        int z = 12 + (int)(rng_next(&s) % 7);
        long x = (long)(rng_next(&s) % (1UL << z)), y = (long)(rng_next(&s) % (1UL << z));
        if (!has_tile(t, n, z, x, y))
            t[n] = (struct spec_tile){z, x, y, CONTENT_UNIQUE + (uint32_t)n}, n++;
    }
    char path[256];
    path_in(path, sizeof path, test_root, "sparse.pmtiles");
    struct tile_archive_meta meta = city_meta;
    meta.minzoom = 12;
    meta.maxzoom = 18;
    write_archive(path, TILE_ARCHIVE_PMTILES, t, n, 700, &meta);

    size_t len;
    unsigned char *file = slurp(path, &len);
    struct pm_header h = parse_header(file, len);
    assert_true(h.leaf_len > 0);
    assert_true(h.root_off + h.root_len <= 16384);
    assert_int_equal(h.addressed, n);
    assert_int_equal(h.entries, n);
    assert_int_equal(h.contents, n);

    /* the root points to leaves only; the leaves hold every tile */
    size_t dlen;
    unsigned char *d = inflate_all(file + h.root_off, h.root_len, &dlen);
    struct dir_entry *root;
    size_t nroot = decode_dir(d, dlen, &root);
    assert_true(nroot >= 2);
    uint64_t tiles = 0;
    for (size_t i = 0; i < nroot; i++) {
        assert_int_equal(root[i].run, 0);
        assert_true(root[i].offset + root[i].length <= h.leaf_len);
        size_t llen;
        unsigned char *leaf = inflate_all(file + h.leaf_off + root[i].offset, root[i].length, &llen);
        struct dir_entry *ent;
        size_t ne = decode_dir(leaf, llen, &ent);
        assert_int_equal(ent[0].id, root[i].id);
        for (size_t k = 0; k < ne; k++)
            tiles += ent[k].run;
        free(ent);
        free(leaf);
    }
    assert_int_equal(tiles, n);
    free(root);
    free(d);
    free(file);

    check_tiles(path, t, n, 700);
    assert_absent(path, 12, 0, 0);
    assert_absent(path, 18, 262143, 262143);
}

/* ---- MBTiles ------------------------------------------------------------------------------ */

static void expect_meta_row(sqlite3 *db, const char *name, const char *value)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM metadata WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (strcmp(got, value) != 0)
        fail_msg("metadata %s = '%s', expected '%s'", name, got, value);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static long long query_int(sqlite3 *db, const char *sql, int z, long x, long y)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int np = sqlite3_bind_parameter_count(st);
    if (np >= 1)
        sqlite3_bind_int(st, 1, z);
    if (np >= 2)
        sqlite3_bind_int64(st, 2, x);
    if (np >= 3)
        sqlite3_bind_int64(st, 3, y);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Run under a comma-decimal LC_NUMERIC when one exists: the bounds must keep their '.'. */
static void test_mbtiles_round_trip_metadata_tms(void **state)
{
    (void)state;
    test_set_comma_locale(); /* best effort: the test runs in "C" otherwise */
    static struct spec_tile t[CITY_TILES];
    size_t n = city_tiles(t);
    char path[256];
    path_in(path, sizeof path, test_root, "city.mbtiles");
    write_archive(path, TILE_ARCHIVE_MBTILES, t, n, 6000, &city_meta);
    check_tiles(path, t, n, 6000);
    assert_absent(path, 14, 0, 0);
    assert_absent(path, 5, 1, 1);

    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    expect_meta_row(db, "name", "Paris \"centre\"");
    expect_meta_row(db, "format", "pbf");
    expect_meta_row(db, "bounds", "2.2241,48.8156,2.4699,48.9022");
    expect_meta_row(db, "center", "2.3522,48.8566,12");
    expect_meta_row(db, "minzoom", "0");
    expect_meta_row(db, "maxzoom", "14");
    expect_meta_row(db, "description", "Buildings\nand roads");
    expect_meta_row(db, "attribution", "\xc2\xa9 contributors");
    expect_meta_row(db, "json", "{\"vector_layers\":[{\"id\":\"buildings\",\"fields\":{\"height\":\"Number\"}}]}");
    assert_int_equal(query_int(db, "PRAGMA application_id", 0, 0, 0), 0x4d504258);
    /* one row per tile, each at its TMS row; the spec's example 11/327/791 -> row 1256 */
    assert_int_equal(query_int(db, "SELECT count(*) FROM tiles", 0, 0, 0), (long long)n);
    assert_int_equal(query_int(db, "SELECT tile_row FROM tiles WHERE zoom_level = 11 AND tile_column = 327", 0, 0, 0),
                     1256);
    for (size_t i = 0; i < n; i++) {
        long tms = (1L << t[i].z) - 1 - t[i].y;
        long long c = query_int(db,
                                "SELECT count(*) FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND "
                                "tile_row = ?3 AND substr(tile_data, 1, 2) = x'1f8b'",
                                t[i].z, t[i].x, tms);
        if (c != 1)
            fail_msg("tile %d/%ld/%ld is not at TMS row %ld", t[i].z, t[i].x, t[i].y, tms);
    }
    assert_int_equal(
        query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'tile_index'", 0, 0, 0), 1);
    sqlite3_close(db);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

static const enum tile_archive_format formats[] = {TILE_ARCHIVE_PMTILES, TILE_ARCHIVE_MBTILES};
static const char *const format_names[] = {"p.pmtiles", "m.mbtiles"};

/* One 32-byte tile whose bytes follow from z/x/y. */
static void one_bytes(int z, long x, long y, unsigned char mvt[32])
{
    content_bytes((uint32_t)(z * 1000 + x * 10 + y + CONTENT_UNIQUE), mvt, 32);
}

static void add_one(struct tile_archive *a, int z, long x, long y)
{
    unsigned char mvt[32];
    one_bytes(z, x, y, mvt);
    struct err e = {0};
    if (tile_archive_add(a, z, x, y, mvt, sizeof mvt, &e) != JM_OK)
        fail_msg("add: %s", e.msg);
}

static void check_one(const char *path, int z, long x, long y)
{
    unsigned char mvt[32];
    one_bytes(z, x, y, mvt);
    struct buf out;
    buf_init(&out, 0);
    bool found = false;
    struct err e = {0};
    if (tile_archive_read(path, z, x, y, &out, &found, &e) != JM_OK)
        fail_msg("read %s: %s", path, e.msg);
    assert_true(found);
    assert_int_equal(out.len, sizeof mvt);
    assert_memory_equal(out.data, mvt, sizeof mvt);
    buf_cleanup(&out);
}

static void test_close_twice_and_add_after_close(void **state)
{
    (void)state;
    char dir[256];
    make_subdir(dir, sizeof dir, "lifecycle");
    for (int f = 0; f < 2; f++) {
        char path[300];
        path_in(path, sizeof path, dir, format_names[f]);
        struct tile_archive *a = NULL;
        struct err e = {0};
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        add_one(a, 3, 1, 2);
        assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_OK);
        assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_EINTERNAL);
        assert_non_null(strstr(e.msg, "closed already"));
        err_clear(&e);
        unsigned char b = 0;
        assert_int_equal(tile_archive_add(a, 3, 1, 1, &b, 1, &e), JM_EINTERNAL);
        assert_non_null(strstr(e.msg, "after the archive was closed"));
        tile_archive_abort(a); /* frees; the finished archive stays */
        assert_true(file_exists(path));
        check_one(path, 3, 1, 2);
        assert_int_equal(dir_count(dir), f + 1);
    }
}

static void test_abort_leaves_no_file(void **state)
{
    (void)state;
    tile_archive_abort(NULL);
    char dir[256];
    make_subdir(dir, sizeof dir, "abort");
    for (int f = 0; f < 2; f++) {
        char path[300], partial[320];
        path_in(path, sizeof path, dir, format_names[f]);
        snprintf(partial, sizeof partial, "%s.partial", path);
        struct tile_archive *a = NULL;
        struct err e = {0};
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        for (long x = 0; x < 16; x++)
            add_one(a, 4, x, 3);
        assert_true(file_exists(partial));
        assert_false(file_exists(path));
        tile_archive_abort(a);
        assert_int_equal(dir_count(dir), 0);

        /* right after open too */
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        tile_archive_abort(a);
        assert_int_equal(dir_count(dir), 0);

        /* a close that fails removes the partial file as well */
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        add_one(a, 4, 1, 1);
        struct tile_archive_meta bad = city_meta;
        bad.minzoom = 5;
        assert_int_equal(tile_archive_close(a, &bad, &e), JM_EINPUT);
        assert_int_equal(dir_count(dir), 0);
        assert_int_equal(tile_archive_add(a, 4, 2, 2, "x", 1, NULL), JM_EINTERNAL);
        tile_archive_abort(a);
        assert_int_equal(dir_count(dir), 0);
    }
}

static void test_refuses_overwrite(void **state)
{
    (void)state;
    char dir[256];
    make_subdir(dir, sizeof dir, "overwrite");
    for (int f = 0; f < 2; f++) {
        char path[300];
        path_in(path, sizeof path, dir, format_names[f]);
        spit(path, "old", 3);
        struct tile_archive *a = (struct tile_archive *)&a;
        struct err e = {0};
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_EEXISTS);
        assert_null(a);
        assert_non_null(strstr(e.msg, path));

        /* replace: the old file stays until a successful close */
        assert_int_equal(tile_archive_open(&a, path, formats[f], true, &e), JM_OK);
        add_one(a, 2, 1, 1);
        tile_archive_abort(a);
        size_t len;
        unsigned char *old = slurp(path, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(old, "old", 3);
        free(old);

        assert_int_equal(tile_archive_open(&a, path, formats[f], true, &e), JM_OK);
        add_one(a, 2, 1, 1);
        assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_OK);
        tile_archive_abort(a);
        check_one(path, 2, 1, 1);

        /* a file that appears at the path while the archive is built is not overwritten */
        unlink(path);
        err_clear(&e);
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        add_one(a, 2, 1, 1);
        spit(path, "new", 3);
        assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_EEXISTS);
        tile_archive_abort(a);
        old = slurp(path, &len);
        assert_memory_equal(old, "new", 3);
        free(old);
        assert_int_equal(dir_count(dir), f + 1);
    }
    /* a directory is never an archive */
    struct tile_archive *a = NULL;
    assert_int_equal(tile_archive_open(&a, dir, TILE_ARCHIVE_PMTILES, true, NULL), JM_EINPUT);
}

/* ---- bad input --------------------------------------------------------------------------- */

static void test_rejects_bad_tiles_and_metadata(void **state)
{
    (void)state;
    char dir[256];
    make_subdir(dir, sizeof dir, "bad");
    struct tile_archive *a = NULL;
    struct err e = {0};
    assert_int_equal(tile_archive_open(&a, "", TILE_ARCHIVE_PMTILES, false, &e), JM_EINPUT);
    assert_int_equal(tile_archive_open(&a, NULL, TILE_ARCHIVE_PMTILES, false, NULL), JM_EINPUT);
    assert_int_equal(tile_archive_open(&a, "/tmp/x.pm", (enum tile_archive_format)7, false, NULL), JM_EINPUT);
    assert_int_equal(tile_archive_open(&a, "/nonexistent-dir/x.pmtiles", TILE_ARCHIVE_PMTILES, false, &e), JM_EENV);
    assert_null(a);

    for (int f = 0; f < 2; f++) {
        char path[300];
        path_in(path, sizeof path, dir, format_names[f]);
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, &e), JM_OK);
        /* outside the grid: refused, the archive stays usable */
        unsigned char b[4] = {1, 2, 3, 4};
        err_clear(&e);
        assert_int_equal(tile_archive_add(a, -1, 0, 0, b, 4, &e), JM_EINPUT);
        assert_non_null(strstr(e.msg, "-1/0/0"));
        assert_int_equal(tile_archive_add(a, 25, 0, 0, b, 4, NULL), JM_EINPUT);
        assert_int_equal(tile_archive_add(a, 3, 8, 0, b, 4, NULL), JM_EINPUT);
        assert_int_equal(tile_archive_add(a, 3, 0, -1, b, 4, NULL), JM_EINPUT);
        assert_int_equal(tile_archive_add(a, 3, 0, 0, b, TILE_ARCHIVE_TILE_MAX + 1, NULL), JM_ELIMIT);
        assert_int_equal(tile_archive_add(a, 3, 0, 0, b, 0, NULL), JM_OK); /* an empty tile is a tile */
        add_one(a, 3, 1, 0);

        /* metadata that cannot be written: each refusal finishes the archive */
        struct tile_archive_meta m = city_meta;
        m.vector_layers_json = "{\"id\":1}";
        err_clear(&e);
        assert_int_equal(tile_archive_close(a, &m, &e), JM_EINPUT);
        assert_non_null(strstr(e.msg, "vector_layers"));
        tile_archive_abort(a);
        assert_int_equal(dir_count(dir), 0);

        struct tile_archive_meta bad[6];
        for (int k = 0; k < 6; k++)
            bad[k] = city_meta;
        bad[0].name = NULL;
        bad[1].minzoom = 15;
        bad[2].maxzoom = 25;
        bad[3].bounds[0] = 3.0; /* west of east */
        bad[4].center[1] = 91;
        bad[5].bounds[2] = NAN;
        for (int k = 0; k < 6; k++) {
            assert_int_equal(tile_archive_open(&a, path, formats[f], false, NULL), JM_OK);
            add_one(a, 3, 1, 0);
            assert_int_equal(tile_archive_close(a, &bad[k], NULL), JM_EINPUT);
            tile_archive_abort(a);
        }
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, NULL), JM_OK);
        add_one(a, 3, 1, 0);
        assert_int_equal(tile_archive_close(a, NULL, NULL), JM_EINPUT);
        tile_archive_abort(a);

        /* no tile at all */
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, NULL), JM_OK);
        err_clear(&e);
        assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_EINPUT);
        assert_non_null(strstr(e.msg, "no tile"));
        tile_archive_abort(a);

        /* the same z/x/y twice: MBTiles refuses the add, PMTiles the close */
        assert_int_equal(tile_archive_open(&a, path, formats[f], false, NULL), JM_OK);
        add_one(a, 7, 10, 20);
        add_one(a, 7, 11, 20);
        err_clear(&e);
        enum jm_status rc = tile_archive_add(a, 7, 10, 20, b, 4, &e);
        if (formats[f] == TILE_ARCHIVE_MBTILES) {
            assert_int_equal(rc, JM_EINPUT);
            assert_int_equal(tile_archive_close(a, &city_meta, NULL), JM_EINTERNAL);
        } else {
            assert_int_equal(rc, JM_OK);
            assert_int_equal(tile_archive_close(a, &city_meta, &e), JM_EINPUT);
        }
        assert_non_null(strstr(e.msg, "7/10/20 was added twice"));
        tile_archive_abort(a);
        assert_int_equal(dir_count(dir), 0);
    }
}

/* ---- the reader ----------------------------------------------------------------------------- */

static void expect_read_fails(const char *path, enum jm_status want)
{
    struct buf out;
    buf_init(&out, 0);
    bool found = true;
    struct err e = {0};
    assert_int_equal(tile_archive_read(path, 0, 0, 0, &out, &found, &e), want);
    assert_false(found);
    assert_true(e.msg[0] != '\0');
    buf_cleanup(&out);
}

static void test_read_errors(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_subdir(dir, sizeof dir, "read");
    path_in(path, sizeof path, dir, "missing.pmtiles");
    expect_read_fails(path, JM_ENOTFOUND);
    path_in(path, sizeof path, dir, "garbage.bin");
    spit(path, "hello, world", 12);
    expect_read_fails(path, JM_EINPUT);
    spit(path, "", 0);
    expect_read_fails(path, JM_EINPUT);

    /* an SQLite database that is not MBTiles */
    path_in(path, sizeof path, dir, "other.sqlite");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (a)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    expect_read_fails(path, JM_EINPUT);

    struct buf out;
    buf_init(&out, 0);
    bool found;
    assert_int_equal(tile_archive_read(path, 3, 8, 0, &out, &found, NULL), JM_EINPUT); /* outside the grid */

    /* a tile larger than the caller's buffer cap, in both formats */
    struct spec_tile big = {5, 3, 4, CONTENT_UNIQUE};
    while (content_size(big.content, 6000) < 1000)
        big.content++;
    for (int f = 0; f < 2; f++) {
        path_in(path, sizeof path, dir, format_names[f]);
        write_archive(path, formats[f], &big, 1, 6000, &city_meta);
        struct buf small;
        buf_init(&small, 100);
        struct err e = {0};
        assert_int_equal(tile_archive_read(path, big.z, big.x, big.y, &small, &found, &e), JM_ELIMIT);
        assert_false(found);
        assert_int_equal(small.len, 0);
        buf_cleanup(&small);
        check_tiles(path, &big, 1, 6000);
    }
    buf_cleanup(&out);
}

/* Every prefix of a small archive, and single flipped bytes in its header and directory:
 * the reader answers with a status, never a crash (ASan/UBSan watch). */
static void test_read_survives_truncation_and_corruption(void **state)
{
    (void)state;
    char dir[256], src[300], path[300];
    make_subdir(dir, sizeof dir, "corrupt");
    path_in(src, sizeof src, dir, "small.pmtiles");
    struct spec_tile t[40];
    size_t n = 0;
    for (long x = 0; x < 8; x++)
        for (long y = 0; y < 5; y++)
            t[n] = (struct spec_tile){3, x, y, x < 4 ? CONTENT_OCEAN : CONTENT_UNIQUE + (uint32_t)n}, n++;
    struct tile_archive_meta meta = city_meta;
    meta.minzoom = 3;
    meta.maxzoom = 3;
    write_archive(src, TILE_ARCHIVE_PMTILES, t, n, 300, &meta);
    size_t len;
    unsigned char *file = slurp(src, &len);
    struct pm_header h = parse_header(file, len);
    path_in(path, sizeof path, dir, "broken.pmtiles");
    struct buf out;
    buf_init(&out, 0);
    bool found;
    for (size_t cut = 0; cut < len; cut += cut < h.data_off + 64 ? 1 : 97) {
        spit(path, file, cut);
        for (size_t i = 0; i < n; i += 7) {
            buf_reset(&out);
            enum jm_status rc = tile_archive_read(path, t[i].z, t[i].x, t[i].y, &out, &found, NULL);
            assert_true(rc == JM_OK || rc == JM_EINPUT);
        }
    }
    uint64_t s = 5;
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, file, len);
        size_t at = (size_t)(rng_next(&s) % (h.data_off + 8));
        copy[at] ^= (unsigned char)(1 + rng_next(&s) % 255);
        spit(path, copy, len);
        const struct spec_tile *q = &t[rng_next(&s) % n];
        buf_reset(&out);
        enum jm_status rc = tile_archive_read(path, q->z, q->x, q->y, &out, &found, NULL);
        assert_true(rc == JM_OK || rc == JM_EINPUT || rc == JM_ELIMIT);
    }
    free(copy);
    buf_cleanup(&out);
    free(file);
}

/* ---- main ---------------------------------------------------------------------------------- */

static int make_root(void **state)
{
    (void)state;
    return mkdtemp(test_root) ? 0 : -1;
}

static int remove_root(void **state)
{
    (void)state;
    remove_tree(test_root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hilbert_spec_examples),
        cmocka_unit_test(test_hilbert_bijection_and_adjacency),
        cmocka_unit_test(test_hilbert_round_trip_random),
        cmocka_unit_test(test_pmtiles_round_trip_and_header),
        cmocka_unit_test(test_pmtiles_leaf_directories),
        cmocka_unit_test_teardown(test_mbtiles_round_trip_metadata_tms, test_restore_c_locale),
        cmocka_unit_test(test_close_twice_and_add_after_close),
        cmocka_unit_test(test_abort_leaves_no_file),
        cmocka_unit_test(test_refuses_overwrite),
        cmocka_unit_test(test_rejects_bad_tiles_and_metadata),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_read_survives_truncation_and_corruption),
    };
    return cmocka_run_group_tests(tests, make_root, remove_root);
}
