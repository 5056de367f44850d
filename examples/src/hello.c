/* A tiny C program: built with gcc (glibc) and musl-gcc (musl) by build_app.py. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char buf[64];
    /* _FORTIFY_SOURCE turns this into __snprintf_chk on glibc: a gcompat symbol */
    snprintf(buf, sizeof buf, "hello from %s", argc > 1 ? argv[1] : "alpine-ready");
    puts(buf);
    return (int)strlen(buf) == 0;
}
