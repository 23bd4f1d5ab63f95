/* A small SMTP submission client with planted bugs, for testing Gauntlet's
 * fuzzing: each bug is off unless its --bug switch is given, and with every
 * bug off the client is secure (it requires STARTTLS, verifies the server's
 * certificate against --ca-file and its name against --host, discards
 * nothing silently, and authenticates with AUTH PLAIN only inside TLS).
 *
 * It follows Gauntlet's client contract (docs/client-contract.md): run as
 *   planted_client --host {host} --addr {addr} --port {port}
 *     --ca-file {ca_file} --from {from} --to {to}
 *     --message-file {message_file} --user {user} --password {password}
 *     [--policy {policy}] [--bug NAME]...
 * it exits 0 after delivering the message, 89 when asked for a policy
 * other than require-tls (it implements no other), and another non-zero
 * status (below) when it gave up.
 *
 * The planted bugs (--bug NAME, repeatable), one line each:
 *   stack-overflow-capability  copies each EHLO capability line into a
 *                              64-byte stack buffer without a bound;
 *   null-empty-text            reads the first character of a reply's text
 *                              even when the reply has no text ("220\r\n");
 *   endless-continuation       a multi-line reply cut off by the peer
 *                              closing is waited for forever (recv() == 0
 *                              taken as "nothing yet": a busy loop);
 *   keep-buffer                bytes that arrived in plaintext after the
 *                              220 to STARTTLS are kept and read as the
 *                              first reply inside TLS (curl CVE-2021-22947);
 *   fallback-on-starttls-error a STARTTLS reply other than 220 makes it go
 *                              on in plaintext: AUTH, MAIL and the message.
 *
 * Plain C, wolfSSL (the library Gauntlet itself uses), POSIX sockets. The
 * tests build it twice: with AddressSanitizer, and with afl-clang-fast for
 * edge coverage (tests/fuzzing/CMakeLists.txt). */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

/* Exit statuses. */
enum {
  kExitDelivered = 0,
  kExitUsage = 1,
  kExitIo = 2,          /* connect, read or write failed; peer closed */
  kExitProtocol = 3,    /* a malformed or unexpected reply */
  kExitNoTls = 4,       /* STARTTLS not offered or refused */
  kExitTlsFailed = 5,   /* handshake or certificate verification failed */
  kExitUnsupported = 89 /* Gauntlet's "does not apply to me" */
};

enum {
  kMaxLine = 4096,          /* bytes per reply line, CRLF included */
  kMaxReplyLines = 256,     /* lines per reply */
  kMaxReplyBytes = 1 << 18, /* text bytes per reply */
  kCapBuffer = 64           /* the stack buffer of a capability keyword */
};

struct Options {
  const char* host;
  const char* addr;
  const char* port;
  const char* ca_file;
  const char* from;
  const char* to;
  const char* message_file;
  const char* user;
  const char* password;
  const char* policy;
  int timeout_ms;
  int bug_stack_overflow_capability;
  int bug_null_empty_text;
  int bug_endless_continuation;
  int bug_keep_buffer;
  int bug_fallback;
};

static struct Options opt;

/* The connection: a socket, a wolfSSL session once TLS is up, and the bytes
 * read but not yet consumed. Global so that every allocation stays
 * reachable at exit (LeakSanitizer reports only unreachable memory). */
struct Conn {
  int fd;
  WOLFSSL_CTX* ctx;
  WOLFSSL* ssl;
  char buf[16384];
  size_t len;
  size_t pos;
};

static struct Conn conn = {.fd = -1};

/* One reply: its code and the text of each line, NULL for a line that has
 * no text at all ("250\r\n" or "250 \r\n"). */
struct Reply {
  int code;
  int nlines;
  char* text[kMaxReplyLines];
  char storage[kMaxReplyBytes + kMaxReplyLines];
  size_t used;
};

static struct Reply reply;

static void Fail(int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "planted_client: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  if (conn.ssl != NULL) wolfSSL_free(conn.ssl);
  if (conn.ctx != NULL) wolfSSL_CTX_free(conn.ctx);
  if (conn.fd >= 0) close(conn.fd);
  wolfSSL_Cleanup();
  exit(status);
}

static void Connect(void) {
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  const char* where = opt.addr != NULL ? opt.addr : opt.host;
  int rc = getaddrinfo(where, opt.port, &hints, &res);
  if (rc != 0) Fail(kExitIo, "cannot resolve %s: %s", where, gai_strerror(rc));
  for (struct addrinfo* a = res; a != NULL; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      conn.fd = fd;
      break;
    }
    close(fd);
  }
  freeaddrinfo(res);
  if (conn.fd < 0) Fail(kExitIo, "cannot connect to %s:%s", where, opt.port);
  /* Every read and write is bounded in time. */
  struct timeval tv = {opt.timeout_ms / 1000, (opt.timeout_ms % 1000) * 1000};
  setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(conn.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Reads more bytes into conn.buf: > 0 bytes read, 0 the peer closed, < 0
 * an error or timeout. */
static long ReadMore(void) {
  if (conn.pos > 0) {
    memmove(conn.buf, conn.buf + conn.pos, conn.len - conn.pos);
    conn.len -= conn.pos;
    conn.pos = 0;
  }
  if (conn.len == sizeof conn.buf) return -1;
  char* at = conn.buf + conn.len;
  size_t room = sizeof conn.buf - conn.len;
  long n;
  if (conn.ssl != NULL) {
    n = wolfSSL_read(conn.ssl, at, (int)room);
    if (n < 0) {
      int err = wolfSSL_get_error(conn.ssl, (int)n);
      n = (err == WOLFSSL_ERROR_ZERO_RETURN || err == SOCKET_PEER_CLOSED_E)
              ? 0
              : -1;
    }
  } else {
    n = recv(conn.fd, at, room, 0);
  }
  if (n > 0) conn.len += (size_t)n;
  return n;
}

/* Reads one line (without its line ending) into `line`. Returns its
 * length; exits on a closed connection, an error or an overlong line.
 * `in_reply` is set while the line continues a multi-line reply. */
static size_t ReadLine(char* line, int in_reply) {
  for (;;) {
    char* lf = memchr(conn.buf + conn.pos, '\n', conn.len - conn.pos);
    if (lf != NULL) {
      size_t n = (size_t)(lf - (conn.buf + conn.pos));
      size_t keep = n;
      if (keep > 0 && conn.buf[conn.pos + keep - 1] == '\r') --keep;
      if (keep >= kMaxLine) Fail(kExitProtocol, "reply line too long");
      memcpy(line, conn.buf + conn.pos, keep);
      line[keep] = '\0';
      conn.pos += n + 1;
      return keep;
    }
    if (conn.len - conn.pos >= kMaxLine) {
      Fail(kExitProtocol, "reply line too long");
    }
    long got = ReadMore();
    if (got == 0 && in_reply && opt.bug_endless_continuation) {
      /* BUG endless-continuation: a closed peer is taken for a slow one. */
      continue;
    }
    if (got == 0) Fail(kExitIo, "connection closed by the server");
    if (got < 0) Fail(kExitIo, "read failed or timed out");
  }
}

/* Reads a whole reply into `reply`. */
static void ReadReply(void) {
  static char line[kMaxLine + 1];
  reply.code = 0;
  reply.nlines = 0;
  reply.used = 0;
  for (;;) {
    size_t n = ReadLine(line, reply.nlines > 0);
    if (n < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
        line[1] > '5' || line[2] < '0' || line[2] > '9') {
      Fail(kExitProtocol, "malformed reply line");
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply.nlines > 0 && code != reply.code) {
      Fail(kExitProtocol, "reply lines with different codes");
    }
    reply.code = code;
    char sep = n > 3 ? line[3] : ' ';
    if (sep != ' ' && sep != '-') Fail(kExitProtocol, "malformed reply line");
    if (reply.nlines == kMaxReplyLines) {
      Fail(kExitProtocol, "reply has too many lines");
    }
    const char* text = n > 4 ? line + 4 : "";
    size_t text_len = strlen(text);
    if (text_len == 0) {
      reply.text[reply.nlines++] = NULL;
    } else {
      if (reply.used + text_len + 1 > sizeof reply.storage) {
        Fail(kExitProtocol, "reply too large");
      }
      char* copy = reply.storage + reply.used;
      memcpy(copy, text, text_len + 1);
      reply.used += text_len + 1;
      reply.text[reply.nlines++] = copy;
    }
    if (sep == ' ') return;
  }
}

static void WriteAll(const char* data, size_t size) {
  while (size > 0) {
    long n;
    if (conn.ssl != NULL) {
      int chunk = size > 16384 ? 16384 : (int)size;
      n = wolfSSL_write(conn.ssl, data, chunk);
    } else {
      n = send(conn.fd, data, size, MSG_NOSIGNAL);
    }
    if (n <= 0) Fail(kExitIo, "write failed");
    data += n;
    size -= (size_t)n;
  }
}

static void Command(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 2, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof line - 2) Fail(kExitUsage, "command too long");
  memcpy(line + n, "\r\n", 2);
  WriteAll(line, (size_t)n + 2);
}

/* What the last EHLO reply offered. */
struct Capabilities {
  int starttls;
  int auth_plain;
};

/* Reads the capability keywords of an EHLO reply (RFC 5321 §4.1.1.1). */
static struct Capabilities ParseEhlo(void) {
  struct Capabilities caps = {0, 0};
  for (int i = 1; i < reply.nlines; ++i) {
    const char* text = reply.text[i] != NULL ? reply.text[i] : "";
    char cap[kCapBuffer];
    if (opt.bug_stack_overflow_capability) {
      /* BUG stack-overflow-capability: no bound on the copy. */
      strcpy(cap, text);
    } else {
      snprintf(cap, sizeof cap, "%s", text);
    }
    for (char* c = cap; *c != '\0'; ++c) {
      if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
    }
    if (strcmp(cap, "STARTTLS") == 0) caps.starttls = 1;
    if (strncmp(cap, "AUTH ", 5) == 0 || strncmp(cap, "AUTH=", 5) == 0) {
      const char* p = cap + 4;
      while ((p = strstr(p, "PLAIN")) != NULL) {
        if ((p[-1] == ' ' || p[-1] == '=') && (p[5] == '\0' || p[5] == ' ')) {
          caps.auth_plain = 1;
        }
        p += 5;
      }
    }
  }
  return caps;
}

/* The first character of a reply's text, for the log line. */
static char FirstChar(void) {
  if (opt.bug_null_empty_text) {
    /* BUG null-empty-text: a reply without text has a NULL text. */
    return reply.text[0][0];
  }
  return reply.text[0] != NULL ? reply.text[0][0] : '\0';
}

static void Expect(int code, const char* what) {
  ReadReply();
  if (reply.code != code) {
    Command("QUIT");
    Fail(kExitProtocol, "%s: server replied %d", what, reply.code);
  }
}

static struct Capabilities Ehlo(void) {
  Command("EHLO planted.client.test");
  Expect(250, "EHLO");
  return ParseEhlo();
}

/* Beyond chain and name: no SHA-1 signature anywhere in the chain, and a
 * leaf that names its host in a subjectAltName (RFC 6125 §6.4.4: the
 * subject CN is not consulted when a SAN is expected). */
static int CheckCertificate(int preverified, WOLFSSL_X509_STORE_CTX* store) {
  if (!preverified) return 0;
  WOLFSSL_X509* cert = store->current_cert;
  if (cert == NULL) return 0;
  int sig = wolfSSL_X509_get_signature_type(cert);
  if (sig == CTC_SHAwRSA || sig == CTC_SHAwECDSA || sig == CTC_SHAwDSA) {
    return 0;
  }
  if (store->error_depth == 0 && wolfSSL_X509_get_next_altname(cert) == NULL) {
    return 0;
  }
  return 1;
}

static void StartTls(void) {
  conn.ctx = wolfSSL_CTX_new(wolfTLS_client_method());
  if (conn.ctx == NULL) Fail(kExitTlsFailed, "wolfSSL_CTX_new failed");
  /* TLS 1.2 or later, AEAD suites with forward secrecy, RSA keys of at
   * least 2048 bits (RFC 9325). */
  if (wolfSSL_CTX_SetMinVersion(conn.ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_set_cipher_list(
          conn.ctx,
          "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
          "TLS13-CHACHA20-POLY1305-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:"
          "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
          "ECDHE-RSA-CHACHA20-POLY1305") != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_SetMinRsaKey_Sz(conn.ctx, 2048) != WOLFSSL_SUCCESS) {
    Fail(kExitTlsFailed, "cannot set the TLS parameters");
  }
  if (wolfSSL_CTX_load_verify_locations(conn.ctx, opt.ca_file, NULL) !=
      WOLFSSL_SUCCESS) {
    Fail(kExitUsage, "cannot load the CA file %s", opt.ca_file);
  }
  wolfSSL_CTX_set_verify(conn.ctx, WOLFSSL_VERIFY_PEER, CheckCertificate);
  conn.ssl = wolfSSL_new(conn.ctx);
  if (conn.ssl == NULL) Fail(kExitTlsFailed, "wolfSSL_new failed");
  wolfSSL_set_fd(conn.ssl, conn.fd);
  wolfSSL_UseSNI(conn.ssl, WOLFSSL_SNI_HOST_NAME, opt.host,
                 (unsigned short)strlen(opt.host));
  wolfSSL_check_domain_name(conn.ssl, opt.host);
  if (wolfSSL_connect(conn.ssl) != WOLFSSL_SUCCESS) {
    char err[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string_n(
        (unsigned long)wolfSSL_get_error(conn.ssl, 0), err, sizeof err);
    Fail(kExitTlsFailed, "TLS handshake failed: %s", err);
  }
}

static void SendMessage(void) {
  FILE* f = fopen(opt.message_file, "rb");
  if (f == NULL) Fail(kExitUsage, "cannot open %s", opt.message_file);
  static char line[8192];
  /* Dot-stuffing (RFC 5321 §4.5.2); lines end in CRLF on the wire. */
  while (fgets(line, sizeof line - 2, f) != NULL) {
    size_t n = strlen(line);
    int ended = n > 0 && line[n - 1] == '\n';
    if (ended) {
      --n;
      if (n > 0 && line[n - 1] == '\r') --n;
    }
    if (line[0] == '.') WriteAll(".", 1);
    WriteAll(line, n);
    if (ended) WriteAll("\r\n", 2);
  }
  fclose(f);
  WriteAll(".\r\n", 3);
}

/* "\0user\0password" in base64 (RFC 4616). */
static void AuthPlain(void) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t ul = strlen(opt.user), pl = strlen(opt.password);
  if (ul + pl > 400) Fail(kExitUsage, "credentials too long");
  unsigned char raw[404];
  raw[0] = '\0';
  memcpy(raw + 1, opt.user, ul);
  raw[1 + ul] = '\0';
  memcpy(raw + 2 + ul, opt.password, pl);
  size_t n = 2 + ul + pl;
  char b64[560];
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)raw[i] << 16;
    if (i + 1 < n) v |= (unsigned)raw[i + 1] << 8;
    if (i + 2 < n) v |= raw[i + 2];
    b64[o++] = kAlphabet[(v >> 18) & 63];
    b64[o++] = kAlphabet[(v >> 12) & 63];
    b64[o++] = i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    b64[o++] = i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  b64[o] = '\0';
  Command("AUTH PLAIN %s", b64);
  Expect(235, "AUTH");
}

static void Usage(void) {
  fprintf(stderr,
          "usage: planted_client --host H --port P --ca-file F --from A "
          "--to B --message-file M [--addr IP] [--user U --password P] "
          "[--policy P] [--timeout-ms N] [--bug NAME]...\n");
  exit(kExitUsage);
}

static void ParseArgs(int argc, char** argv) {
  static const struct option kLong[] = {
      {"host", required_argument, NULL, 'h'},
      {"addr", required_argument, NULL, 'a'},
      {"port", required_argument, NULL, 'p'},
      {"ca-file", required_argument, NULL, 'c'},
      {"from", required_argument, NULL, 'f'},
      {"to", required_argument, NULL, 't'},
      {"message-file", required_argument, NULL, 'm'},
      {"user", required_argument, NULL, 'u'},
      {"password", required_argument, NULL, 'w'},
      {"policy", required_argument, NULL, 'P'},
      {"timeout-ms", required_argument, NULL, 'T'},
      {"bug", required_argument, NULL, 'b'},
      {NULL, 0, NULL, 0}};
  opt.timeout_ms = 5000;
  int c;
  while ((c = getopt_long(argc, argv, "", kLong, NULL)) != -1) {
    switch (c) {
      case 'h': opt.host = optarg; break;
      case 'a': opt.addr = optarg; break;
      case 'p': opt.port = optarg; break;
      case 'c': opt.ca_file = optarg; break;
      case 'f': opt.from = optarg; break;
      case 't': opt.to = optarg; break;
      case 'm': opt.message_file = optarg; break;
      case 'u': opt.user = optarg; break;
      case 'w': opt.password = optarg; break;
      case 'P': opt.policy = optarg; break;
      case 'T':
        opt.timeout_ms = atoi(optarg);
        if (opt.timeout_ms <= 0 || opt.timeout_ms > 600000) Usage();
        break;
      case 'b':
        if (strcmp(optarg, "stack-overflow-capability") == 0) {
          opt.bug_stack_overflow_capability = 1;
        } else if (strcmp(optarg, "null-empty-text") == 0) {
          opt.bug_null_empty_text = 1;
        } else if (strcmp(optarg, "endless-continuation") == 0) {
          opt.bug_endless_continuation = 1;
        } else if (strcmp(optarg, "keep-buffer") == 0) {
          opt.bug_keep_buffer = 1;
        } else if (strcmp(optarg, "fallback-on-starttls-error") == 0) {
          opt.bug_fallback = 1;
        } else {
          fprintf(stderr, "planted_client: unknown bug '%s'\n", optarg);
          Usage();
        }
        break;
      default: Usage();
    }
  }
  if (optind != argc || opt.host == NULL || opt.port == NULL ||
      opt.ca_file == NULL || opt.from == NULL || opt.to == NULL ||
      opt.message_file == NULL || (opt.user == NULL) != (opt.password == NULL)) {
    Usage();
  }
}

int main(int argc, char** argv) {
  ParseArgs(argc, argv);
  if (opt.policy != NULL && strcmp(opt.policy, "require-tls") != 0) {
    fprintf(stderr, "planted_client: only the require-tls policy\n");
    return kExitUnsupported;
  }
  wolfSSL_Init();
  Connect();

  Expect(220, "greeting");
  fprintf(stderr, "planted_client: greeting starts with '%c'\n", FirstChar());
  struct Capabilities caps = Ehlo();
  if (!caps.starttls) {
    Command("QUIT");
    Fail(kExitNoTls, "the server does not offer STARTTLS");
  }
  Command("STARTTLS");
  ReadReply();
  int plaintext = 0;
  if (reply.code != 220) {
    if (!opt.bug_fallback) {
      Command("QUIT");
      Fail(kExitNoTls, "STARTTLS refused with %d", reply.code);
    }
    /* BUG fallback-on-starttls-error: carries on without TLS. */
    plaintext = 1;
  } else {
    if (conn.pos < conn.len && !opt.bug_keep_buffer) {
      /* Bytes after the 220 were sent before TLS, by anyone on the path
       * (RFC 3207 §5 says to discard them; refusing is stricter). */
      Fail(kExitProtocol, "the server sent bytes after its 220 to STARTTLS");
    }
    /* BUG keep-buffer: conn.buf keeps those plaintext bytes, and they are
     * read as the first reply inside TLS. */
    StartTls();
    caps = Ehlo();
  }
  if (opt.user != NULL && caps.auth_plain) AuthPlain();
  Command("MAIL FROM:<%s>", opt.from);
  Expect(250, "MAIL");
  Command("RCPT TO:<%s>", opt.to);
  ReadReply();
  if (reply.code != 250 && reply.code != 251) {
    Command("QUIT");
    Fail(kExitProtocol, "RCPT: server replied %d", reply.code);
  }
  Command("DATA");
  Expect(354, "DATA");
  SendMessage();
  Expect(250, "message");
  Command("QUIT");
  ReadReply();
  if (conn.ssl != NULL) wolfSSL_shutdown(conn.ssl);
  fprintf(stderr, "planted_client: delivered%s\n",
          plaintext ? " in plaintext" : " over TLS");
  if (conn.ssl != NULL) wolfSSL_free(conn.ssl);
  if (conn.ctx != NULL) wolfSSL_CTX_free(conn.ctx);
  close(conn.fd);
  wolfSSL_Cleanup();
  return kExitDelivered;
}
