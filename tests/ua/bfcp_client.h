/**
 * @file bfcp_client.h  The test UA's BFCP client (RFC 8855, version 1
 * over TCP or TLS), written from the RFC independently of floor/.
 *
 *   confd-ua bfcp --connect ADDR:PORT --conf ID --user ID
 *                 [--tls --cert PEM] [--print-fp] [--script "c1; c2"]
 *
 * Commands come from --script (separated by ';') and then stdin, one a
 * line: hello | req FLOOR[,FLOOR] [ben=N] [prio=N] [ppi=TEXT] [mand=T]
 * | release FRID | frq FRID | uq [USER] | fq [FLOOR ...]
 * | chair FRID FLOOR accepted|granted|denied|revoked [QPOS]
 * | goodbye | garbage | raw HEX | version N | conf N | user N
 * | wait PRIM [key=value ...] | closed | sleep MS | quit
 *
 * Every received message is printed as one line:
 *   RECV FloorRequestStatus ver=1 conf=7 tid=3 user=2 fri=1
 *        status=Granted qpos=0 frs=1:Granted ben=2
 * "wait" blocks (5 s) until a not yet waited-for message matches.
 */
int ua_bfcp_cmd(int argc, char *argv[]);
