/* nginx_conf.c - placeholder */
#include "config.h"
