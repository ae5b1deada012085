/* The floor of any TCP server on this machine, for bench_tcp.py's "C canned reply" row.
 *
 * Why: bench_tcp.py's "bare asyncio server" row is the ceiling of a Python server; this is the ceiling of any
 * server at all. One thread, one epoll set, every read of a connection answered with the reply frame in the
 * file it was given, without parsing or calling anything: the event loop of the gateway's TCP channel with
 * nothing in it, no interpreter. What it takes a round trip is what the machine itself takes (the load
 * client, the loopback, the wake-ups of idle vCPUs); a ratio a server cannot reach against it, no server can.
 *
 *     cc -O2 -o canned_tcp canned_tcp.c && ./canned_tcp PORT REPLY_FILE [SPIN_US]
 *
 * SPIN_US (default 0): after each reply the loop polls (epoll_wait with no timeout) for that many
 * microseconds before it sleeps, as the gateway's TCP channel does by default (its spin-wait,
 * gateway/model/spin_wait.py), so that this stays the floor of a server that polls as the gateway does.
 *
 * Listens on 127.0.0.1 only. With one call in flight per connection each read is one whole request (the load
 * client writes a request in one write and waits for the reply).
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64

static char reply[65536];
static size_t reply_length;

static long
now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

static void
accept_all(int listener, int epoll)
{
    int fd;
    int one = 1;
    while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
            close(fd);
        }
    }
}

/* A readable connection: a canned reply to each read; closed at EOF or on an error. */
static void
serve_readable(int fd)
{
    char buffer[65536];
    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            if (send(fd, reply, reply_length, 0) < 0) {
                close(fd);
                return;
            }
            if ((size_t)n < sizeof buffer) {
                return;  /* all there was (epoll reports the socket again if more came): no read to learn it */
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close(fd);  /* (closing removes it from the epoll set) */
        return;
    }
}

int
main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: canned_tcp PORT REPLY_FILE [SPIN_US]\n");
        return 2;
    }
    long spin_ns = argc == 4 ? atol(argv[3]) * 1000L : 0;
    FILE *file = fopen(argv[2], "rb");
    if (file == NULL) {
        perror(argv[2]);
        return 2;
    }
    reply_length = fread(reply, 1, sizeof reply, file);
    fclose(file);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0) {
        perror("listen");
        return 1;
    }
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
    struct epoll_event events[MAX_EVENTS];
    long poll_until = 0;
    for (;;) {
        int timeout = spin_ns > 0 && now_ns() < poll_until ? 0 : -1;
        int count = epoll_wait(epoll, events, MAX_EVENTS, timeout);
        for (int i = 0; i < count; i++) {
            if (events[i].data.fd == listener) {
                accept_all(listener, epoll);
            } else {
                serve_readable(events[i].data.fd);
            }
        }
        if (count > 0 && spin_ns > 0) {
            poll_until = now_ns() + spin_ns;
        }
    }
}
