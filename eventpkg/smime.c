/**
 * @file smime.c  PSK S/MIME: CMS AuthEnvelopedData with a KEK recipient
 *
 * OpenSSL 3.0's CMS code implements exactly this profile
 * (CMS_AuthEnvelopedData_create + CMS_add0_recipient_key chooses
 * id-aes128-wrap for a 16-byte KEK), so nothing is DER-encoded by hand.
 * The interop check is `openssl cms -decrypt -secretkey -secretkeyid`.
 */
#include <string.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <re.h>
#include "eventpkg/smime_int.h"


void eventpkg_smime_kekid(uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN],
			  uint32_t csb_id, uint8_t cs_id)
{
	kekid[0] = (uint8_t)(csb_id >> 24);
	kekid[1] = (uint8_t)(csb_id >> 16);
	kekid[2] = (uint8_t)(csb_id >> 8);
	kekid[3] = (uint8_t)csb_id;
	kekid[4] = cs_id;
}


int eventpkg_smime_protect(struct mbuf **mbp, const uint8_t *kek,
			   const uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN],
			   const uint8_t *entity, size_t len)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *k = NULL, *id = NULL, *p;
	struct mbuf *mb = NULL;
	BIO *in = NULL;
	int n, err = EPROTO;

	if (!mbp || !kek || !kekid || !entity || len > INT_MAX)
		return EINVAL;

	cms = CMS_AuthEnvelopedData_create(EVP_aes_128_gcm());
	if (!cms)
		return ENOMEM;

	/* the content travels inside the structure (not detached) */
	if (!CMS_set_detached(cms, 0))
		goto out;

	/* CMS takes these (add0) and clears the key when freed */
	k  = OPENSSL_malloc(EVENTPKG_SMIME_KEK_LEN);
	id = OPENSSL_malloc(EVENTPKG_SMIME_KEKID_LEN);
	if (!k || !id) {
		err = ENOMEM;
		goto out;
	}
	memcpy(k, kek, EVENTPKG_SMIME_KEK_LEN);
	memcpy(id, kekid, EVENTPKG_SMIME_KEKID_LEN);

	if (!CMS_add0_recipient_key(cms, NID_undef, k, EVENTPKG_SMIME_KEK_LEN,
				    id, EVENTPKG_SMIME_KEKID_LEN, NULL, NULL,
				    NULL))
		goto out;
	k = id = NULL;

	in = BIO_new_mem_buf(entity, (int)len);
	if (!in) {
		err = ENOMEM;
		goto out;
	}

	if (!CMS_final(cms, in, NULL, CMS_BINARY))
		goto out;

	n = i2d_CMS_ContentInfo(cms, NULL);
	if (n <= 0)
		goto out;

	mb = mbuf_alloc((size_t)n);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	p = mb->buf;
	if (i2d_CMS_ContentInfo(cms, &p) != n)
		goto out;
	mb->end = (size_t)n;
	mb->pos = 0;

	*mbp = mb;
	mb = NULL;
	err = 0;

 out:
	if (k)
		OPENSSL_clear_free(k, EVENTPKG_SMIME_KEK_LEN);
	OPENSSL_free(id);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	mem_deref(mb);

	return err;
}


int eventpkg_smime_conference_info(struct mbuf **mbp, const uint8_t *kek,
				   const uint8_t *kekid,
				   const uint8_t *xml, size_t len)
{
	struct mbuf *ent;
	int err;

	if (!xml)
		return EINVAL;

	ent = mbuf_alloc(len + 64);
	if (!ent)
		return ENOMEM;

	err  = mbuf_printf(ent, "Content-Type: " EVENTPKG_SMIME_INNER_CTYPE
			   "\r\n\r\n");
	err |= mbuf_write_mem(ent, xml, len);
	if (!err)
		err = eventpkg_smime_protect(mbp, kek, kekid, ent->buf,
					     ent->end);

	mem_deref(ent);

	return err;
}
