/**
 * @file floor_harness.c  Runs one floor conference on 127.0.0.1 for the
 * BFCP integration tests, through floor.h exactly as the focus would.
 *
 *   floor_harness --ports MIN-MAX [--cert PEM] [--confid N]
 *                 [--pres-chair] [--pres-max N] [--audio] [--audio-chair]
 *                 [--max-req N]
 *                 -u ID[:chair][:tls=AA:BB:..][:name=NAME] ...
 *
 * Prints "CONFID n", "USER id port", "READY", and "HOLDERS floor=F
 * users=a,b" on every holder change.  Stdin: "leave ID" | "quit".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "keying/cert.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "media/media.h"


static struct floor_part *parts[16];
static size_t nparts;


static void holders(uint16_t floorid, const uint16_t *userv, size_t userc,
		    void *arg)
{
	size_t i;

	(void)arg;
	printf("HOLDERS floor=%u users=", floorid);
	for (i = 0; i < userc; i++)
		printf("%s%u", i ? "," : "", userv[i]);
	printf("%s\n", userc ? "" : "-");
	fflush(stdout);
}


static void stdin_handler(int flags, void *arg)
{
	char line[256];
	size_t i;

	(void)flags;
	(void)arg;

	if (!fgets(line, sizeof(line), stdin)) {
		re_cancel();
		return;
	}

	if (!strncmp(line, "quit", 4)) {
		re_cancel();
		return;
	}

	if (!strncmp(line, "leave ", 6)) {
		uint16_t id = (uint16_t)atoi(line + 6);

		for (i = 0; i < nparts; i++) {
			if (parts[i] && floor_part_userid(parts[i]) == id) {
				parts[i] = mem_deref(parts[i]);
				printf("LEFT %u\n", id);
				fflush(stdout);
			}
		}
	}
}


int main(int argc, char *argv[])
{
	struct floor_conf_cfg ccfg;
	struct floor_server *fs = NULL;
	struct floor_conf *fc = NULL;
	struct media_portpool *pool = NULL;
	struct tls *tls = NULL;
	const char *cert = NULL;
	unsigned pmin = 0, pmax = 0;
	struct sa laddr;
	int i, err;

	memset(&ccfg, 0, sizeof(ccfg));

	err = libre_init();
	if (err)
		return 1;

	sa_set_str(&laddr, "127.0.0.1", 0);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ports") && i + 1 < argc)
			sscanf(argv[++i], "%u-%u", &pmin, &pmax);
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--confid") && i + 1 < argc)
			ccfg.confid = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pres-chair"))
			ccfg.pres_chair = true;
		else if (!strcmp(argv[i], "--pres-max") && i + 1 < argc)
			ccfg.pres_max = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--audio"))
			ccfg.audio = true;
		else if (!strcmp(argv[i], "--audio-chair"))
			ccfg.audio_chair = true;
		else if (!strcmp(argv[i], "--max-req") && i + 1 < argc)
			ccfg.max_requests = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-u") && i + 1 < argc)
			++i;   /* second pass */
		else {
			fprintf(stderr, "bad argument %s\n", argv[i]);
			return 2;
		}
	}

	if (cert) {
		err = cert_ensure(cert, "confd-test");
		err |= cert_tls_alloc(&tls, cert);
		if (err) {
			re_fprintf(stderr, "cert: %m\n", err);
			return 1;
		}
	}

	/* BFCP listeners from a port pool, as the focus has them */
	err = media_portpool_alloc(&pool, "--ports", (uint16_t)pmin,
				   (uint16_t)pmax);
	err |= floor_server_alloc(&fs, tls, &laddr,
				  media_portpool_tcp_listen, pool);
	err |= floor_conf_alloc(&fc, fs, &ccfg, holders, NULL);
	if (err) {
		fprintf(stderr, "floor: %d\n", err);
		return 1;
	}

	printf("CONFID %u\n", floor_conf_id(fc));

	for (i = 1; i < argc; i++) {
		struct floor_part_cfg pc;
		char spec[512], fpbuf[256], *tok, *sv = NULL;

		if (strcmp(argv[i], "-u") || i + 1 >= argc)
			continue;

		memset(&pc, 0, sizeof(pc));
		str_ncpy(spec, argv[++i], sizeof(spec));

		for (tok = strtok_r(spec, ":", &sv); tok;
		     tok = strtok_r(NULL, ":", &sv)) {
			if (!pc.userid)
				pc.userid = (uint16_t)atoi(tok);
			else if (!strcmp(tok, "chair"))
				pc.chair = true;
			else if (!strncmp(tok, "name=", 5))
				pc.dname = argv[i] + (tok - spec) + 5;
			else if (!strncmp(tok, "tls=", 4)) {
				/* the rest of the spec is the fingerprint,
				 * an a=fingerprint value; a bare hex list
				 * is taken as SHA-256 */
				const char *fp = argv[i] + (tok - spec) + 4;

				re_snprintf(fpbuf, sizeof(fpbuf), "%s%s",
					    strchr(fp, ' ') ? "" : "sha-256 ",
					    fp);
				pc.sec.mode = FLOOR_SEC_FINGERPRINT;
				pc.sec.fingerprint = fpbuf;
				break;
			}
		}

		if (pc.dname) {
			/* name= ends at the next ':' */
			char *n = strdup(pc.dname), *c = strchr(n, ':');
			if (c)
				*c = 0;
			pc.dname = n;
		}

		err = floor_part_alloc(&parts[nparts], fc, &pc);
		if (err) {
			re_fprintf(stderr, "part %u: %m\n", pc.userid, err);
			return 1;
		}
		printf("USER %u %u\n", floor_part_userid(parts[nparts]),
		       floor_part_port(parts[nparts]));
		++nparts;
	}

	printf("READY\n");
	fflush(stdout);

	fd_listen(0, FD_READ, stdin_handler, NULL);
	re_main(NULL);
	fd_close(0);

	for (i = 0; (size_t)i < nparts; i++)
		mem_deref(parts[i]);
	mem_deref(fc);
	mem_deref(fs);
	mem_deref(pool);
	mem_deref(tls);
	libre_close();
	return 0;
}
