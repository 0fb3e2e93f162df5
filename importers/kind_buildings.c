/* buildings: footprints with height (and where it came from), storeys, base elevation,
 * use, year of construction and address, read from the well-known attribute names of OSM,
 * CityGML-derived exports and national building registers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imp_internal.h"
#include "imp_job.h"
#include "parse.h"

static const struct imp__column columns[] = {
    {"height", "double precision"},     /* metres above base */
    {"height_source", "text"},          /* attribute, storeys or default */
    {"storeys", "integer"},
    {"base_elevation", "double precision"},
    {"use", "text"},
    {"year_built", "integer"},
    {"address", "text"},
};

static const char *const height_names[] = {"height", "building:height", "measuredheight", "measured_height",
                                           "building_height", "bldg_height", "hoogte", "hauteur", "hoehe", NULL};
static const char *const storey_names[] = {"building:levels", "levels", "storeys", "storeysaboveground",
                                           "storeys_above_ground", "floors", "num_floors", "nb_etages", "etages",
                                           "aantal_bouwlagen", "geschosse", NULL};
static const char *const base_names[] = {"base_elevation", "ground_elevation", "elevation", "ele", "altitude",
                                         "z_min", "zmin", NULL};
static const char *const use_names[] = {"building:use", "use", "usage", "function", "building_use", "gebruiksdoel",
                                        "usage1", "nature", "building", NULL};
static const char *const year_names[] = {"year_built", "start_date", "construction_year", "yearofconstruction",
                                         "year_of_construction", "bouwjaar", "annee_construction", "baujahr", NULL};
static const char *const address_names[] = {"address", "adresse", "adres", "full_address", NULL};
static const char *const street_names[] = {"addr:street", "street", "rue", "straat", NULL};
static const char *const number_names[] = {"addr:housenumber", "housenumber", "house_number", "huisnummer", NULL};
static const char *const city_names[] = {"addr:city", "city", "commune", "gemeente", NULL};

struct buildings {
    int height, storeys, base, use, year, address, street, number, city;
};

/* The first of `names` the source has, noted in the report; -1 when none. */
static int find(struct imp__job *j, const char *const *names, const char *what)
{
    int i = imp__field(j, names);
    if (i >= 0)
        imp__note(j, what, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(j->src.layer), i)));
    return i;
}

static enum jm_status prepare(struct imp__job *j, struct err *e)
{
    struct buildings *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, JM_EINTERNAL, "out of memory");
    b->height = find(j, height_names, "height_column");
    b->storeys = find(j, storey_names, "storeys_column");
    b->base = find(j, base_names, "base_elevation_column");
    b->use = find(j, use_names, "use_column");
    b->year = find(j, year_names, "year_column");
    b->address = find(j, address_names, "address_column");
    b->street = imp__field(j, street_names);
    b->number = imp__field(j, number_names);
    b->city = imp__field(j, city_names);
    j->kind_state = b;
    return JM_OK;
}

/* The value from a field, else (OSM) from the tag of the same well-known name. */
static bool lookup(const struct imp__job *j, OGRFeatureH f, int index, const char *osm_key, char *out, size_t size)
{
    return imp__value(j, f, index, index < 0 ? osm_key : NULL, out, size);
}

static bool write_values(struct imp__job *j, OGRFeatureH f, struct buf *row)
{
    const struct buildings *b = j->kind_state;
    double storey_height = j->opt->storey_height > 0 ? j->opt->storey_height : 3.0;
    double default_height = j->opt->default_height > 0 ? j->opt->default_height : 6.0;
    char v[512];

    double height = 0;
    bool have_height = (lookup(j, f, b->height, "height", v, sizeof v) ||
                        lookup(j, f, -1, "building:height", v, sizeof v)) &&
                       imp__parse_length(v, &height) && height > 0 && height < 1000;
    long storeys = 0;
    bool have_storeys = lookup(j, f, b->storeys, "building:levels", v, sizeof v) &&
                        parse_long(v, 0, 300, &storeys);
    if (!have_storeys) { /* "3.0", "2.5" */
        double d;
        have_storeys = v[0] && imp__parse_length(v, &d) && d >= 0 && d < 300;
        storeys = have_storeys ? (long)(d + 0.5) : 0;
    }
    const char *source = "attribute";
    if (!have_height && have_storeys && storeys > 0) {
        height = (double)storeys * storey_height;
        source = "storeys";
    } else if (!have_height) {
        height = default_height;
        source = "default";
    }
    bool ok = buf_putc(row, '\t') && imp__copy_double(row, height) && buf_putc(row, '\t') && buf_puts(row, source) &&
              buf_putc(row, '\t');
    ok = ok && (have_storeys ? imp__copy_int(row, storeys) : buf_puts(row, "\\N"));

    double base;
    ok = ok && buf_putc(row, '\t') &&
         (lookup(j, f, b->base, "ele", v, sizeof v) && imp__parse_length(v, &base) ? imp__copy_double(row, base)
                                                                                      : buf_puts(row, "\\N"));
    /* use: OSM's building=yes says nothing about use */
    bool have_use = lookup(j, f, b->use, "building:use", v, sizeof v) && strcmp(v, "yes") != 0;
    ok = ok && buf_putc(row, '\t') && (have_use ? imp__copy_text(row, v) : buf_puts(row, "\\N"));

    int year;
    ok = ok && buf_putc(row, '\t') &&
         (lookup(j, f, b->year, "start_date", v, sizeof v) && imp__parse_year(v, &year) && year > 0 && year < 2200
              ? imp__copy_int(row, year)
              : buf_puts(row, "\\N"));

    /* address: a field that holds it whole, else street + number (+ city) */
    char street[256], number[64], city[128], address[512];
    bool have_address = lookup(j, f, b->address, NULL, address, sizeof address);
    if (!have_address && lookup(j, f, b->street, "addr:street", street, sizeof street)) {
        bool n = lookup(j, f, b->number, "addr:housenumber", number, sizeof number);
        bool c = lookup(j, f, b->city, "addr:city", city, sizeof city);
        snprintf(address, sizeof address, "%s%s%s%s%s", street, n ? " " : "", n ? number : "", c ? ", " : "",
                 c ? city : "");
        have_address = true;
    }
    ok = ok && buf_putc(row, '\t') && (have_address ? imp__copy_text(row, address) : buf_puts(row, "\\N"));
    return ok;
}

const struct imp__kind imp__kind_buildings = {
    .name = "buildings",
    .available = true,
    .geometry = IMP_GEOM_POLYGONS,
    .osm_layer = "multipolygons",
    .osm_filter = "building IS NOT NULL",
    .load_suffix = "",
    .columns = columns,
    .ncolumns = (int)(sizeof columns / sizeof columns[0]),
    .prepare = prepare,
    .write_values = write_values,
    .finish = NULL,
};
