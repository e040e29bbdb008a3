/* main.c - placeholder */
#include "config.h"
#include <stdio.h>
#include "lw/nls.h"
int main(void) { lw_nls_init(); puts(_("linkwiz")); return 0; }
