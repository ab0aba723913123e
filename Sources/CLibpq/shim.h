#ifndef ORDINAL_CLIBPQ_SHIM_H
#define ORDINAL_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <postgres_ext.h>
/* libpq's own TLS library (libssl-dev comes with libpq-dev): SHA-256 of a replica's passfile
   content, compared with the digest the server computes of the file. */
#include <openssl/evp.h>

/* Diagnostic field codes are character macros, which Swift does not import. */
static const int ordinal_pg_diag_severity = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int ordinal_pg_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int ordinal_pg_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;

#endif
