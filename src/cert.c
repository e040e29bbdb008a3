/* cert.c - placeholder */
#include "config.h"
