/* Unit tests of common/ (jumeau_core): err, buf, arena, parse, config, sha256, utf8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_locale.h"

#include <limits.h>
#include <locale.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "parse.h"
#include "sha256.h"
#include "utf8.h"

/* ---- err --------------------------------------------------------------------------- */

static void test_err_set_keeps_first_error(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    assert_int_equal(e.code, JM_OK);
    assert_string_equal(e.msg, "");

    assert_int_equal(err_set(&e, JM_EINPUT, "%s:%d: bad value '%s'", "parcels.csv", 12, "x"), JM_EINPUT);
    /* A later error is returned to the caller but does not replace the first one. */
    assert_int_equal(err_set(&e, JM_EDB, "connection lost"), JM_EDB);
    assert_int_equal(e.code, JM_EINPUT);
    assert_string_equal(e.msg, "parcels.csv:12: bad value 'x'");

    err_clear(&e);
    assert_int_equal(err_set(&e, JM_EDB, "connection lost"), JM_EDB);
    assert_int_equal(e.code, JM_EDB);
    assert_string_equal(e.msg, "connection lost");

    assert_int_equal(err_set(NULL, JM_ENOTFOUND, "nobody listens"), JM_ENOTFOUND);
    err_clear(NULL);
}

static void test_err_set_truncates_long_message(void **state)
{
    (void)state;
    char big[3 * ERR_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct err e;
    err_clear(&e);
    err_set(&e, JM_ELIMIT, "%s", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
    assert_int_equal(e.code, JM_ELIMIT);
}

static void test_err_prefix(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    /* No error: nothing is prefixed. */
    assert_int_equal(err_prefix(&e, "reading %s: ", "a.shp"), JM_OK);
    assert_string_equal(e.msg, "");
    assert_int_equal(err_prefix(NULL, "reading: "), JM_OK);

    err_set(&e, JM_EINPUT, "line %d: not a number", 3);
    assert_int_equal(err_prefix(&e, "reading %s: ", "a.csv"), JM_EINPUT);
    assert_string_equal(e.msg, "reading a.csv: line 3: not a number");
    assert_int_equal(err_prefix(&e, "import: "), JM_EINPUT);
    assert_string_equal(e.msg, "import: reading a.csv: line 3: not a number");
    assert_int_equal(e.code, JM_EINPUT);
}

static void test_err_prefix_truncates_at_max(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    char full[ERR_MSG_MAX];
    memset(full, 'm', sizeof full - 1);
    full[sizeof full - 1] = '\0';
    err_set(&e, JM_EINPUT, "%s", full);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);

    /* The prefix goes in front; the end of the message is cut to stay within the buffer. */
    err_prefix(&e, "ctx: ");
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
    assert_memory_equal(e.msg, "ctx: mmm", 8);
    assert_int_equal(e.msg[ERR_MSG_MAX - 2], 'm');

    /* A prefix longer than the whole buffer leaves only (the start of) the prefix. */
    char huge[2 * ERR_MSG_MAX];
    memset(huge, 'p', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    err_clear(&e);
    err_set(&e, JM_EDB, "short");
    assert_int_equal(err_prefix(&e, "%s", huge), JM_EDB);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
    assert_null(strchr(e.msg, 's'));

    /* A prefix exactly filling the buffer but one byte. */
    char exact[ERR_MSG_MAX];
    memset(exact, 'q', sizeof exact - 1);
    exact[sizeof exact - 1] = '\0';
    err_clear(&e);
    err_set(&e, JM_EDB, "short");
    err_prefix(&e, "%s", exact);
    assert_string_equal(e.msg, exact);
}

static void test_err_exit_status_and_names(void **state)
{
    (void)state;
    assert_int_equal(err_exit_status(JM_OK), 0);
    assert_int_equal(err_exit_status(JM_EINPUT), 1);
    assert_int_equal(err_exit_status(JM_ENOTFOUND), 1);
    assert_int_equal(err_exit_status(JM_EEXISTS), 1);
    assert_int_equal(err_exit_status(JM_ELIMIT), 1);
    assert_int_equal(err_exit_status(JM_EDENIED), 1);
    assert_int_equal(err_exit_status(JM_EENV), 2);
    assert_int_equal(err_exit_status(JM_EDB), 2);
    assert_int_equal(err_exit_status(JM_EINTERNAL), 2);
    assert_int_equal(err_exit_status(JM_ENOTYET), 2);
    assert_int_equal(err_exit_status((enum jm_status)99), 2);

    assert_string_equal(err_code_name(JM_OK), "ok");
    assert_string_equal(err_code_name(JM_EINPUT), "invalid-input");
    assert_string_equal(err_code_name(JM_ENOTFOUND), "not-found");
    assert_string_equal(err_code_name(JM_ENOTYET), "not-yet-available");
    assert_string_equal(err_code_name((enum jm_status)99), "internal");
}

/* ---- buf --------------------------------------------------------------------------- */

static void test_buf_append_printf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    assert_true(buf_puts(&b, "id"));
    assert_true(buf_putc(&b, '='));
    assert_true(buf_printf(&b, "%d;%s;%.2f", 42, "vaduz", 1.5));
    assert_true(buf_append(&b, "xyz", 2));
    assert_true(buf_append(&b, NULL, 0));
    assert_string_equal(buf_str(&b), "id=42;vaduz;1.50xy");
    assert_int_equal(b.len, strlen("id=42;vaduz;1.50xy"));
    assert_false(b.overflow);

    /* Binary bytes, NUL included, are kept and the text stays NUL-terminated after them. */
    buf_reset(&b);
    assert_true(buf_append(&b, "a\0b", 3));
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);

    /* A printf longer than the first allocation. */
    buf_reset(&b);
    char long_text[1000];
    memset(long_text, 'L', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_true(buf_printf(&b, "<%s>", long_text));
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    assert_int_equal(b.data[1001], '\0');
    buf_cleanup(&b);
    buf_cleanup(NULL);
}

static void test_buf_grows(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 100000; i++)
        assert_true(buf_putc(&b, (char)('a' + i % 26)));
    assert_int_equal(b.len, 100000);
    for (int i = 0; i < 100000; i += 997)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(b.data[100000], '\0');
    buf_cleanup(&b);
}

static void test_buf_reserve_commit(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "say ");
    char *dst = buf_reserve(&b, 5);
    assert_non_null(dst);
    memcpy(dst, "hello", 5);
    buf_commit(&b, 5);
    assert_string_equal(buf_str(&b), "say hello");
    /* Reserving more than is committed keeps only what is committed. */
    dst = buf_reserve(&b, 100);
    assert_non_null(dst);
    dst[0] = '!';
    buf_commit(&b, 1);
    assert_string_equal(buf_str(&b), "say hello!");
    assert_int_equal(b.len, 10);
    buf_cleanup(&b);
}

static void test_buf_cap_overflow_keeps_content(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_true(buf_puts(&b, "12345"));
    assert_false(buf_puts(&b, "6789")); /* 9 > 8 */
    assert_true(b.overflow);
    assert_string_equal(buf_str(&b), "12345");
    assert_int_equal(b.len, 5);

    buf_reset(&b);
    assert_false(b.overflow);
    assert_string_equal(buf_str(&b), "");
    assert_true(buf_puts(&b, "12345678")); /* exactly the cap */
    assert_int_equal(b.len, 8);
    assert_false(buf_putc(&b, '9'));
    assert_true(b.overflow);
    assert_string_equal(buf_str(&b), "12345678");

    buf_reset(&b);
    assert_false(buf_printf(&b, "%d", 123456789));
    assert_true(b.overflow);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);

    buf_reset(&b);
    assert_null(buf_reserve(&b, 9));
    assert_true(b.overflow);
    buf_reset(&b);
    assert_null(buf_reserve(&b, SIZE_MAX));
    assert_true(b.overflow);
    buf_cleanup(&b);
}

static void test_buf_take(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    size_t len = 99;
    buf_puts(&b, "feature 7");
    char *text = buf_take(&b, &len);
    assert_string_equal(text, "feature 7");
    assert_int_equal(len, 9);
    /* The buf is empty and usable again, independent of the taken bytes. */
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    assert_true(buf_puts(&b, "next"));
    assert_string_equal(buf_str(&b), "next");
    assert_string_equal(text, "feature 7");
    free(text);

    char *again = buf_take(&b, NULL);
    assert_string_equal(again, "next");
    free(again);
    buf_cleanup(&b);
}

static void test_buf_take_before_any_append(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    size_t len = 99;
    char *empty = buf_take(&b, &len); /* buf.h: "an empty string when nothing was written" */
    assert_non_null(empty);
    /* Only the first byte is read (a string compare could run past the allocation), and
     * the memory is freed before the check so that a failure leaks nothing. */
    char first = empty[0];
    free(empty);
    assert_int_equal(len, 0);
    /* regression: buf_take before any append returned uninitialised bytes, not "" */
    assert_int_equal(first, '\0');

    /* Same after a take has emptied the buf. */
    buf_puts(&b, "x");
    free(buf_take(&b, NULL));
    empty = buf_take(&b, &len);
    assert_non_null(empty);
    first = empty[0];
    free(empty);
    assert_int_equal(len, 0);
    /* regression: the same after a take had emptied the buf */
    assert_int_equal(first, '\0');
    buf_cleanup(&b);
}

/* ---- arena ------------------------------------------------------------------------- */

static void test_arena_alignment(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    static const size_t sizes[] = {0, 1, 3, 7, 8, 13, 16, 17, 31, 100, 255, 1000, 4000, 5000};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            unsigned char *p = arena_alloc(&a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
            memset(p, 0xAB, sizes[i]);
        }
    }
    long double *ld = arena_alloc(&a, sizeof *ld);
    assert_int_equal((uintptr_t)ld % alignof(long double), 0);
    *ld = 1.0L;
    arena_cleanup(&a);
}

static void test_arena_allocations_do_not_overlap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    enum { N = 3000 };
    unsigned char *ptrs[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 97) + 1;
        ptrs[i] = arena_alloc(&a, n);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], i & 0xFF, n);
    }
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 97) + 1;
        for (size_t k = 0; k < n; k++)
            assert_int_equal(ptrs[i][k], i & 0xFF);
    }
    arena_cleanup(&a);
}

static void test_arena_large_allocation(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    char *small = arena_strdup(&a, "before");
    size_t big_n = 3u << 20; /* bigger than any regular block */
    unsigned char *big = arena_alloc(&a, big_n);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % alignof(max_align_t), 0);
    memset(big, 0x5A, big_n);
    char *after = arena_strdup(&a, "after");
    assert_string_equal(small, "before");
    assert_string_equal(after, "after");
    assert_int_equal(big[0], 0x5A);
    assert_int_equal(big[big_n - 1], 0x5A);
    assert_true(a.used >= big_n);

    /* Absurd sizes fail instead of wrapping around. */
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX / 2 + 1));
    assert_null(arena_calloc(&a, SIZE_MAX / 2, 4));
    arena_cleanup(&a);
}

static void test_arena_cap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    assert_null(arena_alloc(&a, 2000));
    assert_non_null(arena_alloc(&a, 1024));
    assert_null(arena_alloc(&a, 1));
    assert_null(arena_strdup(&a, "x"));
    assert_null(arena_printf(&a, "%d", 5));
    arena_cleanup(&a);

    /* After cleanup and init the arena is fresh and the cap counts from zero again. */
    arena_init(&a, 1024);
    assert_non_null(arena_alloc(&a, 512));
    assert_non_null(arena_alloc(&a, 256));
    assert_null(arena_alloc(&a, 512));
    arena_cleanup(&a);
}

static void test_arena_strings(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    assert_string_equal(arena_strdup(&a, "vaduz"), "vaduz");
    assert_string_equal(arena_strndup(&a, "schaan", 3), "sch");
    assert_string_equal(arena_printf(&a, "%s/%d", "tiles", 14), "tiles/14");
    char long_text[3000];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    char *copy = arena_printf(&a, "[%s]", long_text);
    assert_int_equal(strlen(copy), 3001);
    int *zeros = arena_calloc(&a, 100, sizeof *zeros);
    assert_non_null(zeros);
    for (int i = 0; i < 100; i++)
        assert_int_equal(zeros[i], 0);
    arena_cleanup(&a);
}

struct hook_log {
    int order[8];
    int count;
};

struct hook_arg {
    struct hook_log *log;
    int id;
};

static void record_hook(void *p)
{
    struct hook_arg *arg = p;
    arg->log->order[arg->log->count++] = arg->id;
}

static void test_arena_cleanup_hooks_reverse_order(void **state)
{
    (void)state;
    struct hook_log log = {.count = 0};
    struct hook_arg args[4] = {{&log, 1}, {&log, 2}, {&log, 3}, {&log, 4}};
    struct arena a;
    arena_init(&a, 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(arena_on_cleanup(&a, record_hook, &args[i]), 0);
        assert_non_null(arena_alloc(&a, 2000)); /* hooks spread over several blocks */
    }
    assert_int_equal(log.count, 0);
    arena_cleanup(&a);
    assert_int_equal(log.count, 4);
    assert_int_equal(log.order[0], 4);
    assert_int_equal(log.order[1], 3);
    assert_int_equal(log.order[2], 2);
    assert_int_equal(log.order[3], 1);

    /* A second cleanup runs nothing twice. */
    arena_cleanup(&a);
    assert_int_equal(log.count, 4);
    arena_cleanup(NULL);
}

static void test_arena_hook_when_cap_refuses(void **state)
{
    (void)state;
    struct hook_log log = {.count = 0};
    struct hook_arg arg = {&log, 9};
    struct arena a;
    arena_init(&a, 64);
    assert_non_null(arena_alloc(&a, 64));
    /* No room for the hook: it runs at once so the resource does not leak. */
    assert_int_equal(arena_on_cleanup(&a, record_hook, &arg), -1);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.order[0], 9);
    arena_cleanup(&a);
    assert_int_equal(log.count, 1);
}

/* ---- parse ------------------------------------------------------------------------- */

static void test_parse_long(void **state)
{
    (void)state;
    long v = 0;
    assert_true(parse_long("42", 0, 100, &v));
    assert_int_equal(v, 42);
    assert_true(parse_long("-7", -10, 10, &v));
    assert_int_equal(v, -7);
    assert_true(parse_long("0", 0, 0, &v));
    assert_int_equal(v, 0);

    assert_false(parse_long(" 1", 0, 100, &v));
    assert_false(parse_long("\t1", 0, 100, &v));
    assert_false(parse_long("1x", 0, 100, &v));
    assert_false(parse_long("1 ", 0, 100, &v));
    assert_false(parse_long("1.0", 0, 100, &v));
    assert_false(parse_long("0x10", 0, 100, &v));
    assert_false(parse_long("", 0, 100, &v));
    assert_false(parse_long("-", 0, 100, &v));
    assert_false(parse_long(NULL, 0, 100, &v));

    /* Range: both ends inclusive. */
    assert_true(parse_long("65535", 1, 65535, &v));
    assert_int_equal(v, 65535);
    assert_false(parse_long("65536", 1, 65535, &v));
    assert_true(parse_long("1", 1, 65535, &v));
    assert_false(parse_long("0", 1, 65535, &v));

    /* The extremes of long, and one past them. */
    char text[32];
    snprintf(text, sizeof text, "%ld", LONG_MAX);
    assert_true(parse_long(text, LONG_MIN, LONG_MAX, &v));
    assert_true(v == LONG_MAX);
    snprintf(text, sizeof text, "%ld", LONG_MIN);
    assert_true(parse_long(text, LONG_MIN, LONG_MAX, &v));
    assert_true(v == LONG_MIN);
    /* LONG_MAX ends in 7 and LONG_MIN in 8 (two's complement, 32 or 64 bits). */
    v = 5;
    snprintf(text, sizeof text, "%ld", LONG_MAX);
    text[strlen(text) - 1]++;
    assert_false(parse_long(text, LONG_MIN, LONG_MAX, &v));
    snprintf(text, sizeof text, "%ld", LONG_MIN);
    text[strlen(text) - 1]++;
    assert_false(parse_long(text, LONG_MIN, LONG_MAX, &v));
    assert_false(parse_long("99999999999999999999999", LONG_MIN, LONG_MAX, &v));
    assert_int_equal(v, 5); /* untouched on failure */
}

static void test_parse_double(void **state)
{
    (void)state;
    double d = 0;
    assert_true(parse_double("1.5", &d));
    assert_true(d == 1.5);
    assert_true(parse_double("1e3", &d));
    assert_true(d == 1000.0);
    assert_true(parse_double("-0.25", &d));
    assert_true(d == -0.25);
    assert_true(parse_double("47.14", &d));
    assert_true(d == 47.14);
    assert_true(parse_double("7", &d));
    assert_true(d == 7.0);

    d = 3;
    assert_false(parse_double("1,5", &d));
    assert_false(parse_double("nan", &d));
    assert_false(parse_double("NaN", &d));
    assert_false(parse_double("inf", &d));
    assert_false(parse_double("-infinity", &d));
    assert_false(parse_double("1e999", &d));
    assert_false(parse_double(" 1", &d));
    assert_false(parse_double("1 ", &d));
    assert_false(parse_double("1.5x", &d));
    assert_false(parse_double("", &d));
    assert_false(parse_double(".", &d));
    assert_false(parse_double(NULL, &d));
    assert_true(d == 3);
}


/* parse.h: "parse_double accepts '.' as decimal separator only" — whatever LC_NUMERIC a
 * library may have set. Skipped when no comma locale is installed. */
static void test_parse_double_comma_locale(void **state)
{
    (void)state;
    const char *name = test_set_comma_locale();
    if (!name)
        skip();
    double d = 0;
    assert_false(parse_double("1,5", &d));
    /* regression: parse_double followed LC_NUMERIC and refused "1.5" under a comma locale */
    assert_true(parse_double("1.5", &d));
    assert_true(d == 1.5);
}

/* ---- config ------------------------------------------------------------------------ */

/* The environment config_resolve sees in a test, ended by {NULL, NULL}. The getenv hook
 * takes no context argument, hence this file-level pointer (tests only). */
struct env_var {
    const char *name, *value;
};

static const struct env_var *test_env;

static const char *table_getenv(const char *name)
{
    for (const struct env_var *v = test_env; v && v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v->value;
    return NULL;
}

static enum jm_status resolve(struct config *c, const struct config_flags *flags, const struct env_var *env,
                              struct err *e)
{
    test_env = env;
    err_clear(e);
    return config_resolve(c, flags, table_getenv, e);
}

static const char *cwd_path(char *out, size_t size, const char *rel)
{
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(out, size, "%s/%s", cwd, rel);
    return out;
}

static void test_config_defaults(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    char expect[PATH_MAX + 64];
    static const struct env_var empty[] = {{NULL, NULL}};
    assert_int_equal(resolve(&c, NULL, empty, &e), JM_OK);
    assert_string_equal(c.db_url, "");
    assert_string_equal(c.home, cwd_path(expect, sizeof expect, ".jumeau"));
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_in_range(c.threads, 2, 64);
    assert_int_equal(c.log_level, LOG_WARN);

    /* Empty variables count as unset. */
    static const struct env_var blank[] = {
        {"JUMEAU_THREADS", ""}, {"JUMEAU_LISTEN", ""}, {"JUMEAU_LOG", ""}, {NULL, NULL}};
    assert_int_equal(resolve(&c, NULL, blank, &e), JM_OK);
    assert_int_equal(c.listen_port, 8080);
    assert_in_range(c.threads, 2, 64);
    assert_int_equal(c.log_level, LOG_WARN);
}

static void test_config_env_beats_defaults(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    static const struct env_var env[] = {
        {"JUMEAU_DB", "postgresql://env@db/jumeau"},
        {"JUMEAU_HOME", "/srv/jumeau"},
        {"JUMEAU_LISTEN", "0.0.0.0:9000"},
        {"JUMEAU_THREADS", "8"},
        {"JUMEAU_LOG", "debug"},
        {NULL, NULL},
    };
    assert_int_equal(resolve(&c, NULL, env, &e), JM_OK);
    assert_string_equal(c.db_url, "postgresql://env@db/jumeau");
    assert_string_equal(c.home, "/srv/jumeau");
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.log_level, LOG_DEBUG);
}

static void test_config_flags_beat_env(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    static const struct env_var env[] = {
        {"JUMEAU_DB", "postgresql://env@db/jumeau"},
        {"JUMEAU_HOME", "/srv/jumeau"},
        {"JUMEAU_LISTEN", "0.0.0.0:9000"},
        {"JUMEAU_THREADS", "8"},
        {"JUMEAU_LOG", "debug"},
        {NULL, NULL},
    };
    struct config_flags flags = {
        .db_url = "postgresql://flag@db/other",
        .home = "/flag/home",
        .listen = "[::1]:7000",
        .threads = "3",
        .verbosity = -1,
    };
    assert_int_equal(resolve(&c, &flags, env, &e), JM_OK);
    assert_string_equal(c.db_url, "postgresql://flag@db/other");
    assert_string_equal(c.home, "/flag/home");
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 7000);
    assert_int_equal(c.threads, 3);
    assert_int_equal(c.log_level, LOG_ERROR);
}

static void test_config_verbosity(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    static const struct env_var empty[] = {{NULL, NULL}};
    static const struct {
        int verbosity;
        enum log_level level;
    } cases[] = {
        {-3, LOG_ERROR}, {-1, LOG_ERROR}, {0, LOG_WARN}, {1, LOG_INFO}, {2, LOG_DEBUG}, {5, LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct config_flags flags = {.verbosity = cases[i].verbosity};
        assert_int_equal(resolve(&c, &flags, empty, &e), JM_OK);
        assert_int_equal(c.log_level, cases[i].level);
    }
    static const struct env_var info[] = {{"JUMEAU_LOG", "info"}, {NULL, NULL}};
    assert_int_equal(resolve(&c, NULL, info, &e), JM_OK);
    assert_int_equal(c.log_level, LOG_INFO);
    static const struct env_var error[] = {{"JUMEAU_LOG", "error"}, {NULL, NULL}};
    assert_int_equal(resolve(&c, NULL, error, &e), JM_OK);
    assert_int_equal(c.log_level, LOG_ERROR);
}

static void check_home(const char *given, const char *expect)
{
    struct config c;
    struct err e;
    static const struct env_var empty[] = {{NULL, NULL}};
    struct config_flags flags = {.home = given};
    assert_int_equal(resolve(&c, &flags, empty, &e), JM_OK);
    assert_string_equal(c.home, expect);
}

static void test_config_home_paths(void **state)
{
    (void)state;
    char expect[PATH_MAX + 64];
    check_home("data/city", cwd_path(expect, sizeof expect, "data/city"));
    check_home("./x", cwd_path(expect, sizeof expect, "x"));
    check_home("x/", cwd_path(expect, sizeof expect, "x"));
    check_home("/srv/jumeau/", "/srv/jumeau");
    check_home("/srv/jumeau///", "/srv/jumeau");
    check_home("/", "/");

    /* From the environment too. */
    struct config c;
    struct err e;
    static const struct env_var env[] = {{"JUMEAU_HOME", "./rel/home/"}, {NULL, NULL}};
    assert_int_equal(resolve(&c, NULL, env, &e), JM_OK);
    assert_string_equal(c.home, cwd_path(expect, sizeof expect, "rel/home"));
    assert_int_equal(c.home[0], '/');
}

/* A resolve that must fail with JM_EINPUT and a message holding both `what` and `value`. */
static void check_config_error(const struct config_flags *flags, const struct env_var *env, const char *what,
                               const char *value)
{
    struct config c;
    struct err e;
    assert_int_equal(resolve(&c, flags, env, &e), JM_EINPUT);
    assert_int_equal(e.code, JM_EINPUT);
    if (!strstr(e.msg, what) || !strstr(e.msg, value))
        fail_msg("message '%s' should name '%s' and '%s'", e.msg, what, value);
}

static void test_config_errors_name_the_source(void **state)
{
    (void)state;
    static const struct env_var empty[] = {{NULL, NULL}};
    static const struct env_var threads_word[] = {{"JUMEAU_THREADS", "many"}, {NULL, NULL}};
    static const struct env_var threads_zero[] = {{"JUMEAU_THREADS", "0"}, {NULL, NULL}};
    static const struct env_var threads_big[] = {{"JUMEAU_THREADS", "257"}, {NULL, NULL}};
    static const struct env_var listen_env[] = {{"JUMEAU_LISTEN", "localhost"}, {NULL, NULL}};
    static const struct env_var port_env[] = {{"JUMEAU_LISTEN", "localhost:0"}, {NULL, NULL}};
    static const struct env_var log_env[] = {{"JUMEAU_LOG", "verbose"}, {NULL, NULL}};
    check_config_error(NULL, threads_word, "JUMEAU_THREADS", "many");
    check_config_error(NULL, threads_zero, "JUMEAU_THREADS", "'0'");
    check_config_error(NULL, threads_big, "JUMEAU_THREADS", "257");
    check_config_error(NULL, listen_env, "JUMEAU_LISTEN", "localhost");
    check_config_error(NULL, port_env, "JUMEAU_LISTEN", "'0'");
    check_config_error(NULL, log_env, "JUMEAU_LOG", "verbose");

    struct config_flags bad_port = {.listen = "127.0.0.1:99999"};
    check_config_error(&bad_port, empty, "--listen", "99999");
    struct config_flags bad_threads = {.threads = "2x"};
    check_config_error(&bad_threads, threads_word, "--threads", "2x");

    /* A good flag hides a bad variable. */
    struct config c;
    struct err e;
    struct config_flags good_threads = {.threads = "4"};
    assert_int_equal(resolve(&c, &good_threads, threads_word, &e), JM_OK);
    assert_int_equal(c.threads, 4);
}

static void test_config_parse_listen(void **state)
{
    (void)state;
    char host[64];
    int port = 0;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_parse_listen("[::1]:8080", "--listen", host, sizeof host, &port, &e), JM_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 8080);
    assert_int_equal(config_parse_listen("[2001:db8::7]:443", "--listen", host, sizeof host, &port, &e), JM_OK);
    assert_string_equal(host, "2001:db8::7");
    assert_int_equal(port, 443);
    assert_int_equal(config_parse_listen("localhost:65535", "--listen", host, sizeof host, &port, &e), JM_OK);
    assert_string_equal(host, "localhost");
    assert_int_equal(port, 65535);

    static const char *const bad[] = {
        "8080", ":8080", "[::1]", "[]:80", "[::1:80", "host:", "host:0", "host:65536", "host:80x", "host: 80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err_clear(&e);
        if (config_parse_listen(bad[i], "JUMEAU_LISTEN", host, sizeof host, &port, &e) != JM_EINPUT)
            fail_msg("'%s' should be refused", bad[i]);
        assert_non_null(strstr(e.msg, "JUMEAU_LISTEN"));
    }

    /* A host that does not fit is refused, not truncated. */
    char tiny[4];
    err_clear(&e);
    assert_int_equal(config_parse_listen("abcd:80", "--listen", tiny, sizeof tiny, &port, &e), JM_EINPUT);
    err_clear(&e);
    assert_int_equal(config_parse_listen("abc:80", "--listen", tiny, sizeof tiny, &port, &e), JM_OK);
    assert_string_equal(tiny, "abc");
}

static void check_redact(const char *url, const char *expect)
{
    char out[256];
    config_redact_url(url, out, sizeof out);
    assert_string_equal(out, expect);
    assert_null(strstr(out, "secret"));
}

static void test_config_redact_url(void **state)
{
    (void)state;
    check_redact("postgresql://u:secret@h/db", "postgresql://u:***@h/db");
    check_redact("postgresql://u:secret@h:5432/db?sslmode=require", "postgresql://u:***@h:5432/db?sslmode=require");
    check_redact("host=x password=secret dbname=y", "host=x password=*** dbname=y");
    check_redact("postgresql://u@h/db?password=secret&sslmode=require",
                 "postgresql://u@h/db?password=***&sslmode=require");
    check_redact("postgresql://u@h/db", "postgresql://u@h/db");
    check_redact("postgresql://h:5432/db", "postgresql://h:5432/db");
    check_redact("dbname=y", "dbname=y");

    /* A small output buffer truncates without overflowing or leaking. */
    char small[20];
    config_redact_url("postgresql://u:secret@h/db", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_null(strstr(small, "secret"));
}

static void test_config_redact_url_spaced_password(void **state)
{
    (void)state;
    char out[256];
    /* regression: libpq accepts spaces around '=' and quoted values; both leaked */
    config_redact_url("host=x password = secret dbname=y", out, sizeof out);
    assert_null(strstr(out, "secret"));
    assert_non_null(strstr(out, "dbname=y"));
    config_redact_url("host=x password='my \\'secret' dbname=y", out, sizeof out);
    assert_null(strstr(out, "secret"));
    assert_string_equal(out, "host=x password=*** dbname=y");
    config_redact_url("postgresql://h/db?user=u&password=secret&sslmode=off", out, sizeof out);
    assert_string_equal(out, "postgresql://h/db?user=u&password=***&sslmode=off");
    /* a longer keyword that ends in "password" is not a password */
    config_redact_url("host=x mypassword=visible", out, sizeof out);
    assert_non_null(strstr(out, "visible"));
}

/* ---- sha256 ------------------------------------------------------------------------ */

static void sha_of(const void *data, size_t n, char hex[65])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final_hex(&s, hex);
}

static void test_sha256_fips_vectors(void **state)
{
    (void)state;
    char hex[65];
    sha_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_of(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* One million 'a', in one update and in uneven pieces. */
    size_t million = 1000000;
    char *a = malloc(million);
    assert_non_null(a);
    memset(a, 'a', million);
    sha_of(a, million, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    struct sha256 s;
    sha256_init(&s);
    for (size_t done = 0, step = 1; done < million; step = step % 131 + 7) {
        size_t n = million - done < step ? million - done : step;
        sha256_update(&s, a + done, n);
        done += n;
    }
    sha256_final_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_sha256_padding_boundaries(void **state)
{
    (void)state;
    /* Lengths around the 56- and 64-byte edges of the padding. */
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char hex[65];
        sha_of(a, cases[i].n, hex);
        assert_string_equal(hex, cases[i].hex);
    }
}

static void test_sha256_file(void **state)
{
    (void)state;
    const char *tmpdir = getenv("TMPDIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/jumeau-sha256-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    /* 76,800 bytes: more than one read chunk of sha256_file_hex. */
    unsigned char block[256];
    for (int i = 0; i < 256; i++)
        block[i] = (unsigned char)i;
    for (int i = 0; i < 300; i++)
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    assert_int_equal(fclose(f), 0);

    char hex[65];
    struct err e;
    err_clear(&e);
    enum jm_status rc = sha256_file_hex(path, hex, &e);
    unlink(path);
    assert_int_equal(rc, JM_OK);
    assert_string_equal(hex, "f8b0585eb91f58c007a5634362c9f90d8543822c113f702523bc7b73408a9392");

    const char *missing = "/nonexistent-jumeau-dir/parcels.zip";
    err_clear(&e);
    assert_int_equal(sha256_file_hex(missing, hex, &e), JM_EINPUT);
    assert_int_equal(e.code, JM_EINPUT);
    assert_non_null(strstr(e.msg, missing));

    /* A folder: it may open, but it cannot be read. */
    const char *folder = tmpdir && *tmpdir ? tmpdir : "/tmp";
    err_clear(&e);
    assert_int_equal(sha256_file_hex(folder, hex, &e), JM_EINPUT);
    assert_non_null(strstr(e.msg, folder));
}

/* ---- utf8 -------------------------------------------------------------------------- */

static void check_utf8_valid(const char *bytes, size_t len, uint32_t expect)
{
    uint32_t cp = 0xFFFFFFFF;
    assert_int_equal(utf8_decode((const unsigned char *)bytes, len, &cp), len);
    assert_int_equal(cp, expect);
    /* Trailing bytes after the sequence are not part of it. */
    char more[8];
    memcpy(more, bytes, len);
    more[len] = 'z';
    assert_int_equal(utf8_decode((const unsigned char *)more, len + 1, &cp), len);
    assert_int_equal(cp, expect);
}

static void check_utf8_invalid(const char *bytes, size_t n)
{
    uint32_t cp;
    if (utf8_decode((const unsigned char *)bytes, n, &cp) != 0)
        fail_msg("sequence starting 0x%02X (%zu bytes) should be refused", (unsigned char)bytes[0], n);
}

static void test_utf8_decode_valid(void **state)
{
    (void)state;
    check_utf8_valid("A", 1, 0x41);
    check_utf8_valid("\0", 1, 0);
    check_utf8_valid("\x7F", 1, 0x7F);
    check_utf8_valid("\xC2\x80", 2, 0x80);
    check_utf8_valid("\xC3\xA9", 2, 0xE9); /* é */
    check_utf8_valid("\xDF\xBF", 2, 0x7FF);
    check_utf8_valid("\xE0\xA0\x80", 3, 0x800);
    check_utf8_valid("\xE2\x82\xAC", 3, 0x20AC); /* € */
    check_utf8_valid("\xED\x9F\xBF", 3, 0xD7FF);
    check_utf8_valid("\xEE\x80\x80", 3, 0xE000);
    check_utf8_valid("\xEF\xBF\xBF", 3, 0xFFFF);
    check_utf8_valid("\xF0\x90\x80\x80", 4, 0x10000);
    check_utf8_valid("\xF0\x9F\x98\x80", 4, 0x1F600); /* 😀 */
    check_utf8_valid("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
}

static void test_utf8_decode_invalid(void **state)
{
    (void)state;
    check_utf8_invalid("", 0);
    check_utf8_invalid("\xC0\x80", 2);         /* overlong NUL */
    check_utf8_invalid("\xC1\xBF", 2);         /* overlong U+007F */
    check_utf8_invalid("\xE0\x80\x80", 3);     /* overlong NUL */
    check_utf8_invalid("\xE0\x9F\xBF", 3);     /* overlong U+07FF */
    check_utf8_invalid("\xF0\x80\x80\x80", 4); /* overlong NUL */
    check_utf8_invalid("\xF0\x8F\xBF\xBF", 4); /* overlong U+FFFF */
    check_utf8_invalid("\xED\xA0\x80", 3);     /* surrogate U+D800 */
    check_utf8_invalid("\xED\xBF\xBF", 3);     /* surrogate U+DFFF */
    check_utf8_invalid("\xF4\x90\x80\x80", 4); /* U+110000 */
    check_utf8_invalid("\xF5\x80\x80\x80", 4);
    check_utf8_invalid("\xF8\x88\x80\x80\x80", 5);
    check_utf8_invalid("\xFE", 1);
    check_utf8_invalid("\xFF", 1);
    /* lone continuation bytes */
    check_utf8_invalid("\x80", 1);
    check_utf8_invalid("\xBF", 1);
    check_utf8_invalid("\x80\x80", 2);
    /* truncated: by the end of the input, or by a byte that does not continue */
    check_utf8_invalid("\xC3", 1);
    check_utf8_invalid("\xC3\xA9", 1);
    check_utf8_invalid("\xE2\x82", 2);
    check_utf8_invalid("\xE2\x82\xAC", 2);
    check_utf8_invalid("\xF0\x9F\x98", 3);
    check_utf8_invalid("\xC3\x41", 2);
    check_utf8_invalid("\xE2\x28\xA1", 3);
    check_utf8_invalid("\xE2\x82\x28", 3);
    check_utf8_invalid("\xF0\x9F\x98\x41", 4);
    check_utf8_invalid("\xC3\xC3\xA9", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_set_keeps_first_error),
        cmocka_unit_test(test_err_set_truncates_long_message),
        cmocka_unit_test(test_err_prefix),
        cmocka_unit_test(test_err_prefix_truncates_at_max),
        cmocka_unit_test(test_err_exit_status_and_names),
        cmocka_unit_test(test_buf_append_printf),
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_buf_reserve_commit),
        cmocka_unit_test(test_buf_cap_overflow_keeps_content),
        cmocka_unit_test(test_buf_take),
        cmocka_unit_test(test_buf_take_before_any_append),
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_allocations_do_not_overlap),
        cmocka_unit_test(test_arena_large_allocation),
        cmocka_unit_test(test_arena_cap),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_cleanup_hooks_reverse_order),
        cmocka_unit_test(test_arena_hook_when_cap_refuses),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test_teardown(test_parse_double_comma_locale, test_restore_c_locale),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_env_beats_defaults),
        cmocka_unit_test(test_config_flags_beat_env),
        cmocka_unit_test(test_config_verbosity),
        cmocka_unit_test(test_config_home_paths),
        cmocka_unit_test(test_config_errors_name_the_source),
        cmocka_unit_test(test_config_parse_listen),
        cmocka_unit_test(test_config_redact_url),
        cmocka_unit_test(test_config_redact_url_spaced_password),
        cmocka_unit_test(test_sha256_fips_vectors),
        cmocka_unit_test(test_sha256_padding_boundaries),
        cmocka_unit_test(test_sha256_file),
        cmocka_unit_test(test_utf8_decode_valid),
        cmocka_unit_test(test_utf8_decode_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
