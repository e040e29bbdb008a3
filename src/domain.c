/* domain.c - placeholder */
#include "config.h"
