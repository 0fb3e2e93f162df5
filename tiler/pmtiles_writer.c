/* pmtiles_writer: the tile_archive front (open/add/close/abort/read for both formats: the
 * partial file, the rename into place, metadata checks, gzip) and the PMTiles v3 writer
 * and reader. mbtiles_writer.c supplies the MBTiles side (tile_archive__mbtiles_*).
 *
 * PMTiles layout written (spec v3): 127-byte header, root directory, metadata JSON, leaf
 * directories, tile data, all little-endian; directories and metadata gzip-compressed;
 * tiles gzip-compressed, deduplicated, and clustered (in tile id order). */
#define ZLIB_CONST
#include "tile_archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sha256.h"
#include "tile_math.h"

/* The root directory must end within the first 16 KiB, after the header. */
#define PM_ROOT_MAX (TILE_ARCHIVE_PMTILES_ROOT_BUDGET - TILE_ARCHIVE_PMTILES_HEADER_LEN)
/* Entries per leaf directory on the first attempt; doubled until the root fits. */
#define PM_LEAF_FIRST 4096
/* Reader caps: one directory (compressed and inflated), one stored tile, leaf nesting. */
#define PM_READ_DIR_MAX ((size_t)64 << 20)
#define PM_READ_TILE_MAX ((size_t)256 << 20)
#define PM_READ_DEPTH_MAX 4

enum pm_compression { PM_COMPRESSION_NONE = 1, PM_COMPRESSION_GZIP = 2 };
enum { PM_TILE_TYPE_MVT = 1 };

/* One added tile: its Hilbert id and which distinct content it shows. */
struct pm_tile {
    uint64_t id;
    uint32_t content;
};

/* One distinct tile content, stored once in the temporary data file. */
struct pm_content {
    unsigned char sha[32]; /* SHA-256 of the uncompressed MVT */
    uint64_t tmp_offset;   /* in the temporary data file */
    uint64_t out_offset;   /* in the tile data section; UINT64_MAX until placed */
    uint32_t length;       /* compressed */
};

/* A directory entry as the spec defines it; run 0 points to a leaf directory. */
struct pm_entry {
    uint64_t id, offset;
    uint32_t length, run;
};

enum archive_state { ARCHIVE_OPEN, ARCHIVE_CLOSED, ARCHIVE_FAILED };

struct tile_archive {
    enum tile_archive_format format;
    enum archive_state state;
    bool replace;
    bool finished; /* renamed into place: abort must not remove anything */
    char *path, *partial;
    uint64_t n_added;
    int minz_added, maxz_added;
    struct buf scratch; /* one compressed tile */
    z_stream zs;        /* reused deflate state (deflateReset per tile) */
    bool zs_ready;
    /* PMTiles */
    FILE *out;  /* path.partial */
    FILE *data; /* anonymous temporary file: distinct compressed tiles in arrival order */
    uint64_t data_len;
    struct pm_tile *tiles;
    size_t n_tiles, cap_tiles;
    struct pm_content *contents;
    size_t n_contents, cap_contents;
    uint32_t *slots; /* open-addressing set of content index + 1, keyed by SHA-256 */
    size_t n_slots;  /* a power of two, at least twice n_contents; 0 before the first */
    /* MBTiles */
    struct tile_archive__mbtiles *mb;
};

/* ---- small helpers ----------------------------------------------------------------- */

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int32_t e7(double degrees)
{
    return (int32_t)llround(degrees * 1e7);
}

static bool put_varint(struct buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    return buf_append(b, tmp, n);
}

/* Reads one varint; false when it runs past `end` or does not fit 64 bits. */
static bool get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        unsigned b = *(*p)++;
        if (shift == 63 && b > 1)
            return false;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

static bool skip_varints(const unsigned char **p, const unsigned char *end, uint64_t n)
{
    uint64_t v;
    for (uint64_t i = 0; i < n; i++)
        if (!get_varint(p, end, &v))
            return false;
    return true;
}

static void sha256_bytes(const void *data, size_t n, unsigned char out[32])
{
    struct sha256 s;
    char hex[65];
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final_hex(&s, hex);
    for (int i = 0; i < 32; i++) {
        int hi = hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10;
        int lo = hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
}

/* Reads exactly n bytes at off: 0, or -1 with errno set (EIO standing for end of file). */
static int pread_full(int fd, void *p, size_t n, uint64_t off)
{
    char *c = p;
    while (n > 0) {
        if (off > (uint64_t)INT64_MAX) {
            errno = EOVERFLOW;
            return -1;
        }
        ssize_t got = pread(fd, c, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO;
            return -1;
        }
        c += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

void tile_archive__format_degrees(double v, char out[24])
{
    long long q = llround(v * 1e7);
    unsigned long long m = q < 0 ? 0ULL - (unsigned long long)q : (unsigned long long)q;
    unsigned long long ip = m / 10000000ULL, fp = m % 10000000ULL;
    int n = snprintf(out, 24, "%s%llu", q < 0 ? "-" : "", ip);
    if (fp && n > 0 && n < 14) {
        snprintf(out + n, (size_t)(24 - n), ".%07llu", fp);
        size_t len = strlen(out);
        while (out[len - 1] == '0')
            out[--len] = '\0';
    }
}

/* ---- gzip -------------------------------------------------------------------------- */

/* Compresses with an initialised gzip deflate stream, appending to out. */
static enum jm_status deflate_into(z_stream *zs, const void *in, size_t n, struct buf *out, struct err *e)
{
    uLong bound = deflateBound(zs, (uLong)n);
    if (n > UINT_MAX || bound > UINT_MAX)
        return err_set(e, JM_ELIMIT, "gzip: %zu bytes are too many to compress at once", n);
    char *dst = buf_reserve(out, bound);
    if (!dst)
        return err_set(e, JM_ELIMIT, "gzip: %zu compressed bytes do not fit the buffer", (size_t)bound);
    zs->next_in = in;
    zs->avail_in = (uInt)n;
    zs->next_out = (Bytef *)dst;
    zs->avail_out = (uInt)bound;
    int zr = deflate(zs, Z_FINISH);
    if (zr != Z_STREAM_END)
        return err_set(e, JM_EINTERNAL, "gzip: deflate failed (%d)", zr);
    buf_commit(out, (size_t)(bound - zs->avail_out));
    return JM_OK;
}

static bool gzip_stream_init(z_stream *zs)
{
    memset(zs, 0, sizeof *zs);
    return deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

enum jm_status tile_archive__gzip(const void *in, size_t n, struct buf *out, struct err *e)
{
    z_stream zs;
    if (!gzip_stream_init(&zs))
        return err_set(e, JM_EINTERNAL, "gzip: cannot initialise zlib");
    enum jm_status rc = deflate_into(&zs, in, n, out, e);
    deflateEnd(&zs);
    return rc;
}

enum jm_status tile_archive__gunzip(const void *in, size_t n, struct buf *out, const char *what, struct err *e)
{
    if (n > UINT_MAX)
        return err_set(e, JM_ELIMIT, "%s: %zu compressed bytes are too many", what, n);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return err_set(e, JM_EINTERNAL, "%s: cannot initialise zlib", what);
    enum jm_status rc = JM_OK;
    size_t start = out->len;
    zs.next_in = in;
    zs.avail_in = (uInt)n;
    for (;;) {
        size_t chunk = n < 16384 ? 65536 : (n < ((size_t)1 << 24) ? 4 * n : ((size_t)1 << 26));
        if (out->cap - out->len < chunk)
            chunk = out->cap - out->len;
        char *dst = chunk ? buf_reserve(out, chunk) : NULL;
        if (!dst) {
            rc = err_set(e, JM_ELIMIT, "%s: the inflated data exceed %zu bytes", what, out->cap - start);
            break;
        }
        zs.next_out = (Bytef *)dst;
        zs.avail_out = (uInt)chunk;
        int zr = inflate(&zs, Z_NO_FLUSH);
        buf_commit(out, chunk - zs.avail_out);
        if (zr == Z_STREAM_END)
            break;
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs.avail_in == 0)
            rc = err_set(e, JM_EINPUT, "%s: the gzip data are truncated", what);
        else if (zr == Z_MEM_ERROR)
            rc = err_set(e, JM_EINTERNAL, "%s: out of memory inflating", what);
        else
            rc = err_set(e, JM_EINPUT, "%s: corrupt gzip data (%s)", what, zs.msg ? zs.msg : "unknown error");
        break;
    }
    inflateEnd(&zs);
    if (rc != JM_OK && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

/* ---- Hilbert tile ids ------------------------------------------------------------------ */

uint64_t tile_archive_hilbert_id(int z, long x, long y)
{
    if (z < 0 || z > TILE_ARCHIVE_HILBERT_MAX_ZOOM || x < 0 || y < 0)
        return UINT64_MAX;
    uint64_t n = (uint64_t)1 << z;
    uint64_t tx = (uint64_t)x, ty = (uint64_t)y;
    if (tx >= n || ty >= n)
        return UINT64_MAX;
    /* ids of all lower zooms: 1 + 4 + ... + 4^(z-1) */
    uint64_t base = (((uint64_t)1 << (2 * z)) - 1) / 3;
    uint64_t d = 0;
    for (uint64_t s = n / 2; s > 0; s /= 2) {
        uint64_t rx = (tx & s) ? 1 : 0, ry = (ty & s) ? 1 : 0;
        d += s * s * ((3 * rx) ^ ry);
        /* turn the quadrant so that the curve inside it starts and ends where it should */
        if (ry == 0) {
            if (rx == 1) {
                tx = n - 1 - tx;
                ty = n - 1 - ty;
            }
            uint64_t t = tx;
            tx = ty;
            ty = t;
        }
    }
    return base + d;
}

void tile_archive_hilbert_zxy(uint64_t id, int *z, long *x, long *y)
{
    uint64_t acc = 0;
    for (int level = 0; level <= TILE_ARCHIVE_HILBERT_MAX_ZOOM; level++) {
        uint64_t count = (uint64_t)1 << (2 * level);
        if (id - acc < count) {
            uint64_t t = id - acc, tx = 0, ty = 0, n = (uint64_t)1 << level;
            for (uint64_t s = 1; s < n; s *= 2) {
                uint64_t rx = 1 & (t / 2), ry = 1 & (t ^ rx);
                if (ry == 0) {
                    if (rx == 1) {
                        tx = s - 1 - tx;
                        ty = s - 1 - ty;
                    }
                    uint64_t tmp = tx;
                    tx = ty;
                    ty = tmp;
                }
                tx += s * rx;
                ty += s * ry;
                t /= 4;
            }
            *z = level;
            *x = (long)tx;
            *y = (long)ty;
            return;
        }
        acc += count;
    }
    *z = -1;
    *x = *y = -1;
}

/* ---- metadata ------------------------------------------------------------------------ */

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool lonlat_ok(double lon, double lat)
{
    return isfinite(lon) && isfinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}

static enum jm_status meta_check(const char *path, const struct tile_archive_meta *m, struct err *e)
{
    if (!m)
        return err_set(e, JM_EINPUT, "%s: no metadata given", path);
    if (!m->name)
        return err_set(e, JM_EINPUT, "%s: the metadata have no name", path);
    if (m->minzoom < 0 || m->minzoom > m->maxzoom || m->maxzoom > TILE_MAX_ZOOM)
        return err_set(e, JM_EINPUT, "%s: minzoom %d, maxzoom %d: need 0 <= minzoom <= maxzoom <= %d", path, m->minzoom,
                       m->maxzoom, TILE_MAX_ZOOM);
    if (!lonlat_ok(m->bounds[0], m->bounds[1]) || !lonlat_ok(m->bounds[2], m->bounds[3]) ||
        m->bounds[0] > m->bounds[2] || m->bounds[1] > m->bounds[3])
        return err_set(e, JM_EINPUT, "%s: bounds %g,%g,%g,%g are not west,south,east,north in degrees", path,
                       m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3]);
    if (!lonlat_ok(m->center[0], m->center[1]) || !isfinite(m->center[2]) || m->center[2] < -0.5 ||
        m->center[2] >= TILE_MAX_ZOOM + 0.5)
        return err_set(e, JM_EINPUT, "%s: center %g,%g,%g is not longitude,latitude,zoom", path, m->center[0],
                       m->center[1], m->center[2]);
    if (m->vector_layers_json) {
        const char *s = m->vector_layers_json;
        size_t len = strlen(s);
        while (len > 0 && is_json_space(s[len - 1]))
            len--;
        while (len > 0 && is_json_space(*s))
            s++, len--;
        if (len < 2 || s[0] != '[' || s[len - 1] != ']')
            return err_set(e, JM_EINPUT, "%s: vector_layers is not a JSON array", path);
    }
    return JM_OK;
}

static bool json_put_string(struct buf *b, const char *s)
{
    bool ok = buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; ok && *p; p++) {
        switch (*p) {
        case '"':
            ok = buf_puts(b, "\\\"");
            break;
        case '\\':
            ok = buf_puts(b, "\\\\");
            break;
        case '\n':
            ok = buf_puts(b, "\\n");
            break;
        case '\r':
            ok = buf_puts(b, "\\r");
            break;
        case '\t':
            ok = buf_puts(b, "\\t");
            break;
        default:
            ok = *p < 0x20 ? buf_printf(b, "\\u%04x", *p) : buf_putc(b, (char)*p);
        }
    }
    return ok && buf_putc(b, '"');
}

/* The PMTiles metadata object (the header carries zooms, bounds and center). */
static bool pm_metadata_json(const struct tile_archive_meta *m, struct buf *b)
{
    bool ok = buf_puts(b, "{\"name\":") && json_put_string(b, m->name);
    if (ok && m->description)
        ok = buf_puts(b, ",\"description\":") && json_put_string(b, m->description);
    if (ok && m->attribution)
        ok = buf_puts(b, ",\"attribution\":") && json_put_string(b, m->attribution);
    return ok && buf_puts(b, ",\"type\":\"overlay\",\"vector_layers\":") &&
           buf_puts(b, m->vector_layers_json ? m->vector_layers_json : "[]") && buf_putc(b, '}');
}

/* ---- PMTiles: adding ------------------------------------------------------------------- */

static enum jm_status pm_open(struct tile_archive *a, struct err *e)
{
    a->out = fopen(a->partial, "wb");
    if (!a->out)
        return err_set(e, JM_EENV, "cannot create %s: %s", a->partial, strerror(errno));
    size_t tlen = strlen(a->path) + sizeof ".data-XXXXXX";
    char *template = malloc(tlen);
    if (!template)
        return err_set(e, JM_EINTERNAL, "out of memory");
    snprintf(template, tlen, "%s.data-XXXXXX", a->path);
    int fd = mkstemp(template);
    if (fd < 0) {
        enum jm_status rc =
            err_set(e, JM_EENV, "cannot create a temporary file beside %s: %s", a->path, strerror(errno));
        free(template);
        return rc;
    }
    unlink(template); /* anonymous from now on: nothing is left behind, even after a crash */
    free(template);
    a->data = fdopen(fd, "w+b");
    if (!a->data) {
        close(fd);
        return err_set(e, JM_EINTERNAL, "out of memory");
    }
    return JM_OK;
}

/* `items` with room for `need` elements (doubling), or NULL when memory ran out (then
 * `items` is still valid and unchanged). */
static void *grow(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / size)
        return NULL;
    void *p = realloc(items, n * size);
    if (p)
        *cap = n;
    return p;
}

static size_t slot_of(const unsigned char sha[32], size_t n_slots)
{
    uint64_t k;
    memcpy(&k, sha, sizeof k);
    return (size_t)(k & (n_slots - 1));
}

/* The index of the content with this digest, or UINT32_MAX. */
static uint32_t content_find(const struct tile_archive *a, const unsigned char sha[32])
{
    if (!a->n_slots)
        return UINT32_MAX;
    for (size_t i = slot_of(sha, a->n_slots);; i = (i + 1) & (a->n_slots - 1)) {
        uint32_t v = a->slots[i];
        if (!v)
            return UINT32_MAX;
        if (memcmp(a->contents[v - 1].sha, sha, 32) == 0)
            return v - 1;
    }
}

static void content_index(struct tile_archive *a, uint32_t c)
{
    size_t i = slot_of(a->contents[c].sha, a->n_slots);
    while (a->slots[i])
        i = (i + 1) & (a->n_slots - 1);
    a->slots[i] = c + 1;
}

static bool content_rehash(struct tile_archive *a, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    free(a->slots);
    a->slots = slots;
    a->n_slots = n_slots;
    for (size_t c = 0; c < a->n_contents; c++)
        content_index(a, (uint32_t)c);
    return true;
}

static enum jm_status pm_add(struct tile_archive *a, int z, long x, long y, const void *mvt, size_t size, struct err *e)
{
    unsigned char sha[32];
    sha256_bytes(mvt, size, sha);
    uint32_t c = content_find(a, sha);
    if (c == UINT32_MAX) {
        if (a->n_contents >= UINT32_MAX - 1)
            return err_set(e, JM_ELIMIT, "%s: too many distinct tiles", a->path);
        buf_reset(&a->scratch);
        if (deflateReset(&a->zs) != Z_OK)
            return err_set(e, JM_EINTERNAL, "gzip: deflateReset failed");
        enum jm_status rc = deflate_into(&a->zs, mvt, size, &a->scratch, e);
        if (rc != JM_OK)
            return err_prefix(e, "%s: tile %d/%ld/%ld: ", a->path, z, x, y);
        if (fwrite(a->scratch.data, 1, a->scratch.len, a->data) != a->scratch.len)
            return err_set(e, JM_EENV, "%s: writing the temporary tile file: %s", a->path, strerror(errno));
        struct pm_content *contents = grow(a->contents, &a->cap_contents, a->n_contents + 1, sizeof *contents);
        if (!contents)
            return err_set(e, JM_EINTERNAL, "out of memory");
        a->contents = contents;
        if (2 * (a->n_contents + 1) > a->n_slots && !content_rehash(a, a->n_slots ? 2 * a->n_slots : 4096))
            return err_set(e, JM_EINTERNAL, "out of memory");
        c = (uint32_t)a->n_contents++;
        struct pm_content *pc = &a->contents[c];
        memcpy(pc->sha, sha, sizeof sha);
        pc->tmp_offset = a->data_len;
        pc->out_offset = UINT64_MAX;
        pc->length = (uint32_t)a->scratch.len;
        content_index(a, c);
        a->data_len += a->scratch.len;
    }
    struct pm_tile *tiles = grow(a->tiles, &a->cap_tiles, a->n_tiles + 1, sizeof *tiles);
    if (!tiles)
        return err_set(e, JM_EINTERNAL, "out of memory");
    a->tiles = tiles;
    a->tiles[a->n_tiles++] = (struct pm_tile){.id = tile_archive_hilbert_id(z, x, y), .content = c};
    return JM_OK;
}

/* ---- PMTiles: closing -------------------------------------------------------------------- */

static int tile_cmp(const void *pa, const void *pb)
{
    const struct pm_tile *ta = pa, *tb = pb;
    return ta->id < tb->id ? -1 : ta->id > tb->id;
}

/* Serialises n entries (columnar varints, spec 4.2) and appends them gzip-compressed. */
static enum jm_status dir_encode(const struct pm_entry *d, size_t n, struct buf *raw, struct buf *out, struct err *e)
{
    buf_reset(raw);
    bool ok = put_varint(raw, n);
    uint64_t last = 0;
    for (size_t i = 0; ok && i < n; last = d[i].id, i++)
        ok = put_varint(raw, d[i].id - last);
    for (size_t i = 0; ok && i < n; i++)
        ok = put_varint(raw, d[i].run);
    for (size_t i = 0; ok && i < n; i++)
        ok = put_varint(raw, d[i].length);
    for (size_t i = 0; ok && i < n; i++) {
        bool follows = i > 0 && d[i].offset == d[i - 1].offset + d[i - 1].length;
        ok = put_varint(raw, follows ? 0 : d[i].offset + 1);
    }
    if (!ok)
        return err_set(e, JM_ELIMIT, "a PMTiles directory of %zu entries does not fit the buffer", n);
    return tile_archive__gzip(raw->data, raw->len, out, e);
}

/* Builds the root directory, and leaf directories when one root would not fit. */
static enum jm_status dir_build(const struct pm_entry *d, size_t n, struct buf *root, struct buf *leaves, struct err *e)
{
    struct buf raw;
    buf_init(&raw, 0);
    struct pm_entry *index = NULL;
    enum jm_status rc = dir_encode(d, n, &raw, root, e);
    for (size_t per_leaf = PM_LEAF_FIRST; rc == JM_OK && root->len > PM_ROOT_MAX; per_leaf *= 2) {
        buf_reset(root);
        buf_reset(leaves);
        size_t n_leaves = (n + per_leaf - 1) / per_leaf;
        free(index);
        index = malloc(n_leaves * sizeof *index);
        if (!index) {
            rc = err_set(e, JM_EINTERNAL, "out of memory");
            break;
        }
        for (size_t k = 0; rc == JM_OK && k < n_leaves; k++) {
            size_t first = k * per_leaf, count = n - first < per_leaf ? n - first : per_leaf;
            size_t at = leaves->len;
            rc = dir_encode(d + first, count, &raw, leaves, e);
            if (rc == JM_OK && leaves->len - at > UINT32_MAX)
                rc = err_set(e, JM_ELIMIT, "a PMTiles leaf directory exceeds 4 GiB");
            index[k] = (struct pm_entry){.id = d[first].id, .offset = at, .length = (uint32_t)(leaves->len - at)};
        }
        if (rc == JM_OK)
            rc = dir_encode(index, n_leaves, &raw, root, e); /* one leaf always fits: the loop ends */
    }
    free(index);
    buf_cleanup(&raw);
    return rc;
}

static bool write_all(FILE *f, const void *p, size_t n)
{
    return n == 0 || fwrite(p, 1, n, f) == n;
}

static enum jm_status pm_finish(struct tile_archive *a, const struct tile_archive_meta *meta, struct err *e)
{
    enum jm_status rc = JM_OK;
    struct pm_entry *dir = NULL;
    struct buf root, leaves, json, meta_gz;
    buf_init(&root, 0);
    buf_init(&leaves, 0);
    buf_init(&json, 0);
    buf_init(&meta_gz, 0);

    /* 1. the tiles in Hilbert order; the same tile twice is the caller's error */
    if (fflush(a->data) != 0) {
        rc = err_set(e, JM_EENV, "%s: writing the temporary tile file: %s", a->path, strerror(errno));
        goto out;
    }
    qsort(a->tiles, a->n_tiles, sizeof *a->tiles, tile_cmp);
    for (size_t i = 1; i < a->n_tiles; i++) {
        if (a->tiles[i].id == a->tiles[i - 1].id) {
            int z;
            long x, y;
            tile_archive_hilbert_zxy(a->tiles[i].id, &z, &x, &y);
            rc = err_set(e, JM_EINPUT, "%s: tile %d/%ld/%ld was added twice", a->path, z, x, y);
            goto out;
        }
    }

    /* 2. place each content at its first use (clustered) and merge runs of equal tiles */
    dir = malloc(a->n_tiles * sizeof *dir);
    if (!dir) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    size_t n_dir = 0;
    uint64_t data_len = 0;
    for (size_t i = 0; i < a->n_tiles; i++) {
        struct pm_content *c = &a->contents[a->tiles[i].content];
        if (c->out_offset == UINT64_MAX) {
            c->out_offset = data_len;
            data_len += c->length;
        }
        struct pm_entry *last = n_dir ? &dir[n_dir - 1] : NULL;
        if (last && last->offset == c->out_offset && last->id + last->run == a->tiles[i].id && last->run < UINT32_MAX)
            last->run++;
        else
            dir[n_dir++] = (struct pm_entry){a->tiles[i].id, c->out_offset, c->length, 1};
    }

    /* 3. directories and metadata */
    rc = dir_build(dir, n_dir, &root, &leaves, e);
    if (rc != JM_OK)
        goto out;
    if (!pm_metadata_json(meta, &json)) {
        rc = err_set(e, JM_ELIMIT, "%s: the metadata JSON does not fit the buffer", a->path);
        goto out;
    }
    rc = tile_archive__gzip(json.data, json.len, &meta_gz, e);
    if (rc != JM_OK)
        goto out;

    /* 4. the header */
    unsigned char h[TILE_ARCHIVE_PMTILES_HEADER_LEN];
    memset(h, 0, sizeof h);
    uint64_t root_off = sizeof h, meta_off = root_off + root.len, leaf_off = meta_off + meta_gz.len,
             data_off = leaf_off + leaves.len;
    memcpy(h, "PMTiles", 7);
    h[7] = 3;
    put_u64(h + 8, root_off);
    put_u64(h + 16, root.len);
    put_u64(h + 24, meta_off);
    put_u64(h + 32, meta_gz.len);
    put_u64(h + 40, leaf_off);
    put_u64(h + 48, leaves.len);
    put_u64(h + 56, data_off);
    put_u64(h + 64, data_len);
    put_u64(h + 72, a->n_tiles);    /* addressed tiles */
    put_u64(h + 80, n_dir);         /* tile entries */
    put_u64(h + 88, a->n_contents); /* tile contents */
    h[96] = 1;                      /* clustered */
    h[97] = PM_COMPRESSION_GZIP;    /* internal compression */
    h[98] = PM_COMPRESSION_GZIP;    /* tile compression */
    h[99] = PM_TILE_TYPE_MVT;
    h[100] = (unsigned char)meta->minzoom;
    h[101] = (unsigned char)meta->maxzoom;
    put_i32(h + 102, e7(meta->bounds[0]));
    put_i32(h + 106, e7(meta->bounds[1]));
    put_i32(h + 110, e7(meta->bounds[2]));
    put_i32(h + 114, e7(meta->bounds[3]));
    h[118] = (unsigned char)lround(meta->center[2]);
    put_i32(h + 119, e7(meta->center[0]));
    put_i32(h + 123, e7(meta->center[1]));

    /* 5. header, root, metadata, leaves, then each content once in tile id order */
    if (!write_all(a->out, h, sizeof h) || !write_all(a->out, root.data, root.len) ||
        !write_all(a->out, meta_gz.data, meta_gz.len) || !write_all(a->out, leaves.data, leaves.len))
        goto write_failed;
    uint64_t written = 0;
    for (size_t i = 0; i < a->n_tiles; i++) {
        const struct pm_content *c = &a->contents[a->tiles[i].content];
        if (c->out_offset != written)
            continue; /* placed before: a duplicate */
        buf_reset(&a->scratch);
        char *p = buf_reserve(&a->scratch, c->length);
        if (!p) {
            rc = err_set(e, JM_EINTERNAL, "out of memory");
            goto out;
        }
        if (pread_full(fileno(a->data), p, c->length, c->tmp_offset) != 0) {
            rc = err_set(e, JM_EENV, "%s: reading the temporary tile file: %s", a->path, strerror(errno));
            goto out;
        }
        if (!write_all(a->out, p, c->length))
            goto write_failed;
        written += c->length;
    }
    if (fflush(a->out) != 0 || fsync(fileno(a->out)) != 0)
        goto write_failed;
    FILE *f = a->out;
    a->out = NULL;
    if (fclose(f) != 0)
        goto write_failed;
    goto out;

write_failed:
    rc = err_set(e, JM_EENV, "cannot write %s: %s", a->partial, strerror(errno));
out:
    free(dir);
    buf_cleanup(&root);
    buf_cleanup(&leaves);
    buf_cleanup(&json);
    buf_cleanup(&meta_gz);
    return rc;
}

/* ---- the front ------------------------------------------------------------------------ */

static void archive_discard(struct tile_archive *a)
{
    if (a->out)
        fclose(a->out);
    a->out = NULL;
    if (a->data)
        fclose(a->data);
    a->data = NULL;
    tile_archive__mbtiles_free(a->mb);
    a->mb = NULL;
    if (!a->finished && a->partial)
        unlink(a->partial);
}

enum jm_status tile_archive_open(struct tile_archive **out, const char *path, enum tile_archive_format format,
                                 bool replace, struct err *e)
{
    enum jm_status rc = JM_OK;
    struct tile_archive *a = NULL;
    if (!out)
        return err_set(e, JM_EINTERNAL, "tile_archive_open: no place for the handle");
    *out = NULL;
    if (!path || !*path)
        return err_set(e, JM_EINPUT, "tile archive: empty file name");
    if (format != TILE_ARCHIVE_MBTILES && format != TILE_ARCHIVE_PMTILES)
        return err_set(e, JM_EINPUT, "%s: unknown tile archive format %d", path, (int)format);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return err_set(e, JM_EINPUT, "%s is a directory", path);
        if (!replace)
            return err_set(e, JM_EEXISTS, "%s exists already (ask to replace it)", path);
    }

    a = calloc(1, sizeof *a);
    size_t plen = strlen(path) + sizeof ".partial";
    if (!a || !(a->path = strdup(path)) || !(a->partial = malloc(plen))) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    snprintf(a->partial, plen, "%s.partial", path);
    a->format = format;
    a->replace = replace;
    a->minz_added = INT_MAX;
    a->maxz_added = -1;
    buf_init(&a->scratch, 0);
    if (!gzip_stream_init(&a->zs)) {
        rc = err_set(e, JM_EINTERNAL, "gzip: cannot initialise zlib");
        goto out;
    }
    a->zs_ready = true;
    if (unlink(a->partial) != 0 && errno != ENOENT) {
        rc = err_set(e, JM_EENV, "cannot remove the stale %s: %s", a->partial, strerror(errno));
        goto out;
    }
    if (format == TILE_ARCHIVE_PMTILES)
        rc = pm_open(a, e);
    else
        rc = tile_archive__mbtiles_open(&a->mb, a->partial, e);
    if (rc != JM_OK)
        goto out;
    *out = a;
    a = NULL;
out:
    tile_archive_abort(a);
    return rc;
}

enum jm_status tile_archive_add(struct tile_archive *a, int z, long x, long y, const void *mvt, size_t size,
                                struct err *e)
{
    if (!a)
        return err_set(e, JM_EINTERNAL, "tile_archive_add: no archive");
    if (a->state != ARCHIVE_OPEN)
        return err_set(e, JM_EINTERNAL, "%s: tile %d/%ld/%ld added after the archive %s", a->path, z, x, y,
                       a->state == ARCHIVE_CLOSED ? "was closed" : "failed");
    if (!tile_valid(z, x, y))
        return err_set(e, JM_EINPUT, "%s: tile %d/%ld/%ld is outside the tile grid", a->path, z, x, y);
    if (!mvt && size)
        return err_set(e, JM_EINTERNAL, "%s: tile %d/%ld/%ld has no bytes", a->path, z, x, y);
    if (size > TILE_ARCHIVE_TILE_MAX)
        return err_set(e, JM_ELIMIT, "%s: tile %d/%ld/%ld has %zu bytes, more than the %zu allowed", a->path, z, x, y,
                       size, TILE_ARCHIVE_TILE_MAX);
    enum jm_status rc;
    if (a->format == TILE_ARCHIVE_PMTILES) {
        rc = pm_add(a, z, x, y, mvt, size, e);
    } else {
        buf_reset(&a->scratch);
        rc = deflateReset(&a->zs) == Z_OK ? deflate_into(&a->zs, mvt, size, &a->scratch, e)
                                          : err_set(e, JM_EINTERNAL, "gzip: deflateReset failed");
        if (rc == JM_OK)
            rc = tile_archive__mbtiles_add(a->mb, z, x, y, a->scratch.data, a->scratch.len, e);
    }
    if (rc != JM_OK) {
        a->state = ARCHIVE_FAILED;
        return rc;
    }
    a->n_added++;
    if (z < a->minz_added)
        a->minz_added = z;
    if (z > a->maxz_added)
        a->maxz_added = z;
    return JM_OK;
}

/* fsync of a file by name (MBTiles is built with synchronous=OFF). */
static enum jm_status sync_path(const char *file, struct err *e)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        enum jm_status rc = err_set(e, JM_EENV, "cannot sync %s: %s", file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    close(fd);
    return JM_OK;
}

/* Renames path.partial to path; without `replace`, never over a file that appeared since
 * open. Then syncs the directory so that the rename survives a crash (best effort). */
static enum jm_status move_into_place(struct tile_archive *a, struct err *e)
{
    int r;
    if (a->replace) {
        r = rename(a->partial, a->path);
    } else {
        r = renameat2(AT_FDCWD, a->partial, AT_FDCWD, a->path, RENAME_NOREPLACE);
        if (r != 0 && (errno == EINVAL || errno == ENOSYS)) { /* the file system cannot: check, then rename */
            struct stat st;
            if (stat(a->path, &st) == 0) {
                errno = EEXIST;
            } else {
                r = rename(a->partial, a->path);
            }
        }
    }
    if (r != 0) {
        if (errno == EEXIST)
            return err_set(e, JM_EEXISTS, "%s appeared while the archive was written (ask to replace it)", a->path);
        return err_set(e, JM_EENV, "cannot rename %s to %s: %s", a->partial, a->path, strerror(errno));
    }
    a->finished = true;
    char *dir = strdup(a->path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0'; /* "/name": the root directory */
        else if (slash)
            *slash = '\0';
        int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
        free(dir);
    }
    return JM_OK;
}

enum jm_status tile_archive_close(struct tile_archive *a, const struct tile_archive_meta *meta, struct err *e)
{
    if (!a)
        return err_set(e, JM_EINTERNAL, "tile_archive_close: no archive");
    if (a->state != ARCHIVE_OPEN)
        return err_set(e, JM_EINTERNAL, "%s: the archive %s", a->path,
                       a->state == ARCHIVE_CLOSED ? "was closed already" : "failed before close");
    a->state = ARCHIVE_CLOSED;
    enum jm_status rc = meta_check(a->path, meta, e);
    if (rc == JM_OK && a->n_added == 0)
        rc = err_set(e, JM_EINPUT, "%s: no tile was added; an empty archive is not written", a->path);
    if (rc == JM_OK && (a->minz_added < meta->minzoom || a->maxz_added > meta->maxzoom))
        rc = err_set(e, JM_EINPUT, "%s: the tiles span zooms %d..%d, beyond minzoom..maxzoom %d..%d", a->path,
                     a->minz_added, a->maxz_added, meta->minzoom, meta->maxzoom);
    if (rc == JM_OK && a->format == TILE_ARCHIVE_PMTILES) {
        rc = pm_finish(a, meta, e);
    } else if (rc == JM_OK) {
        rc = tile_archive__mbtiles_finish(a->mb, meta, e);
        tile_archive__mbtiles_free(a->mb);
        a->mb = NULL;
        if (rc == JM_OK)
            rc = sync_path(a->partial, e);
    }
    if (rc == JM_OK)
        rc = move_into_place(a, e);
    archive_discard(a); /* closes what is left open; removes the partial file on failure */
    return rc;
}

void tile_archive_abort(struct tile_archive *a)
{
    if (!a)
        return;
    archive_discard(a);
    if (a->zs_ready)
        deflateEnd(&a->zs);
    buf_cleanup(&a->scratch);
    free(a->tiles);
    free(a->contents);
    free(a->slots);
    free(a->path);
    free(a->partial);
    free(a);
}

/* ---- reading --------------------------------------------------------------------------- */

/* Finds the entry of directory `d` (inflated) that covers `id`: the last one whose tile id
 * is <= id. *have is false when every entry starts after id. False when malformed. */
static bool dir_find(const unsigned char *d, size_t len, uint64_t id, struct pm_entry *hit, bool *have)
{
    const unsigned char *end = d + len, *col[4];
    uint64_t n;
    *have = false;
    col[0] = d;
    if (!get_varint(&col[0], end, &n) || n == 0 || n > len)
        return false;
    for (int k = 1; k < 4; k++) {
        col[k] = col[k - 1];
        if (!skip_varints(&col[k], end, n))
            return false;
    }
    uint64_t cur = 0, prev_off = 0, prev_len = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t delta, run, length, off;
        if (!get_varint(&col[0], end, &delta) || !get_varint(&col[1], end, &run) ||
            !get_varint(&col[2], end, &length) || !get_varint(&col[3], end, &off))
            return false;
        if (cur + delta < cur || length == 0 || length > UINT32_MAX || run > UINT32_MAX || (off == 0 && i == 0))
            return false;
        cur += delta;
        uint64_t offset = off == 0 ? prev_off + prev_len : off - 1;
        if (offset < prev_off && off == 0)
            return false; /* wrapped */
        if (cur > id)
            break;
        *hit = (struct pm_entry){cur, offset, (uint32_t)length, (uint32_t)run};
        *have = true;
        prev_off = offset;
        prev_len = length;
    }
    return true;
}

/* Reads `len` bytes at `off`, checked to lie within [sec_off, sec_off + sec_len). */
static enum jm_status read_section(int fd, const char *path, uint64_t sec_off, uint64_t sec_len, uint64_t off,
                                   uint64_t len, size_t cap, struct buf *raw, const char *what, struct err *e)
{
    if (off > sec_len || len > sec_len - off)
        return err_set(e, JM_EINPUT, "%s: a %s lies outside its section (corrupt PMTiles)", path, what);
    if (len > cap)
        return err_set(e, JM_ELIMIT, "%s: a %s of %llu bytes exceeds the reader's %zu", path, what,
                       (unsigned long long)len, cap);
    buf_reset(raw);
    char *p = buf_reserve(raw, (size_t)len);
    if (!p)
        return err_set(e, JM_EINTERNAL, "out of memory");
    if (pread_full(fd, p, (size_t)len, sec_off + off) != 0)
        return err_set(e, errno == EIO ? JM_EINPUT : JM_EENV, "%s: cannot read a %s: %s", path, what,
                       errno == EIO ? "the file is truncated" : strerror(errno));
    buf_commit(raw, (size_t)len);
    return JM_OK;
}

static enum jm_status pm_read(int fd, const char *path, uint64_t id, struct buf *out, bool *found, struct err *e)
{
    enum jm_status rc = JM_OK;
    struct buf raw, dir;
    buf_init(&raw, 0);
    buf_init(&dir, PM_READ_DIR_MAX);
    struct stat st;
    unsigned char h[TILE_ARCHIVE_PMTILES_HEADER_LEN];
    if (fstat(fd, &st) != 0) {
        rc = err_set(e, JM_EENV, "%s: %s", path, strerror(errno));
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < sizeof h || pread_full(fd, h, sizeof h, 0) != 0) {
        rc = err_set(e, JM_EINPUT, "%s: the PMTiles header is truncated", path);
        goto out;
    }
    if (h[7] != 3) {
        rc = err_set(e, JM_EINPUT, "%s: PMTiles version %d is not supported (only 3)", path, h[7]);
        goto out;
    }
    /* sections: root (8), metadata (24), leaves (40), data (56) as offset, length pairs */
    uint64_t sec[4][2];
    static const int at[4] = {8, 24, 40, 56};
    for (int k = 0; k < 4; k++) {
        sec[k][0] = get_u64(h + at[k]);
        sec[k][1] = get_u64(h + at[k] + 8);
        if (sec[k][0] > size || sec[k][1] > size - sec[k][0]) {
            rc = err_set(e, JM_EINPUT, "%s: a PMTiles section lies beyond the end of the file", path);
            goto out;
        }
    }
    int ic = h[97], tc = h[98];
    if ((ic != PM_COMPRESSION_NONE && ic != PM_COMPRESSION_GZIP) ||
        (tc != PM_COMPRESSION_NONE && tc != PM_COMPRESSION_GZIP)) {
        rc = err_set(e, JM_EINPUT, "%s: PMTiles compression %d/%d is not supported (only none and gzip)", path, ic, tc);
        goto out;
    }
    /* walk from the root down the leaves */
    uint64_t sec_off = sec[0][0], sec_len = sec[0][1], off = 0, len = sec[0][1];
    for (int depth = 0; depth < PM_READ_DEPTH_MAX; depth++) {
        rc = read_section(fd, path, sec_off, sec_len, off, len, PM_READ_DIR_MAX, &raw, "directory", e);
        if (rc != JM_OK)
            goto out;
        buf_reset(&dir);
        if (ic == PM_COMPRESSION_GZIP)
            rc = tile_archive__gunzip(raw.data, raw.len, &dir, path, e);
        else if (!buf_append(&dir, raw.data, raw.len))
            rc = err_set(e, JM_EINTERNAL, "out of memory");
        if (rc != JM_OK)
            goto out;
        struct pm_entry hit;
        bool have;
        if (!dir_find((const unsigned char *)dir.data, dir.len, id, &hit, &have)) {
            rc = err_set(e, JM_EINPUT, "%s: a PMTiles directory is malformed", path);
            goto out;
        }
        if (!have)
            goto out;
        if (hit.run == 0) { /* a leaf directory */
            sec_off = sec[2][0];
            sec_len = sec[2][1];
            off = hit.offset;
            len = hit.length;
            continue;
        }
        if (id - hit.id >= hit.run)
            goto out;
        rc = read_section(fd, path, sec[3][0], sec[3][1], hit.offset, hit.length, PM_READ_TILE_MAX, &raw, "tile", e);
        if (rc != JM_OK)
            goto out;
        if (tc == PM_COMPRESSION_GZIP)
            rc = tile_archive__gunzip(raw.data, raw.len, out, path, e);
        else if (!buf_append(out, raw.data, raw.len))
            rc = err_set(e, JM_ELIMIT, "%s: the tile does not fit the buffer", path);
        *found = rc == JM_OK;
        goto out;
    }
    rc = err_set(e, JM_EINPUT, "%s: PMTiles leaf directories nest deeper than %d", path, PM_READ_DEPTH_MAX - 1);
out:
    buf_cleanup(&raw);
    buf_cleanup(&dir);
    return rc;
}

enum jm_status tile_archive_read(const char *path, int z, long x, long y, struct buf *out_mvt, bool *found,
                                 struct err *e)
{
    if (!path || !out_mvt || !found)
        return err_set(e, JM_EINTERNAL, "tile_archive_read: missing argument");
    *found = false;
    if (!tile_valid(z, x, y))
        return err_set(e, JM_EINPUT, "%s: tile %d/%ld/%ld is outside the tile grid", path, z, x, y);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ENOENT ? JM_ENOTFOUND : JM_EENV, "cannot open %s: %s", path, strerror(errno));
    unsigned char magic[16];
    memset(magic, 0, sizeof magic);
    enum jm_status rc;
    if (pread_full(fd, magic, sizeof magic, 0) == 0 && memcmp(magic, "PMTiles", 7) == 0) {
        rc = pm_read(fd, path, tile_archive_hilbert_id(z, x, y), out_mvt, found, e);
        if (rc != JM_OK)
            err_prefix(e, "reading tile %d/%ld/%ld: ", z, x, y);
        close(fd);
    } else if (memcmp(magic, "SQLite format 3", 16) == 0) {
        close(fd);
        rc = tile_archive__mbtiles_read(path, z, x, y, out_mvt, found, e);
    } else {
        close(fd);
        rc = err_set(e, JM_EINPUT, "%s is neither a PMTiles nor an MBTiles archive", path);
    }
    return rc;
}
