/* server_fork.c - a node server in its own process (server_fork.h): the
 * child blocks SIGTERM and waits for it with sigwait, so that a graceful
 * stop runs on its main thread; the port travels back through a pipe. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server_fork.h"

pid_t tern_test_server_fork(const tern_api_config *cfg, unsigned stop_ms, unsigned *port)
{
    *port = 0;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        /* dies with the test or benchmark that forked it, even when that one
         * fails an assertion before it could stop the server */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(1);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        tern_api_server *srv = NULL;
        tern_error err;
        unsigned p = 0;
        if (tern_api_start(cfg, &srv, &err) != TERN_OK)
            fprintf(stderr, "forked server: %s\n", err.message);
        else
            p = tern_api_port(srv);
        if (write(fds[1], &p, sizeof p) != (ssize_t)sizeof p || !p)
            _exit(1);
        int sig = 0;
        sigwait(&set, &sig);
        tern_api_stop(srv, stop_ms);
        _exit(0);
    }
    close(fds[1]);
    ssize_t k = read(fds[0], port, sizeof *port);
    close(fds[0]);
    if (k != (ssize_t)sizeof *port || !*port) {
        *port = 0;
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}
