// The libcurl easy API subset for sphere-emu (<curl/curl.h>): options are collected here, the
// whole request crosses to the OS in one https_perform call (docs/abi.md §27), and the body of
// the response is read back from a descriptor and handed to the write callback.
#define _POSIX_C_SOURCE 200809L  // strnlen, strdup
#include <curl/curl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "abi.h"
#include "curl_internal.h"

#define EASY_MAGIC 0x43555231u  // "CUR1"
#define MAX_BODY (64 * 1024)
#define MAX_CA (64 * 1024)

typedef struct {
    uint32_t magic;
    char *url;
    char *custom_request;
    char *user_agent;
    char *cainfo;
    const char *postfields;  // the app's, or copied_post
    char *copied_post;
    curl_off_t postfieldsize;  // -1: strlen(postfields)
    int post, nobody, failonerror;
    long verify_peer, verify_host;
    struct curl_slist *headers;
    curl_write_callback write_fn;
    void *write_data;
    curl_ssl_ctx_callback ssl_ctx_fn;
    void *ssl_ctx_data;
    char *error_buffer;
    void *private_data;
    long response_code;
    curl_off_t size_download;
} easy;

static easy *handle(CURL *curl)
{
    easy *e = curl;
    return (e != NULL && e->magic == EASY_MAGIC) ? e : NULL;
}

CURLcode curl_global_init(long flags)
{
    (void)flags;
    return CURLE_OK;
}

void curl_global_cleanup(void) {}

char *curl_version(void)
{
    static char v[] = "libcurl/7.88.1 (sphere-emu: HTTPS served by the OS)";
    return v;
}

static void reset(easy *e)
{
    free(e->url);
    free(e->custom_request);
    free(e->user_agent);
    free(e->cainfo);
    free(e->copied_post);
    memset(e, 0, sizeof *e);
    e->magic = EASY_MAGIC;
    e->postfieldsize = -1;
    e->verify_peer = 1;
    e->verify_host = 2;
}

CURL *curl_easy_init(void)
{
    easy *e = calloc(1, sizeof *e);
    if (e != NULL) {
        reset(e);
    }
    return e;
}

void curl_easy_reset(CURL *curl)
{
    easy *e = handle(curl);
    if (e != NULL) {
        reset(e);
    }
}

void curl_easy_cleanup(CURL *curl)
{
    easy *e = handle(curl);
    if (e != NULL) {
        reset(e);
        e->magic = 0;
        free(e);
    }
}

// set_string replaces *dst with a copy of s (NULL clears it).
static CURLcode set_string(char **dst, const char *s)
{
    free(*dst);
    *dst = NULL;
    if (s != NULL && (*dst = strdup(s)) == NULL) {
        return CURLE_OUT_OF_MEMORY;
    }
    return CURLE_OK;
}

static CURLcode unknown_option(int option)
{
    char name[48];
    int n = snprintf(name, sizeof name, "curl_easy_setopt(%d)", option);
    applibs_unimplemented(name, (size_t)n);
    return CURLE_UNKNOWN_OPTION;
}

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    easy *e = handle(curl);
    if (e == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    va_list ap;
    va_start(ap, option);
    CURLcode r = CURLE_OK;
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        switch (option) {
        case CURLOPT_POST:
            e->post = v != 0;
            break;
        case CURLOPT_HTTPGET:
            if (v != 0) {
                e->post = 0;
                e->nobody = 0;
                e->postfields = NULL;
            }
            break;
        case CURLOPT_NOBODY:
            e->nobody = v != 0;
            break;
        case CURLOPT_FAILONERROR:
            e->failonerror = v != 0;
            break;
        case CURLOPT_POSTFIELDSIZE:
            e->postfieldsize = v;
            break;
        case CURLOPT_SSL_VERIFYPEER:
            e->verify_peer = v;
            break;
        case CURLOPT_SSL_VERIFYHOST:
            e->verify_host = v;
            break;
        case CURLOPT_VERBOSE:
        case CURLOPT_NOPROGRESS:
        case CURLOPT_NOSIGNAL:
        case CURLOPT_BUFFERSIZE:
        case CURLOPT_FOLLOWLOCATION:
        case CURLOPT_MAXREDIRS:
        case CURLOPT_TIMEOUT:
        case CURLOPT_TIMEOUT_MS:
        case CURLOPT_CONNECTTIMEOUT:
        case CURLOPT_CONNECTTIMEOUT_MS:
            break;  // accepted; the OS bounds every exchange itself
        default:
            r = unknown_option(option);
        }
    } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
        void *p = va_arg(ap, void *);
        switch (option) {
        case CURLOPT_URL:
            r = set_string(&e->url, p);
            break;
        case CURLOPT_CUSTOMREQUEST:
            r = set_string(&e->custom_request, p);
            break;
        case CURLOPT_USERAGENT:
            r = set_string(&e->user_agent, p);
            break;
        case CURLOPT_CAINFO:
            r = set_string(&e->cainfo, p);
            break;
        case CURLOPT_POSTFIELDS:
            e->postfields = p;
            e->post = 1;
            break;
        case CURLOPT_COPYPOSTFIELDS: {
            size_t n = e->postfieldsize >= 0 ? (size_t)e->postfieldsize
                                             : (p != NULL ? strlen(p) : 0);
            free(e->copied_post);
            e->copied_post = malloc(n + 1);
            if (e->copied_post == NULL) {
                r = CURLE_OUT_OF_MEMORY;
                break;
            }
            if (n > 0) {
                memcpy(e->copied_post, p, n);
            }
            e->copied_post[n] = '\0';
            e->postfields = e->copied_post;
            e->postfieldsize = (curl_off_t)n;
            e->post = 1;
            break;
        }
        case CURLOPT_HTTPHEADER:
            e->headers = p;
            break;
        case CURLOPT_WRITEDATA:
            e->write_data = p;
            break;
        case CURLOPT_SSL_CTX_DATA:
            e->ssl_ctx_data = p;
            break;
        case CURLOPT_ERRORBUFFER:
            e->error_buffer = p;
            break;
        case CURLOPT_PRIVATE:
            e->private_data = p;
            break;
        default:
            r = unknown_option(option);
        }
    } else if (option < CURLOPTTYPE_OFF_T) {
        switch (option) {
        case CURLOPT_WRITEFUNCTION:
            e->write_fn = va_arg(ap, curl_write_callback);
            break;
        case CURLOPT_SSL_CTX_FUNCTION:
            e->ssl_ctx_fn = va_arg(ap, curl_ssl_ctx_callback);
            break;
        default:
            (void)va_arg(ap, void *);
            r = unknown_option(option);
        }
    } else {
        curl_off_t v = va_arg(ap, curl_off_t);
        if (option == CURLOPT_POSTFIELDSIZE_LARGE) {
            e->postfieldsize = v;
        } else {
            r = unknown_option(option);
        }
    }
    va_end(ap);
    return r;
}

// ---- the request record (docs/abi.md §27) ---------------------------------------------------

typedef struct {
    uint8_t *b;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    if (w->failed) {
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap * 2 + n + 256;
        uint8_t *b = realloc(w->b, cap);
        if (b == NULL) {
            w->failed = 1;
            return;
        }
        w->b = b;
        w->cap = cap;
    }
    if (n > 0) {
        memcpy(w->b + w->len, p, n);
    }
    w->len += n;
}

static void put_u32(buf *w, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, le, sizeof le);
}

static void put_blob(buf *w, const void *p, size_t n)
{
    put_u32(w, (uint32_t)n);
    put(w, p, n);
}

// read_file reads a whole file of at most max bytes (the CAINFO PEM) into *out. (POSIX calls,
// not stdio: this file is linked into every app, and must not pull stdio into those that never
// use it.)
static int read_file(const char *path, uint8_t **out, size_t *len, size_t max)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    uint8_t *b = malloc(max + 1);
    size_t n = 0;
    while (b != NULL && n <= max) {
        ssize_t r = read(fd, b + n, max + 1 - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (b == NULL || n == 0 || n > max) {
        free(b);
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}

static CURLcode fail_with(easy *e, CURLcode code)
{
    if (e->error_buffer != NULL) {
        snprintf(e->error_buffer, CURL_ERROR_SIZE, "%s", curl_easy_strerror(code));
    }
    return code;
}

CURLcode curl_easy_perform(CURL *curl)
{
    easy *e = handle(curl);
    if (e == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    e->response_code = 0;
    e->size_download = 0;
    if (e->url == NULL) {
        return fail_with(e, CURLE_URL_MALFORMAT);
    }
    int https = strncasecmp(e->url, "https://", 8) == 0;
    const char *method = e->custom_request;
    if (method == NULL) {
        method = e->nobody ? "HEAD" : (e->post ? "POST" : "GET");
    }
    size_t body_len = 0;
    if (e->post && e->postfields != NULL) {
        body_len = e->postfieldsize >= 0 ? (size_t)e->postfieldsize : strlen(e->postfields);
    }
    if (body_len > MAX_BODY) {
        return fail_with(e, CURLE_FILESIZE_EXCEEDED);
    }

    uint32_t flags = 0;
    uint8_t *ca = NULL;
    size_t ca_len = 0;
    if (https) {
        if (e->verify_peer) {
            flags |= 2;
        }
        if (e->verify_host == 2) {
            flags |= 4;
        }
        if (e->ssl_ctx_fn != NULL) {
            sphere_ssl_ctx ctx = {SPHERE_SSL_CTX_MAGIC, 0};
            CURLcode r = e->ssl_ctx_fn(e, &ctx, e->ssl_ctx_data);
            if (r != CURLE_OK) {
                return fail_with(e, r);
            }
            if (ctx.device_auth) {
                flags |= 1;
            }
        }
        if (e->cainfo != NULL && read_file(e->cainfo, &ca, &ca_len, MAX_CA) != 0) {
            return fail_with(e, CURLE_SSL_CACERT_BADFILE);
        }
    }

    buf w = {0};
    put_u32(&w, flags);
    put_u32(&w, 0);
    put_blob(&w, method, strlen(method));
    put_blob(&w, e->url, strlen(e->url));
    uint32_t nheaders = 0;
    for (struct curl_slist *h = e->headers; h != NULL; h = h->next) {
        nheaders++;
    }
    put_u32(&w, nheaders + (e->user_agent != NULL ? 1 : 0));
    if (e->user_agent != NULL) {
        // Sent first, so that a "User-Agent:" line of the app's own overrides it.
        size_t n = strlen(e->user_agent);
        put_u32(&w, (uint32_t)(n + 12));
        put(&w, "User-Agent: ", 12);
        put(&w, e->user_agent, n);
    }
    for (struct curl_slist *h = e->headers; h != NULL; h = h->next) {
        put_blob(&w, h->data, h->data != NULL ? strlen(h->data) : 0);
    }
    put_blob(&w, e->postfields, body_len);
    put_blob(&w, ca, ca_len);
    free(ca);
    if (w.failed) {
        free(w.b);
        return fail_with(e, CURLE_OUT_OF_MEMORY);
    }
    applibs_https_result res;
    int32_t code = __applibs_https_perform(w.b, (uint32_t)w.len, &res);
    free(w.b);
    if (code < 0) {
        return fail_with(e, CURLE_BAD_FUNCTION_ARGUMENT);
    }
    e->response_code = (long)res.status;
    if (code != CURLE_OK) {
        return fail_with(e, (CURLcode)code);
    }
    if (e->failonerror && res.status >= 400) {
        close(res.body_fd);
        return fail_with(e, CURLE_HTTP_RETURNED_ERROR);
    }
    char chunk[1024];
    CURLcode r = CURLE_OK;
    for (;;) {
        ssize_t n = read(res.body_fd, chunk, sizeof chunk);
        if (n < 0) {
            r = CURLE_RECV_ERROR;
            break;
        }
        if (n == 0) {
            break;
        }
        // Without a WRITEFUNCTION the body goes to standard output (libcurl would fwrite it to
        // the FILE * in WRITEDATA; this SDK does not link stdio for it).
        size_t taken = e->write_fn != NULL ? e->write_fn(chunk, 1, (size_t)n, e->write_data)
                                           : (size_t)write(1, chunk, (size_t)n);
        if (taken != (size_t)n) {
            r = CURLE_WRITE_ERROR;
            break;
        }
        e->size_download += n;
    }
    close(res.body_fd);
    return r == CURLE_OK ? CURLE_OK : fail_with(e, r);
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    easy *e = handle(curl);
    if (e == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *);
    va_end(ap);
    if (out == NULL) {
        return CURLE_BAD_FUNCTION_ARGUMENT;
    }
    switch (info) {
    case CURLINFO_RESPONSE_CODE:
        *(long *)out = e->response_code;
        return CURLE_OK;
    case CURLINFO_SIZE_DOWNLOAD:
        *(double *)out = (double)e->size_download;
        return CURLE_OK;
    case CURLINFO_SIZE_DOWNLOAD_T:
        *(curl_off_t *)out = e->size_download;
        return CURLE_OK;
    case CURLINFO_TOTAL_TIME:
        *(double *)out = 0.02;  // the OS's fixed virtual cost of an exchange
        return CURLE_OK;
    case CURLINFO_EFFECTIVE_URL:
        *(char **)out = e->url;
        return CURLE_OK;
    case CURLINFO_CONTENT_TYPE:
        *(char **)out = NULL;  // response headers are not reported
        return CURLE_OK;
    case CURLINFO_PRIVATE:
        *(void **)out = e->private_data;
        return CURLE_OK;
    }
    return CURLE_UNKNOWN_OPTION;
}

const char *curl_easy_strerror(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return "No error";
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "Unsupported protocol";
    case CURLE_FAILED_INIT:
        return "Failed initialization";
    case CURLE_URL_MALFORMAT:
        return "URL using bad/illegal format or missing URL";
    case CURLE_NOT_BUILT_IN:
        return "A requested feature, protocol or option was not found built-in in this libcurl due to a build-time decision.";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "Couldn't resolve proxy name";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "Couldn't resolve host name";
    case CURLE_COULDNT_CONNECT:
        return "Couldn't connect to server";
    case CURLE_WEIRD_SERVER_REPLY:
        return "Weird server reply";
    case CURLE_REMOTE_ACCESS_DENIED:
        return "Access denied to remote resource";
    case CURLE_HTTP_RETURNED_ERROR:
        return "HTTP response code said error";
    case CURLE_WRITE_ERROR:
        return "Failed writing received data to disk/application";
    case CURLE_READ_ERROR:
        return "Failed to open/read local data from file/application";
    case CURLE_OUT_OF_MEMORY:
        return "Out of memory";
    case CURLE_OPERATION_TIMEDOUT:
        return "Timeout was reached";
    case CURLE_SSL_CONNECT_ERROR:
        return "SSL connect error";
    case CURLE_ABORTED_BY_CALLBACK:
        return "Operation was aborted by an application callback";
    case CURLE_BAD_FUNCTION_ARGUMENT:
        return "A libcurl function was given a bad argument";
    case CURLE_UNKNOWN_OPTION:
        return "An unknown option was passed in to libcurl";
    case CURLE_GOT_NOTHING:
        return "Server returned nothing (no headers, no data)";
    case CURLE_SSL_ENGINE_NOTFOUND:
        return "SSL crypto engine not found";
    case CURLE_SEND_ERROR:
        return "Failed sending data to the peer";
    case CURLE_RECV_ERROR:
        return "Failure when receiving data from the peer";
    case CURLE_SSL_CERTPROBLEM:
        return "Problem with the local SSL certificate";
    case CURLE_SSL_CIPHER:
        return "Couldn't use specified SSL cipher";
    case CURLE_PEER_FAILED_VERIFICATION:
        return "SSL peer certificate or SSH remote key was not OK";
    case CURLE_FILESIZE_EXCEEDED:
        return "Maximum file size exceeded";
    case CURLE_SSL_CACERT_BADFILE:
        return "Problem with the SSL CA cert (path? access rights?)";
    }
    return "Unknown error";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string)
{
    if (string == NULL) {
        return NULL;
    }
    struct curl_slist *item = malloc(sizeof *item);
    if (item == NULL) {
        return NULL;
    }
    item->data = strdup(string);
    item->next = NULL;
    if (item->data == NULL) {
        free(item);
        return NULL;
    }
    if (list == NULL) {
        return item;
    }
    struct curl_slist *last = list;
    while (last->next != NULL) {
        last = last->next;
    }
    last->next = item;
    return list;
}

void curl_slist_free_all(struct curl_slist *list)
{
    while (list != NULL) {
        struct curl_slist *next = list->next;
        free(list->data);
        free(list);
        list = next;
    }
}
