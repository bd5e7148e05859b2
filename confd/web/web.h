/**
 * @file web.h  The creator web interface (issue 11): an HTTPS JSON API
 * under /api/v1, a live roster over WebSocket and the page that uses
 * them, served by confd itself on http_listen.
 *
 * TS 33.328 G.3.1: the conference creator makes conference URIs, keeps
 * the list of authorized participants and changes the other settings
 * through an external interface.  This is that interface; confctl on
 * the server stays as the other one, over the same store.
 */

struct web;
struct tls;
struct store;
struct focus;
struct confdef;

/* Called after the store changed one conference, conf_uri, so that the
 * running focus applies it at once.  Only that conference is reloaded
 * (confd/main.c: store_conf_get + focus_set_confdef, NULL for a deleted
 * one): a whole-store reload per request made every participant add
 * cost O(store) (issue 11, bench/results/web.txt).  def: the
 * conference as the web interface just read it back from the store
 * (moved in, so that one read serves the answer and the focus), or
 * NULL: the handler reads it, or learns that it is gone. */
typedef int (web_reload_h)(const char *conf_uri, struct confdef *def,
			   void *arg);

struct web_cfg {
	struct sa laddr;            /* http_listen */
	const char *cert;           /* PEM of confd's certificate */
	struct tls *tls;            /* cert_tls_alloc(): the one policy */
	const char *root;           /* directory of index.html, app.js,
				     * style.css (http_root) */
	const char *domain;         /* conference URIs live under it */
	uint32_t session_idle_s;    /* a session unused this long ends */
	uint32_t session_max_s;     /* ... and any session after this */
	struct store *store;
	struct focus *focus;
	web_reload_h *reloadh;
	void *arg;
};

int  web_alloc(struct web **wp, const struct web_cfg *cfg);
