// ASan defaults for Gauntlet's libFuzzer binaries (not the corpus replay).
//
// ASan keeps freed memory in a quarantine so that a use after free lands
// on poisoned bytes; by default the quarantine holds 256 MB. A fuzz target
// frees a few hundred bytes per execution, so a 256 MB quarantine means
// every allocation lands on memory last touched half a million executions
// ago: a cache miss, a TLB miss and, on this project's virtual machines, a
// page fault. That cost a quarter of the reply fuzzer's time. A 10 MB
// quarantine, the size OSS-Fuzz's runners use, still holds every chunk the
// last ~10,000 executions freed, far more than one execution can touch
// again. ASAN_OPTIONS set in the environment still override this.

#include "fuzz/fuzz_util.h"

extern "C" FUZZ_HARNESS __attribute__((used, visibility("default"))) const char*
__asan_default_options() {
  return "quarantine_size_mb=10";
}
