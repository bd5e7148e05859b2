/**
 * @file smime_int.h  PSK S/MIME for NOTIFY bodies (DESIGN.md profile);
 * private to eventpkg/ (the notifier protects its own bodies).
 *
 * CMS AuthEnvelopedData (RFC 5083) with AES-128-GCM (RFC 5084: 12-byte
 * nonce, 16-byte ICV) and one KEKRecipientInfo (RFC 5652 6.2.3) that
 * wraps the content-encryption key with id-aes128-wrap (RFC 3394).  The
 * KEK is the TEK of the subscriber's PSK S/MIME crypto session and
 * kekid.keyIdentifier is CSB ID (4 bytes, network order) || CS ID.
 *
 * Pure over buffers.  OpenSSL draws a fresh CEK and nonce from its RNG
 * for every call and clears the CEK when the CMS structure is freed.
 */

struct mbuf;

enum {
	EVENTPKG_SMIME_KEK_LEN   = 16,      /* id-aes128-wrap */
	EVENTPKG_SMIME_KEKID_LEN = 5,
};

#define EVENTPKG_SMIME_CTYPE \
	"application/pkcs7-mime; smime-type=authEnveloped-data"
#define EVENTPKG_SMIME_INNER_CTYPE "application/conference-info+xml"

void eventpkg_smime_kekid(uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN],
			  uint32_t csb_id, uint8_t cs_id);

/* Protect a MIME entity (headers, blank line, body); *mbp gets DER. */
int  eventpkg_smime_protect(struct mbuf **mbp, const uint8_t *kek,
			    const uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN],
			    const uint8_t *entity, size_t len);

/* Wrap a conference-info document into the inner MIME entity and
 * protect it. */
int  eventpkg_smime_conference_info(struct mbuf **mbp, const uint8_t *kek,
				    const uint8_t *kekid,  /* KEKID_LEN */
				    const uint8_t *xml, size_t len);
