#include "tls/thread_cleanup.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

namespace gauntlet::tls {

void ReleaseThreadTlsState() {
#ifdef FP_ECC
  wc_ecc_fp_free();
#endif
}

}  // namespace gauntlet::tls
