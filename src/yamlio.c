/* yamlio.c - placeholder */
#include "config.h"
