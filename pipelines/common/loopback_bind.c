/* Turns wildcard binds (0.0.0.0, [::]) into binds on the IPv4 loopback, 127.0.0.1. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_bind)(int, const struct sockaddr *, socklen_t);
  if (!real_bind) real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 local;
    memcpy(&local, addr, sizeof local);
    if (IN6_IS_ADDR_UNSPECIFIED(&local.sin6_addr)) {
      /* ::ffff:127.0.0.1: the IPv4 loopback on the dual-stack socket gRPC asked for, which is
         where clients of "localhost" connect. */
      memset(&local.sin6_addr, 0, sizeof local.sin6_addr);
      local.sin6_addr.s6_addr[10] = 0xff;
      local.sin6_addr.s6_addr[11] = 0xff;
      local.sin6_addr.s6_addr[12] = 127;
      local.sin6_addr.s6_addr[15] = 1;
      return real_bind(fd, (const struct sockaddr *)&local, sizeof local);
    }
  } else if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in local;
    memcpy(&local, addr, sizeof local);
    if (local.sin_addr.s_addr == htonl(INADDR_ANY)) {
      local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&local, sizeof local);
    }
  }
  return real_bind(fd, addr, len);
}
