/* cadastre: parcels with their national identifier (CaPaKey in Belgium, the Etalab id in
 * France, an INSPIRE national cadastral reference elsewhere), their area on the ellipsoid,
 * and their section and number, read from the source or derived from the identifier. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "imp_internal.h"
#include "imp_job.h"

static const struct imp__column columns[] = {
    {"national_id", "text"},
    {"area_m2", "double precision"}, /* computed after the load, on the ellipsoid */
    {"section", "text"},
    {"number", "text"},
};

static const char *const id_names[] = {"capakey", "capa_key", "ref_identifier", "national_id", "nationalcadastralreference",
                                       "national_cadastral_reference", "inspireid", "inspire_id", "idu", "id_parcelle",
                                       "geo_parcelle", "parcel_id", "parcelid", "perceel_id", "perceelid", NULL};
static const char *const section_names[] = {"section", "sectie", "sectioncode", "section_code", "secteur", NULL};
static const char *const number_names[] = {"numero", "number", "parcel_number", "parcelnumber", "perceelnummer",
                                           "perceelnr", "nummer", "num_parcelle", NULL};

struct cadastre {
    int id, section, number;
};

enum { ID_NONE, ID_CAPAKEY, ID_ETALAB };

/* CaPaKey: 5-digit division, section letter, 4-digit radical, '/', 2-digit exponent, bis
 * letter or '_', 3-digit power ("24514C0024/00C005"). */
static bool is_capakey(const char *s)
{
    if (strlen(s) != 17)
        return false;
    for (int i = 0; i < 17; i++) {
        char c = s[i];
        bool digit = isdigit((unsigned char)c);
        bool ok = (i < 5 || (i >= 6 && i < 10) || i == 11 || i == 12 || i >= 14) ? digit
                  : i == 5                                                     ? (c >= 'A' && c <= 'Z')
                  : i == 10                                                    ? c == '/'
                                                                               : ((c >= 'A' && c <= 'Z') || c == '_');
        if (!ok)
            return false;
    }
    return true;
}

/* Etalab (France): 5-character commune (INSEE, may hold 2A/2B), 3-digit prefix, 2-character
 * section, 4-digit number ("75101000AB0012"). */
static bool is_etalab(const char *s)
{
    if (strlen(s) != 14)
        return false;
    for (int i = 5; i < 8; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    for (int i = 10; i < 14; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return isalnum((unsigned char)s[8]) && isalnum((unsigned char)s[9]);
}

static enum jm_status prepare(struct imp__job *j, struct err *e)
{
    struct cadastre *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, JM_EINTERNAL, "out of memory");
    j->kind_state = c;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(j->src.layer);
    if (j->opt->id_column) {
        c->id = OGR_FD_GetFieldIndex(defn, j->opt->id_column);
        if (c->id < 0)
            return err_set(e, JM_EINPUT, "--id-column: %s has no column '%s'", j->opt->file, j->opt->id_column);
    } else {
        c->id = imp__field(j, id_names);
    }
    c->section = imp__field(j, section_names);
    c->number = imp__field(j, number_names);
    /* Etalab's files call their identifier plain "id": trusted only beside a section */
    if (c->id < 0 && c->section >= 0) {
        static const char *const plain_id[] = {"id", NULL};
        c->id = imp__field(j, plain_id);
    }
    if (c->id >= 0)
        imp__note(j, "national_id_column", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, c->id)));
    if (c->section >= 0)
        imp__note(j, "section_column", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, c->section)));
    if (c->number >= 0)
        imp__note(j, "number_column", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, c->number)));
    return JM_OK;
}

static bool put_text_or_null(struct buf *row, bool have, const char *v)
{
    return buf_putc(row, '\t') && (have ? imp__copy_text(row, v) : buf_puts(row, "\\N"));
}

static bool write_values(struct imp__job *j, OGRFeatureH f, struct buf *row)
{
    const struct cadastre *c = j->kind_state;
    char id[128], section[64], number[64];
    bool have_id = imp__value(j, f, c->id, NULL, id, sizeof id);
    bool have_section = imp__value(j, f, c->section, NULL, section, sizeof section);
    bool have_number = imp__value(j, f, c->number, NULL, number, sizeof number);
    /* derive section and number from an identifier whose structure is known */
    if (have_id && (!have_section || !have_number)) {
        if (is_capakey(id)) {
            if (!have_section)
                snprintf(section, sizeof section, "%.6s", id);
            if (!have_number)
                snprintf(number, sizeof number, "%.11s", id + 6); /* 17 characters in all */
            have_section = have_number = true;
        } else if (is_etalab(id)) {
            if (!have_section)
                snprintf(section, sizeof section, "%.2s", id + 8);
            if (!have_number)
                snprintf(number, sizeof number, "%.4s", id + 10);
            have_section = have_number = true;
        }
    }
    return put_text_or_null(row, have_id, id) && buf_puts(row, "\t\\N") && put_text_or_null(row, have_section, section) &&
           put_text_or_null(row, have_number, number);
}

/* area_m2 on the ellipsoid (geography), whatever the storage projection's scale error. */
static enum jm_status finish(struct imp__job *j, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 4096);
    buf_puts(&sql, "UPDATE ");
    imp__staging_table(j, "", &sql);
    buf_puts(&sql, " SET area_m2 = ST_Area(ST_Transform(geom, 4326)::geography)");
    enum jm_status rc = db_exec_script(j->conn, buf_str(&sql), e);
    buf_cleanup(&sql);
    return rc;
}

const struct imp__kind imp__kind_cadastre = {
    .name = "cadastre",
    .available = true,
    .geometry = IMP_GEOM_POLYGONS,
    .osm_layer = "multipolygons",
    .osm_filter = "boundary = 'cadastral' OR landuse IS NOT NULL",
    .load_suffix = "",
    .columns = columns,
    .ncolumns = (int)(sizeof columns / sizeof columns[0]),
    .prepare = prepare,
    .write_values = write_values,
    .finish = finish,
};
