/**
 * @file wipe.h  Freed heap memory is overwritten (confd/wipe.c).
 *
 * Keys leave copies that confd cannot reach: the a=crypto text of an
 * SDP answer in libre's SDP attribute, in the encoded body and in the
 * 200 OK kept for retransmission, the caller's offer in libre's receive
 * buffer, OpenSSL's record buffers.  libre and OpenSSL free them
 * without wiping, so confd overwrites every heap block when it is
 * freed (or moved by realloc): nothing of a call outlives it in freed
 * memory.  What is still allocated is its owner's to wipe; what this
 * cannot reach is listed in docs/threat-model.md.
 *
 * Only in the confd binary (main.c calls wipe_set, which links this
 * in), and not in sanitizer builds, whose allocator must see free.
 */

void wipe_set(bool on);
/* true when freed memory is wiped (on, and not a sanitizer build) */
bool wipe_active(void);
/* Clear the unused stack below the caller (WIPE_STACK bytes): frames
 * of the calls that parsed and printed SDP keep their text until some
 * later call overwrites them; so do the vector registers (memcpy).
 * main.c calls it once a second from a timer, a shallow frame of the
 * main loop. */
void wipe_stack(void);
