/* profile.c - placeholder */
#include "config.h"
