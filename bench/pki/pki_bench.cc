// How long the run's test PKI takes to make: every CertProfile for both key
// types, root and intermediates included. RSA keys are generated once per
// process (the first iteration of BM_FirstCreate pays for them); every
// later creation reuses them, which is the cost a run pays per PKI.

#include <memory>

#include "benchmark/benchmark.h"
#include "fake_servers/pki/test_pki.h"

namespace gauntlet::pki {
namespace {

// Runs first (registration order): includes RSA-2048 + RSA-1024 keygen.
void BM_FirstCreateIncludingRsaKeygen(benchmark::State& state) {
  for (auto _ : state) {
    auto pki = TestPki::Create({});
    if (!pki.ok()) state.SkipWithError(std::string(pki.status().message()).c_str());
    benchmark::DoNotOptimize(pki);
  }
}
BENCHMARK(BM_FirstCreateIncludingRsaKeygen)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_CreateTestPki(benchmark::State& state) {
  for (auto _ : state) {
    auto pki = TestPki::Create({});
    if (!pki.ok()) state.SkipWithError(std::string(pki.status().message()).c_str());
    benchmark::DoNotOptimize(pki);
  }
}
BENCHMARK(BM_CreateTestPki)->Unit(benchmark::kMillisecond);

void BM_CreateAndWriteClientFiles(benchmark::State& state) {
  for (auto _ : state) {
    auto pki = TestPki::Create({});
    if (!pki.ok()) {
      state.SkipWithError(std::string(pki.status().message()).c_str());
      break;
    }
    auto files = (*pki)->WriteClientFiles();
    if (!files.ok()) state.SkipWithError(std::string(files.status().message()).c_str());
    benchmark::DoNotOptimize(files);
  }
}
BENCHMARK(BM_CreateAndWriteClientFiles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gauntlet::pki

BENCHMARK_MAIN();
