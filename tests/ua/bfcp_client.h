/**
 * @file bfcp_client.h  The test UA's BFCP client (RFC 8855, version 1
 * over TCP or TLS), written from the RFC independently of floor/.
 *
 *   confd-ua bfcp --connect ADDR:PORT --conf ID --user ID
 *                 [--tls --cert PEM] [--print-fp] [--script "c1; c2"]
 *                 [--psk HEX [--psk-cipher LIST]] [--peer-fp "sha-256 AB:.."]
 *
 * --peer-fp: the server's a=fingerprint; a server certificate that does
 * not match it ends the connection ("TLS-PEER-MISMATCH", exit 1).
 * --psk: TLS-PSK (RFC 4279) as TS 33.328 Annex H has it: TLS 1.2, an
 * empty PSK identity, PSK-AES128-GCM-SHA256 / PSK-AES256-GCM-SHA384
 * unless --psk-cipher names others (an OpenSSL cipher list).  After the
 * handshake "TLS <version> <cipher>" is printed; a failed one prints
 * "TLS-FAILED <reason>".
 *
 * Commands come from --script (separated by ';') and then stdin, one a
 * line: hello | req FLOOR[,FLOOR] [ben=N] [prio=N] [ppi=TEXT] [mand=T]
 * | release [FRID] | frq [FRID] (default: the latest fri= received) | uq [USER] | fq [FLOOR ...]
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

/* "sha-256 AB:CD:..." (RFC 8122 a=fingerprint value) of the certificate
 * in the PEM file, which is made (EC P-256, self-signed) when missing. */
int ua_bfcp_cert_fp(const char *pem, char *buf, int sz);
