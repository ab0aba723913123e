#ifndef ORDINAL_CLIBPQ_SHIM_H
#define ORDINAL_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
