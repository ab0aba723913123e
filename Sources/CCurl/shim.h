#ifndef ORDINAL_CCURL_SHIM_H
#define ORDINAL_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
 * These typed wrappers give Swift one entry point per argument type.
 */

static inline CURLcode ordinal_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ordinal_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ordinal_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ordinal_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ordinal_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* A blob option (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB); curl copies the bytes. */
static inline CURLcode ordinal_curl_setopt_blob(CURL *handle, CURLoption option, void *data, size_t length) {
    struct curl_blob blob;
    blob.data = data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

typedef size_t (*ordinal_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*ordinal_curl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode ordinal_curl_setopt_data_callback(CURL *handle, CURLoption option, ordinal_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode ordinal_curl_setopt_xferinfo_callback(CURL *handle, ordinal_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode ordinal_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ordinal_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/* Process-wide libcurl setup; call once before any other thread uses curl. */
static inline CURLcode ordinal_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Enum values Swift imports awkwardly, as plain longs. */
static inline long ordinal_curl_http_version_2tls(void) { return CURL_HTTP_VERSION_2TLS; }
static inline long ordinal_curl_http_version_1_1(void) { return CURL_HTTP_VERSION_1_1; }
static inline long ordinal_curl_sslversion_tlsv1_2(void) { return CURL_SSLVERSION_TLSv1_2; }

#endif
