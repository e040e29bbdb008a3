/* answers.c - placeholder */
#include "config.h"
