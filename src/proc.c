/* proc.c - placeholder */
#include "config.h"
