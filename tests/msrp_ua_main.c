/**
 * @file msrp_ua_main.c  Standalone driver for the UA's MSRP client,
 * until the test UA's own main (on main) dispatches to ua_msrp_cmd().
 */
#include "tests/ua/msrp_client.h"

int main(int argc, char *argv[]);

int main(int argc, char *argv[])
{
	return ua_msrp_cmd(argc, argv);
}
