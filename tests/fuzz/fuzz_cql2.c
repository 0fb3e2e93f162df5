/* Fuzz target: the CQL2 filter reader (server/cql2), which sees whatever a client sends in
 * `filter`. The first byte picks the language (bit 0: cql2-text or cql2-json), the filter
 * SRID (bit 1: 4326, with transforms, or the storage SRID) and the first placeholder
 * (bits 2-3); the rest is the filter. Besides crashes and leaks (sanitizers), it aborts when
 * a success breaks the safety contract of cql2.h: every character of the SQL outside
 * double-quoted identifiers must belong to the fixed vocabulary, every identifier must be a
 * schema property, placeholders must be exactly $first…$first+count-1, and parameters valid
 * UTF-8; and when a failure leaves the caller's buffer changed or parameters behind.
 * Built as a libFuzzer binary with -DJUMEAU_FUZZ=ON (clang), and otherwise linked with
 * replay_main.c so that ctest replays the corpus on every run. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cql2.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cql2_property props[] = {
    {"geom", CQL2_GEOMETRY}, {"height", CQL2_NUMBER},  {"storeys", CQL2_INTEGER},
    {"use", CQL2_STRING},    {"name", CQL2_STRING},    {"year_built", CQL2_INTEGER},
    {"built", CQL2_DATE},    {"updated", CQL2_TIMESTAMP}, {"active", CQL2_BOOLEAN},
};
static const struct cql2_schema schema = {props, sizeof props / sizeof props[0], 32632};

/* The words the SQL may contain (cql2.h, "Safety"). */
static const char *const vocabulary[] = {
    "AND",          "OR",          "NOT",         "IS",          "NULL",        "LIKE",
    "BETWEEN",      "ANY",         "ALL",         "IN",          "TRUE",        "FALSE",
    "text",         "double",      "precision",   "bigint",      "boolean",     "date",
    "timestamptz",  "ST_Intersects", "ST_Equals", "ST_Disjoint", "ST_Touches",  "ST_Within",
    "ST_Overlaps",  "ST_Crosses",  "ST_Contains", "ST_Transform", "ST_GeomFromText",
    "ST_GeomFromGeoJSON", "ST_SetSRID", "ST_MakeEnvelope",
};

static bool is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool known_word(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof vocabulary / sizeof vocabulary[0]; i++)
        if (strlen(vocabulary[i]) == n && memcmp(vocabulary[i], s, n) == 0)
            return true;
    return false;
}

/* A double-quoted identifier starting at s[*i]: its name (quotes undone) must be a property. */
static bool identifier_ok(const char *s, size_t len, size_t *i)
{
    char name[64];
    size_t n = 0, j = *i + 1;
    for (;;) {
        if (j >= len)
            return false;
        if (s[j] == '"') {
            if (j + 1 < len && s[j + 1] == '"') {
                if (n + 1 >= sizeof name)
                    return false;
                name[n++] = '"';
                j += 2;
                continue;
            }
            break;
        }
        if (n + 1 >= sizeof name)
            return false;
        name[n++] = s[j++];
    }
    name[n] = '\0';
    *i = j + 1;
    for (size_t k = 0; k < schema.count; k++)
        if (strcmp(props[k].name, name) == 0)
            return true;
    return false;
}

static void check_sql(const char *s, size_t len, int first, int count)
{
    int max_param = 0;
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            if (!identifier_ok(s, len, &i))
                abort();
        } else if (is_word_char(c)) {
            size_t start = i;
            while (i < len && is_word_char(s[i]))
                i++;
            if (!known_word(s + start, i - start))
                abort();
        } else if (c == '$') {
            long v = 0;
            i++;
            if (i >= len || s[i] < '0' || s[i] > '9')
                abort();
            while (i < len && s[i] >= '0' && s[i] <= '9' && v < 1000000)
                v = v * 10 + (s[i++] - '0');
            if (v < first || v >= first + count)
                abort();
            if (v > max_param)
                max_param = (int)v;
        } else if ((c >= '0' && c <= '9') || strchr("(),=<>:[] ", c)) {
            i++;
        } else {
            abort();
        }
    }
    if (count && max_param != first + count - 1)
        abort();
}

static void check_param(const char *v)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)v + i, n - i, &cp);
        if (k == 0)
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    enum cql2_lang lang = (mode & 1) ? CQL2_JSON : CQL2_TEXT;
    int filter_srid = (mode & 2) ? schema.storage_srid : 4326;
    int first = 1 + ((mode >> 2) & 3);
    /* a copy of exactly the filter's bytes, so that ASan sees any read past its end */
    size_t n = size - 1;
    char *filter = malloc(n ? n : 1);
    if (!filter)
        return 0;
    if (n)
        memcpy(filter, data + 1, n);

    static const char prefix[] = "WHERE x AND ";
    struct buf sql;
    struct cql2_params params;
    struct err e;
    buf_init(&sql, 0);
    buf_puts(&sql, prefix);
    memset(&params, 0, sizeof params);
    err_clear(&e);
    enum jm_status st = cql2_to_sql(filter, n, lang, &schema, filter_srid, first, &sql, &params, &e);
    if (st == JM_OK) {
        if (params.count < 0 || params.count > CQL2_MAX_PARAMS || sql.len <= sizeof prefix - 1)
            abort();
        check_sql(buf_str(&sql) + sizeof prefix - 1, sql.len - (sizeof prefix - 1), first, params.count);
        for (int i = 0; i < params.count; i++)
            check_param(params.values[i]);
    } else {
        if (params.count != 0 || sql.len != sizeof prefix - 1 || strcmp(buf_str(&sql), prefix) != 0 ||
            strncmp(e.msg, "filter: ", 8) != 0 || e.code != st)
            abort();
        if (st != JM_EINPUT && st != JM_ELIMIT)
            abort(); /* with valid arguments, only the filter can be wrong */
    }
    cql2_params_cleanup(&params);
    buf_cleanup(&sql);
    free(filter);
    return 0;
}
