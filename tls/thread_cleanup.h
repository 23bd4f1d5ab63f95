// Per-thread cleanup for every thread that ran TLS through wolfSSL.
//
// The system wolfSSL is built with FP_ECC: every thread that does ECC math
// (an ECDHE key share, an ECDSA signature or verification) gets a
// thread-local fixed-point cache that wolfSSL frees only when that thread
// calls wc_ecc_fp_free(). The fake server's I/O threads, the proxy's
// session threads and the reference client each call
// ReleaseThreadTlsState() before the thread ends; otherwise every such
// thread leaks its cache (and LeakSanitizer says so). gauntlet_pki, which
// sits below this library, releases the cache of its own key generation.

#ifndef GAUNTLET_TLS_THREAD_CLEANUP_H_
#define GAUNTLET_TLS_THREAD_CLEANUP_H_

namespace gauntlet::tls {

// Frees what wolfSSL keeps for the calling thread. Safe to call more than
// once, and on threads that never did TLS.
void ReleaseThreadTlsState();

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_THREAD_CLEANUP_H_
