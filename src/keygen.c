/* keygen.c - placeholder */
#include "config.h"
