#include "db_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

enum jm_status db_pool_init(struct db_pool *p, const char *conninfo, int size, const struct db_statement *statements,
                            size_t nstatements, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->statements = statements;
    p->nstatements = nstatements;
    if ((size_t)snprintf(p->conninfo, sizeof p->conninfo, "%s", conninfo) >= sizeof p->conninfo)
        return err_set(e, JM_EINPUT, "database connection string too long");
    p->slots = calloc((size_t)size, sizeof *p->slots);
    if (!p->slots)
        return err_set(e, JM_EINTERNAL, "out of memory");
    p->size = size;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    return JM_OK;
}

void db_pool_cleanup(struct db_pool *p)
{
    if (!p->slots)
        return;
    for (int i = 0; i < p->size; i++)
        PQfinish(p->slots[i].conn);
    free(p->slots);
    p->slots = NULL;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
}

PGconn *db_pool_checkout(struct db_pool *p, int timeout_ms, struct err *e)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    struct db_pool_slot *slot = NULL;
    while (!slot) {
        /* prefer a slot that is already connected */
        for (int i = 0; i < p->size && !slot; i++)
            if (!p->slots[i].busy && p->slots[i].conn)
                slot = &p->slots[i];
        for (int i = 0; i < p->size && !slot; i++)
            if (!p->slots[i].busy)
                slot = &p->slots[i];
        if (slot)
            break;
        if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->lock);
            err_set(e, JM_ELIMIT, "server busy: every database connection is in use");
            return NULL;
        }
    }
    slot->busy = true;
    PGconn *conn = slot->conn;
    pthread_mutex_unlock(&p->lock);

    /* connecting happens outside the lock: it can take up to connect_timeout */
    if (conn && PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = NULL;
    }
    if (!conn) {
        struct err ce;
        err_clear(&ce);
        conn = db_connect(p->conninfo, &ce);
        if (!conn) {
            log_warn("database unavailable: %s", ce.msg);
            err_set(e, JM_EDB, "the database is unavailable");
        } else {
            /* a request that runs away is stopped by the database itself (413 to the client) */
            PQclear(PQexec(conn, "SET statement_timeout = '15s'; SET idle_in_transaction_session_timeout = '60s'"));
            if (db_prepare_all(conn, p->statements, p->nstatements, &ce) != JM_OK) {
                log_warn("cannot prepare statements: %s", ce.msg);
                PQfinish(conn);
                conn = NULL;
                err_set(e, JM_EDB, "the database is unavailable");
            }
        }
    }
    pthread_mutex_lock(&p->lock);
    if (slot->conn != conn)
        slot->role[0] = '\0'; /* a new connection starts in its login role */
    slot->conn = conn;
    if (!conn) {
        slot->busy = false;
        pthread_cond_signal(&p->freed);
    }
    pthread_mutex_unlock(&p->lock);
    return conn;
}

void db_pool_checkin(struct db_pool *p, PGconn *conn, bool broken)
{
    if (!conn)
        return;
    if (!broken && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        /* a handler left a transaction open: never hand that state to the next request */
        PQclear(PQexec(conn, "ROLLBACK"));
        PQclear(PQexec(conn, "RESET ROLE"));
        db_pool_set_role(p, conn, "");
    }
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->size; i++) {
        if (p->slots[i].conn == conn) {
            if (broken || PQstatus(conn) != CONNECTION_OK) {
                PQfinish(conn);
                p->slots[i].conn = NULL;
            }
            p->slots[i].busy = false;
            break;
        }
    }
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

static struct db_pool_slot *slot_of(struct db_pool *p, PGconn *conn)
{
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].conn == conn)
            return &p->slots[i];
    return NULL;
}

const char *db_pool_role(struct db_pool *p, PGconn *conn)
{
    /* the slot is the caller's while checked out: no lock needed to read its role */
    struct db_pool_slot *s = slot_of(p, conn);
    return s ? s->role : "";
}

void db_pool_set_role(struct db_pool *p, PGconn *conn, const char *role)
{
    struct db_pool_slot *s = slot_of(p, conn);
    if (s)
        snprintf(s->role, sizeof s->role, "%s", role);
}

void db_pool_counts(struct db_pool *p, int *open, int *busy)
{
    *open = *busy = 0;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->size; i++) {
        *open += p->slots[i].conn != NULL;
        *busy += p->slots[i].busy;
    }
    pthread_mutex_unlock(&p->lock);
}
