/* The two halves of `jumeau tile`: cmd_tile.c (vector tile archives) parses the arguments
 * and hands `tile 3d` to cmd_tile3d.c. */
#ifndef JUMEAU_CMD_TILE_H
#define JUMEAU_CMD_TILE_H

#include "cli.h"

/* jumeau tile 3d NAME --out DIR …, with the arguments parsed against `opts`. */
enum jm_status cmd_tile_3d(struct cli_ctx *ctx, const struct cli_parsed *p, const struct cli_opt *opts, struct err *e);

#endif
