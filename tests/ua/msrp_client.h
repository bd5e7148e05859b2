/**
 * @file msrp_client.h  The test UA's MSRP client (RFC 4975), written
 * from the RFC text and sharing no code with confd's media/msrp*.
 *
 *   ua_msrp_cmd(argc, argv): see the usage text in msrp_client.c.
 */
int ua_msrp_cmd(int argc, char *argv[]);
