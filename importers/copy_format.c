/* Encodings for the bulk COPY writer: text escaping, hex EWKB, column and dataset names. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imp.h"
#include "imp_internal.h"
#include "utf8.h"

bool imp__copy_text(struct buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n > 0) {
        unsigned char c = *p;
        const char *esc = NULL;
        switch (c) {
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            if (!buf_puts(out, esc))
                return false;
            p++, n--;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            if (!buf_puts(out, "\xEF\xBF\xBD"))
                return false;
            p++, n--;
            continue;
        }
        if (!buf_append(out, p, len))
            return false;
        p += len, n -= len;
    }
    return true;
}

static bool put_hex(struct buf *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    char *dst = buf_reserve(out, 2 * n);
    if (!dst)
        return false;
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[bytes[i] >> 4];
        dst[2 * i + 1] = digits[bytes[i] & 15];
    }
    buf_commit(out, 2 * n);
    return true;
}

bool imp__ewkb_hex(struct buf *out, const unsigned char *wkb, size_t n, int srid)
{
    if (n < 5)
        return false;
    /* byte order, then the type with EWKB's SRID flag, then the SRID, then the rest */
    bool little = wkb[0] == 1;
    uint32_t type;
    if (little)
        type = (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 | (uint32_t)wkb[3] << 16 | (uint32_t)wkb[4] << 24;
    else
        type = (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 | (uint32_t)wkb[2] << 16 | (uint32_t)wkb[1] << 24;
    type |= 0x20000000u;
    unsigned char head[9];
    head[0] = wkb[0];
    for (int i = 0; i < 4; i++) {
        int shift = little ? 8 * i : 24 - 8 * i;
        head[1 + i] = (unsigned char)(type >> shift);
        head[5 + i] = (unsigned char)((uint32_t)srid >> shift);
    }
    return put_hex(out, head, sizeof head) && put_hex(out, wkb + 5, n - 5);
}

static const char *const reserved_columns[] = {"id", "geom"};

static bool name_taken(const char *name, const char *const *taken, size_t ntaken)
{
    for (size_t i = 0; i < sizeof reserved_columns / sizeof reserved_columns[0]; i++)
        if (strcmp(name, reserved_columns[i]) == 0)
            return true;
    for (size_t i = 0; i < ntaken; i++)
        if (strcmp(name, taken[i]) == 0)
            return true;
    return false;
}

/* Lowercase [a-z0-9_] of at most `max` bytes; runs of other bytes become one '_'. */
static void launder(const char *in, char *out, size_t max)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n < max; p++) {
        unsigned char c = (unsigned char)tolower(*p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = (char)c;
        else if (n > 0 && out[n - 1] != '_')
            out[n++] = '_';
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
}

void imp__column_name(const char *field, const char *const *taken, size_t ntaken, char out[64])
{
    char base[64];
    launder(field, base, 56);
    if (!base[0] || isdigit((unsigned char)base[0])) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "f_%.54s", base);
        snprintf(base, sizeof base, "%.56s", tmp);
    }
    snprintf(out, 64, "%.56s", base);
    if (name_taken(out, taken, ntaken))
        snprintf(out, 64, "%.56s_src", base);
    for (int i = 2; name_taken(out, taken, ntaken) && i < 10000; i++)
        snprintf(out, 64, "%.56s_%d", base, i);
}

void imp_name_from_file(const char *path, char out[64])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base);
    /* drop the extensions a geodata file commonly stacks: .osm.pbf, .city.json, .shp.zip */
    static const char *const extensions[] = {".zip", ".gz", ".pbf", ".osm", ".json", ".geojson", ".city",
                                             ".shp", ".gpkg", ".gml", ".xml", ".kml", ".csv", ".fgb",
                                             ".ifc", ".jsonl", ".sqlite", ".thf"};
    for (bool again = true; again;) {
        again = false;
        size_t n = strlen(stem);
        for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
            size_t m = strlen(extensions[i]);
            if (n > m && strcasecmp(stem + n - m, extensions[i]) == 0) {
                stem[n - m] = '\0';
                again = true;
                break;
            }
        }
    }
    char name[64];
    launder(stem, name, IMP_NAME_MAX);
    if (!name[0] || !(name[0] >= 'a' && name[0] <= 'z'))
        snprintf(out, 64, "d_%.45s", name);
    else
        snprintf(out, 64, "%s", name);
    if (!out[2] && out[0] == 'd' && out[1] == '_')
        snprintf(out, 64, "dataset");
}

bool imp_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > IMP_NAME_MAX || !(name[0] >= 'a' && name[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
            return false;
    return true;
}

int imp__utm_epsg(double lon, double lat)
{
    /* normalise to [-180, 180); callers pass finite degrees, but never loop on others */
    if (!isfinite(lon) || !isfinite(lat))
        return 32631;
    lon = fmod(lon + 180.0, 360.0);
    if (lon < 0)
        lon += 360.0;
    lon -= 180.0;
    int zone = (int)((lon + 180.0) / 6.0) + 1;
    if (zone > 60)
        zone = 60;
    /* Norway and Svalbard's exceptions, as the UTM grid defines them */
    if (lat >= 56.0 && lat < 64.0 && lon >= 3.0 && lon < 12.0)
        zone = 32;
    if (lat >= 72.0 && lat < 84.0) {
        if (lon >= 0.0 && lon < 9.0)
            zone = 31;
        else if (lon >= 9.0 && lon < 21.0)
            zone = 33;
        else if (lon >= 21.0 && lon < 33.0)
            zone = 35;
        else if (lon >= 33.0 && lon < 42.0)
            zone = 37;
    }
    return (lat >= 0 ? 32600 : 32700) + zone;
}
