#include "err.h"

#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
    if (!e)
        return;
    e->code = JM_OK;
    e->msg[0] = '\0';
}

enum jm_status err_setv(struct err *e, enum jm_status code, const char *fmt, va_list ap)
{
    if (!e || e->code != JM_OK)
        return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

enum jm_status err_set(struct err *e, enum jm_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}

enum jm_status err_prefix(struct err *e, const char *fmt, ...)
{
    if (!e || e->code == JM_OK)
        return e ? e->code : JM_OK;
    char prefix[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* shift the message right by the prefix, truncating its end if it no longer fits */
    size_t plen = strlen(prefix), mlen = strlen(e->msg);
    if (plen >= sizeof e->msg)
        plen = sizeof e->msg - 1;
    if (plen + mlen >= sizeof e->msg)
        mlen = sizeof e->msg - 1 - plen;
    memmove(e->msg + plen, e->msg, mlen);
    memcpy(e->msg, prefix, plen);
    e->msg[plen + mlen] = '\0';
    return e->code;
}

static const struct {
    const char *name;
    int exit_status;
} code_table[] = {
    [JM_OK] = {"ok", 0},
    [JM_EINPUT] = {"invalid-input", 1},
    [JM_ENOTFOUND] = {"not-found", 1},
    [JM_EEXISTS] = {"exists", 1},
    [JM_ELIMIT] = {"limit-exceeded", 1},
    [JM_EDENIED] = {"denied", 1},
    [JM_EAUTH] = {"unauthorized", 1},
    [JM_EENV] = {"environment", 2},
    [JM_EDB] = {"database", 2},
    [JM_EINTERNAL] = {"internal", 2},
    [JM_ENOTYET] = {"not-yet-available", 2},
};

const char *err_code_name(enum jm_status code)
{
    if ((size_t)code >= sizeof code_table / sizeof code_table[0])
        return "internal";
    return code_table[code].name;
}

int err_exit_status(enum jm_status code)
{
    if ((size_t)code >= sizeof code_table / sizeof code_table[0])
        return 2;
    return code_table[code].exit_status;
}
