/**
 * @file test_smime.c  PSK S/MIME bodies, opened by `openssl cms`
 *
 * The check is the one DESIGN.md names: the OpenSSL command line (a
 * separate program, not our code) must open what we produce with
 * -secretkey/-secretkeyid, yield the MIME entity byte for byte, and
 * refuse a body with any flipped byte.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "eventpkg/smime_int.h"
#include "tests/unit/check.h"


static const uint8_t kek[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
#define KEK_HEX "00112233445566778899aabbccddeeff"

static const char xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\""
	" entity=\"sip:room@example.org\" state=\"full\" version=\"1\">"
	"<conference-description/><users/></conference-info>\n";


static int write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return errno;
	fwrite(p, 1, n, f);
	fclose(f);
	return 0;
}


/* Run openssl cms -decrypt; returns its exit status, output in out. */
static int openssl_open(const char *der, const char *kekid_hex,
			const char *out)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "openssl cms -decrypt -inform DER"
		 " -secretkey " KEK_HEX " -secretkeyid %s -in %s -out %s"
		 " 2>/dev/null", kekid_hex, der, out);
	return system(cmd);
}


static int read_file(const char *path, struct mbuf *mb)
{
	uint8_t buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		mbuf_write_mem(mb, buf, n);
	fclose(f);
	return 0;
}


static int test_kekid(void)
{
	uint8_t id[EVENTPKG_SMIME_KEKID_LEN];
	static const uint8_t want[] = {0x12, 0x34, 0x56, 0x78, 0x01};

	eventpkg_smime_kekid(id, 0x12345678, 1);
	CHECK_MEM(id, want, sizeof(want));
	return 0;
}


static int test_openssl_opens(void)
{
	const char *der = "/tmp/confd-smime.der", *out = "/tmp/confd-smime.out";
	uint8_t id[EVENTPKG_SMIME_KEKID_LEN];
	struct mbuf *mb = NULL, *got;
	char want[1024];
	int err;

	eventpkg_smime_kekid(id, 0xdeadbeef, 1);
	err = eventpkg_smime_conference_info(&mb, kek, id, (const uint8_t *)xml,
					strlen(xml));
	CHECK_EQ(err, 0);
	CHECK_EQ(write_file(der, mb->buf, mb->end), 0);

	CHECK_EQ(openssl_open(der, "deadbeef01", out), 0);
	got = mbuf_alloc(1024);
	CHECK_EQ(read_file(out, got), 0);
	snprintf(want, sizeof(want), "Content-Type: "
		 "application/conference-info+xml\r\n\r\n%s", xml);
	CHECK_EQ(got->end, strlen(want));
	CHECK_MEM(got->buf, want, got->end);
	mem_deref(got);

	/* the structure names the profile's algorithms */
	CHECK_EQ(system("openssl asn1parse -inform DER -in /tmp/confd-smime.der"
			" | grep -q id-smime-ct-authEnvelopedData"), 0);
	CHECK_EQ(system("openssl asn1parse -inform DER -in /tmp/confd-smime.der"
			" | grep -q id-aes128-wrap"), 0);
	CHECK_EQ(system("openssl asn1parse -inform DER -in /tmp/confd-smime.der"
			" | grep -q aes-128-gcm"), 0);

	/* another key identifier does not open it */
	CHECK(openssl_open(der, "deadbeef02", out) != 0);

	mem_deref(mb);
	unlink(der);
	unlink(out);
	return 0;
}


/* Flip one byte at a time at several places (header, wrapped key,
 * nonce, ciphertext, tag): every one must be refused. */
static int test_flipped_byte_fails(void)
{
	const char *der = "/tmp/confd-smime-f.der", *out = "/tmp/confd-smime-f.out";
	uint8_t id[EVENTPKG_SMIME_KEKID_LEN];
	struct mbuf *mb = NULL;
	size_t pos[5], i;
	int err;

	eventpkg_smime_kekid(id, 1, 1);
	err = eventpkg_smime_conference_info(&mb, kek, id, (const uint8_t *)xml,
					strlen(xml));
	CHECK_EQ(err, 0);

	pos[0] = 40;                       /* inside the KEKRecipientInfo */
	pos[1] = 60;                       /* wrapped CEK */
	pos[2] = mb->end / 2;              /* encrypted content */
	pos[3] = mb->end - 30;             /* late ciphertext */
	pos[4] = mb->end - 1;              /* authentication tag */

	for (i = 0; i < 5; i++) {
		mb->buf[pos[i]] ^= 0x01;
		CHECK_EQ(write_file(der, mb->buf, mb->end), 0);
		if (openssl_open(der, "0000000101", out) == 0) {
			fprintf(stderr, "flip at %zu opened\n", pos[i]);
			return EINVAL;
		}
		mb->buf[pos[i]] ^= 0x01;
	}

	/* and unflipped it opens */
	CHECK_EQ(write_file(der, mb->buf, mb->end), 0);
	CHECK_EQ(openssl_open(der, "0000000101", out), 0);

	mem_deref(mb);
	unlink(der);
	unlink(out);
	return 0;
}


static int test_fresh_per_call(void)
{
	uint8_t id[EVENTPKG_SMIME_KEKID_LEN];
	struct mbuf *a = NULL, *b = NULL;

	eventpkg_smime_kekid(id, 1, 1);
	CHECK_EQ(eventpkg_smime_conference_info(&a, kek, id,
						(const uint8_t *)xml,
						strlen(xml)), 0);
	CHECK_EQ(eventpkg_smime_conference_info(&b, kek, id,
						(const uint8_t *)xml,
						strlen(xml)), 0);
	CHECK_EQ(a->end, b->end);
	CHECK(memcmp(a->buf, b->buf, a->end) != 0);
	mem_deref(a);
	mem_deref(b);

	CHECK_EQ(eventpkg_smime_protect(&a, NULL, id, (const uint8_t *)"x", 1),
		 EINVAL);
	return 0;
}


TEST_MAIN("smime",
	  CASE(test_kekid),
	  CASE(test_openssl_opens),
	  CASE(test_flipped_byte_fails),
	  CASE(test_fresh_per_call))
