/* csr.c - placeholder */
#include "config.h"
