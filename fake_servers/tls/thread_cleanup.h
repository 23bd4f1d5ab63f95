// Per-thread cleanup for the server's I/O threads.
//
// The system wolfSSL is built with FP_ECC: every thread that does ECC math
// gets a thread-local fixed-point cache that wolfSSL frees only when the
// thread calls wc_ecc_fp_free(). The server's I/O threads run handshakes,
// so each calls ReleaseThreadTlsState() before it exits; otherwise every
// stopped server would leak the caches (and LeakSanitizer says so).

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_THREAD_CLEANUP_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_THREAD_CLEANUP_H_

namespace gauntlet::fake::server {

void ReleaseThreadTlsState();

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_THREAD_CLEANUP_H_
