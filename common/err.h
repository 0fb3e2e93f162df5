/* err: the one error type of jumeau.
 *
 * A function that can fail returns an `enum jm_status` and, when given a non-NULL
 * `struct err *`, fills it with a code and a message that names the input (file, line,
 * feature, parameter). The first error is kept: later err_set() calls on an error that
 * is already set do nothing, so the innermost, most precise cause survives.
 * Only the edges (cli/ for exit statuses, server/ for HTTP statuses) translate codes.
 *
 * Thread-safety: a struct err belongs to one thread; the functions keep no state. */
#ifndef JUMEAU_ERR_H
#define JUMEAU_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum jm_status {
    JM_OK = 0,
    /* The caller's input is wrong: bad file, option, filter, name. Exit status 1, HTTP 4xx. */
    JM_EINPUT,
    JM_ENOTFOUND, /* a named thing does not exist: dataset, collection, file. Exit 1, HTTP 404. */
    JM_EEXISTS,   /* it exists already and the caller did not ask to replace it. Exit 1, HTTP 409. */
    JM_ELIMIT,    /* a cap was exceeded (size, count, depth). Exit 1, HTTP 413/400. */
    JM_EDENIED,   /* the caller may not see or do this. Exit 1, HTTP 403 (404 where existence is secret). */
    JM_EAUTH,     /* the caller's credentials are wrong (unknown or revoked key). Exit 1, HTTP 401. */
    /* The environment is wrong: database down, disk full, port in use. Exit 2, HTTP 503/500. */
    JM_EENV,
    JM_EDB,       /* the database failed or is unreachable. Exit 2, HTTP 503. */
    JM_EINTERNAL, /* a bug or an allocation failure. Exit 2, HTTP 500. */
    JM_ENOTYET,   /* the capability is not built yet. Exit 2, HTTP 501. */
};

#define ERR_MSG_MAX 1024

struct err {
    enum jm_status code;
    char msg[ERR_MSG_MAX];
};

/* Resets `e` to "no error". Accepts NULL. */
void err_clear(struct err *e);

/* Records `code` and a printf-style message in `e` unless `e` already holds an error
 * (first error kept). Returns `code`, so that `return err_set(e, JM_EINPUT, "...")` reads
 * well. Accepts e == NULL (then only returns code). The message is truncated to fit. */
enum jm_status err_set(struct err *e, enum jm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum jm_status err_setv(struct err *e, enum jm_status code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepends context ("reading FILE: ") to the message already in `e`; does nothing when
 * `e` is NULL or holds no error. Returns e->code (JM_OK when none). */
enum jm_status err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A short stable name of a code ("input", "not-found", …) for logs and JSON bodies. */
const char *err_code_name(enum jm_status code);

/* The process exit status for a code: 0 for JM_OK, 1 for the caller's mistakes, 2 for the
 * environment, internal errors and unbuilt capabilities (see ARCHITECTURE.md). */
int err_exit_status(enum jm_status code);

#endif
