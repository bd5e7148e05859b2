/**
 * @file syntax_int.h  RFC 4975 section 9 character classes, shared by
 * the frame parser (parse.c) and the URI and path rules (uri.c).
 */

static inline bool is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');
}


static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}


static inline bool is_token(int c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a ||
		c == 0x2b || c == 0x2d || c == 0x2e || is_digit(c) ||
		(c >= 0x41 && c <= 0x5a) || (c >= 0x5e && c <= 0x7e);
}


static inline bool is_unreserved(int c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}


/* A To-Path / From-Path value: one or more MSRP URIs separated by
 * single spaces (RFC 4975 section 9). */
bool msrp_path_valid(const struct pl *v);
