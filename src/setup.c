/* setup.c - placeholder */
#include "config.h"
