// net-client: exercises the emulated network from a high-level app, one action per run, chosen
// by the command-line arguments (the manifest's CmdArgs; the tests build a manifest per case):
//
//   connect HOST PORT MESSAGE      resolve HOST, connect (blocking), send MESSAGE, print the
//                                  reply ("echo: ..."), close
//   nbconnect HOST PORT MESSAGE    the same with a non-blocking socket driven by an EventLoop
//                                  (EINPROGRESS, EPOLLOUT, SO_ERROR, EPOLLIN)
//   serve PORT                     bind and listen on PORT, accept one client, answer
//                                  "pong: " + what it sent, close
//   udp HOST PORT MESSAGE          send one datagram, print the reply datagram
//   https URL [deviceauth] [BODY]  POST BODY (or GET without one) with libcurl; with
//                                  "deviceauth" present the device's client certificate
//   certpath [wait]                print DeviceAuth_GetCertificatePath() and the first line of
//                                  the file (with "wait": once the device has its certificate)
//
// Every run first prints "ready=0|1" (Networking_IsNetworkingReady). Each failure is printed as
// "<call>: errno=<n> (<name>)" (or "curl=<code>") and makes the app exit 1; success exits 0.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <applibs/application.h>
#include <applibs/eventloop.h>
#include <applibs/log.h>
#include <applibs/networking.h>
#include <tlsutils/deviceauth_curl.h>

static const char *errname(int e)
{
    switch (e) {
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case ENETUNREACH:
        return "ENETUNREACH";
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case EINPROGRESS:
        return "EINPROGRESS";
    case EAGAIN:
        return "EAGAIN";
    case EADDRINUSE:
        return "EADDRINUSE";
    case ENOENT:
        return "ENOENT";
    case EAFNOSUPPORT:
        return "EAFNOSUPPORT";
    }
    return "other";
}

static int failed(const char *call)
{
    int e = errno;
    Log_Debug("%s: errno=%d (%s)\n", call, e, errname(e));
    return 1;
}

// open_to resolves host and connects a new socket of the given type to host:port.
static int open_to(const char *host, const char *port, int type, int *out)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = type};
    struct addrinfo *res;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0) {
        Log_Debug("getaddrinfo: %d (%s)\n", g, gai_strerror(g));
        return 1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        freeaddrinfo(res);
        return failed("socket");
    }
    int r = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (r != 0) {
        close(fd);
        return failed("connect");
    }
    *out = fd;
    return 0;
}

static int do_connect(const char *host, const char *port, const char *msg)
{
    int fd;
    if (open_to(host, port, SOCK_STREAM, &fd) != 0) {
        return 1;
    }
    if (send(fd, msg, strlen(msg), 0) != (ssize_t)strlen(msg)) {
        close(fd);
        return failed("send");
    }
    char buf[256];
    size_t got = 0;
    while (got < strlen(msg)) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n < 0) {
            close(fd);
            return failed("recv");
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    Log_Debug("echo: %s\n", buf);
    close(fd);
    return 0;
}

// ---- non-blocking, with an EventLoop ------------------------------------------------------

typedef struct {
    EventLoop *loop;
    EventRegistration *reg;
    const char *msg;
    int status;
    size_t got;
    char buf[256];
} nbstate;

static void on_io(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    nbstate *s = context;
    if (events & EventLoop_Output) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            s->status = failed("getsockopt");
            EventLoop_Stop(s->loop);
            return;
        }
        if (err != 0) {
            errno = err;
            s->status = failed("connect(SO_ERROR)");
            EventLoop_Stop(s->loop);
            return;
        }
        Log_Debug("connected\n");
        send(fd, s->msg, strlen(s->msg), 0);
        EventLoop_ModifyIoEvents(s->loop, s->reg, EventLoop_Input);
        return;
    }
    ssize_t n = recv(fd, s->buf + s->got, sizeof s->buf - 1 - s->got, 0);
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    if (n > 0) {
        s->got += (size_t)n;
    }
    if (n <= 0 || s->got >= strlen(s->msg)) {
        s->buf[s->got] = '\0';
        Log_Debug("echo: %s\n", s->buf);
        s->status = 0;
        EventLoop_Stop(s->loop);
    }
}

static int do_nbconnect(const char *host, const char *port, const char *msg)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0) {
        Log_Debug("getaddrinfo: %d (%s)\n", g, gai_strerror(g));
        return 1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return failed("socket");
    }
    int r = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (r != 0 && errno != EINPROGRESS) {
        return failed("connect");
    }
    if (r != 0) {
        Log_Debug("connect: in progress\n");
    }
    nbstate s = {.msg = msg, .status = 1};
    s.loop = EventLoop_Create();
    s.reg = EventLoop_RegisterIo(s.loop, fd, EventLoop_Output, on_io, &s);
    if (s.reg == NULL) {
        return failed("EventLoop_RegisterIo");
    }
    EventLoop_Run(s.loop, 10000, false);
    EventLoop_UnregisterIo(s.loop, s.reg);
    EventLoop_Close(s.loop);
    close(fd);
    return s.status;
}

// ---- server -----------------------------------------------------------------------------------

static int do_serve(const char *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return failed("socket");
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
                               .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        return failed("bind");
    }
    if (listen(fd, 4) != 0) {
        return failed("listen");
    }
    Log_Debug("listening on %s\n", port);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int c = accept(fd, (struct sockaddr *)&peer, &plen);
    if (c < 0) {
        return failed("accept");
    }
    char buf[128];
    ssize_t n = recv(c, buf, sizeof buf - 1, 0);
    if (n < 0) {
        return failed("recv");
    }
    buf[n] = '\0';
    char reply[160];
    int len = snprintf(reply, sizeof reply, "pong: %s", buf);
    send(c, reply, (size_t)len, 0);
    Log_Debug("served: %s\n", buf);
    close(c);
    close(fd);
    return 0;
}

static int do_udp(const char *host, const char *port, const char *msg)
{
    int fd;
    if (open_to(host, port, SOCK_DGRAM, &fd) != 0) {
        return 1;
    }
    if (send(fd, msg, strlen(msg), 0) < 0) {
        return failed("send");
    }
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) {
        return failed("recv");
    }
    buf[n] = '\0';
    Log_Debug("datagram: %s\n", buf);
    close(fd);
    return 0;
}

// ---- HTTPS with libcurl ---------------------------------------------------------------------

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)userdata;
    Log_Debug("body: %.*s\n", (int)(size * nmemb), ptr);
    return size * nmemb;
}

// wait_deviceauth waits up to 10 s for the device's certificate, as apps do before mutual TLS.
static void wait_deviceauth(void)
{
    bool ready = false;
    for (int i = 0; i < 100 && !ready; i++) {
        if (Application_IsDeviceAuthReady(&ready) != 0 || ready) {
            break;
        }
        usleep(100 * 1000);
    }
    Log_Debug("deviceauth ready=%d\n", ready);
}

static int do_https(const char *url, bool deviceauth, const char *body)
{
    if (deviceauth) {
        wait_deviceauth();
    }
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    struct curl_slist *headers = NULL;
    if (body != NULL) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    if (deviceauth) {
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, DeviceAuth_CurlSslFunc);
    }
    CURLcode r = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (r != CURLE_OK) {
        Log_Debug("curl=%d (%s)\n", r, curl_easy_strerror(r));
        return 1;
    }
    Log_Debug("status=%ld\n", status);
    return 0;
}

static int do_certpath(bool wait)
{
    if (wait) {
        wait_deviceauth();
    }
    const char *path = DeviceAuth_GetCertificatePath();
    if (path == NULL) {
        return failed("DeviceAuth_GetCertificatePath");
    }
    Log_Debug("path=%s\n", path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return failed("fopen");
    }
    char line[80];
    if (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        Log_Debug("first line: %s\n", line);
    }
    fclose(f);
    return 0;
}

int main(int argc, char *argv[])
{
    bool ready = false;
    if (Networking_IsNetworkingReady(&ready) != 0) {
        return failed("Networking_IsNetworkingReady");
    }
    Log_Debug("ready=%d\n", ready);
    if (argc >= 5 && strcmp(argv[1], "connect") == 0) {
        return do_connect(argv[2], argv[3], argv[4]);
    }
    if (argc >= 5 && strcmp(argv[1], "nbconnect") == 0) {
        return do_nbconnect(argv[2], argv[3], argv[4]);
    }
    if (argc >= 3 && strcmp(argv[1], "serve") == 0) {
        return do_serve(argv[2]);
    }
    if (argc >= 5 && strcmp(argv[1], "udp") == 0) {
        return do_udp(argv[2], argv[3], argv[4]);
    }
    if (argc >= 3 && strcmp(argv[1], "https") == 0) {
        bool deviceauth = argc >= 4 && strcmp(argv[3], "deviceauth") == 0;
        const char *body = argc >= 5 ? argv[4] : (argc >= 4 && !deviceauth ? argv[3] : NULL);
        return do_https(argv[2], deviceauth, body);
    }
    if (argc >= 2 && strcmp(argv[1], "certpath") == 0) {
        return do_certpath(argc >= 3 && strcmp(argv[2], "wait") == 0);
    }
    Log_Debug("usage: connect|nbconnect|serve|udp|https|certpath ...\n");
    return 2;
}
