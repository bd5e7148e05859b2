/**
 * @file subscribe.h  confd-ua subscribe: a conference event package
 * subscriber (RFC 6665, RFC 4575), optionally keyed for PSK S/MIME by a
 * MIKEY-TICKET TRANSFER_INIT in the SUBSCRIBE (DESIGN.md).
 */

int ua_cmd_subscribe(int argc, char *argv[]);
