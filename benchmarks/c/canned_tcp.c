/* The floor of any TCP server on this machine, for bench_tcp.py's "C canned reply" row.
 *
 * Why: bench_tcp.py's "bare asyncio server" row is the ceiling of a Python server; this is the ceiling of any
 * server at all. A thread per connection (as Mono's TcpChannel has) blocks in recv() and answers every read
 * with the reply frame in the file it was given, without parsing or calling anything: two system calls a
 * call, no event loop, no interpreter. What it takes a round trip is what the machine itself takes (the load
 * client, the loopback, and the wake-ups of two idle vCPUs); a ratio a server cannot reach against it at one
 * connection, no server can.
 *
 *     cc -O2 -pthread -o canned_tcp canned_tcp.c && ./canned_tcp PORT REPLY_FILE
 *
 * Listens on 127.0.0.1 only. With one call in flight per connection each read is one whole request (the load
 * client writes a request in one write and waits for the reply).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static char reply[65536];
static size_t reply_length;

/* One connection: a canned reply to every read until the peer closes. */
static void *
serve_connection(void *arg)
{
    int fd = (int)(long)arg;
    int one = 1;
    char buffer[65536];
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (recv(fd, buffer, sizeof buffer, 0) > 0) {
        if (send(fd, reply, reply_length, 0) < 0) {
            break;
        }
    }
    close(fd);
    return NULL;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: canned_tcp PORT REPLY_FILE\n");
        return 2;
    }
    FILE *file = fopen(argv[2], "rb");
    if (file == NULL) {
        perror(argv[2]);
        return 2;
    }
    reply_length = fread(reply, 1, sizeof reply, file);
    fclose(file);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
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
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve_connection, (void *)(long)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(thread);
    }
}
