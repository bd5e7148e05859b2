/**
 * @file bfcp_ua.c  Stand-alone driver for the test UA's BFCP client
 * until confd-ua's main dispatches "bfcp" to ua_bfcp_cmd().
 */
#include "tests/ua/bfcp_client.h"

int main(int argc, char *argv[])
{
	return ua_bfcp_cmd(argc, argv);
}
