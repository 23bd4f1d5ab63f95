// Helpers shared by Gauntlet's libFuzzer targets: the invariant check, the
// randomness that picks parser limits and read boundaries, and the
// attribute that keeps harness code out of the fuzzer's feedback.
//
// Everything random is derived from a hash of the input, never from a
// clock or a global seed, so a target does the same thing with an input
// under libFuzzer, in the corpus replay and in a debugger: a seed is a
// plain capture and a reproducer reproduces.

#ifndef GAUNTLET_FUZZ_FUZZ_UTIL_H_
#define GAUNTLET_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

// Aborts (so libFuzzer saves the input) when an invariant does not hold.
// A trap, not assert(): it must stay in NDEBUG builds.
#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

// Marks harness code (hashing, digests, bookkeeping) as not instrumented
// for coverage. Its branches and comparisons say nothing about the code
// under test: instrumented, they cost time on every execution and feed the
// fuzzer features and comparison operands (digest values) that only make
// its search worse.
#if defined(__clang__)
#define FUZZ_HARNESS __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_HARNESS
#endif

// Keeps a harness function out of line, so that it is not inlined into an
// instrumented caller (a FunctionRef trampoline, say) and instrumented there.
#define FUZZ_NOINLINE __attribute__((noinline))

namespace gauntlet::fuzz {

inline constexpr std::uint64_t kHashBasis = 0xcbf29ce484222325ull;

// Folds `v` into the hash `h`.
FUZZ_HARNESS inline std::uint64_t HashMix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9ddfea08eb382d69ull;
  return h ^ (h >> 47);
}

// Folds `bytes` (and their length) into `h`, eight bytes per step.
FUZZ_HARNESS inline std::uint64_t HashBytes(absl::string_view bytes,
                                            std::uint64_t h = kHashBasis) {
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, bytes.data() + i, 8);
    h = HashMix(h, chunk);
  }
  std::uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return HashMix(h, tail ^ (static_cast<std::uint64_t>(bytes.size()) << 56));
}

// Byte equality without memcmp, whose sanitizer interceptor would hand
// the harness's comparison operands to the fuzzer as hints.
FUZZ_HARNESS inline bool BytesEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// SplitMix64 seeded with a hash of the input.
class InputRandom {
 public:
  FUZZ_HARNESS explicit InputRandom(absl::string_view input)
      : state_(HashBytes(input)) {}

  FUZZ_HARNESS std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n must be positive.
  FUZZ_HARNESS std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  FUZZ_HARNESS bool OneIn(std::uint64_t n) { return Below(n) == 0; }

 private:
  std::uint64_t state_;
};

// Where a byte stream of `size` bytes is split into reads: 1 to kMax
// sorted positions in [0, size] (repeats and the ends allowed: empty reads
// are reads too).
struct Cuts {
  static constexpr std::size_t kMax = 8;
  std::array<std::size_t, kMax> at{};
  std::size_t count = 0;

  FUZZ_HARNESS static Cuts Random(InputRandom& rng, std::size_t size,
                                  std::size_t max_count) {
    Cuts cuts;
    cuts.count = 1 + rng.Below(std::min(max_count, kMax));
    for (std::size_t i = 0; i < cuts.count; ++i) {
      cuts.at[i] = rng.Below(size + 1);
    }
    std::sort(cuts.at.begin(), cuts.at.begin() + cuts.count);
    return cuts;
  }

  absl::Span<const std::size_t> span() const {
    return absl::MakeConstSpan(at.data(), count);
  }
};

}  // namespace gauntlet::fuzz

#endif  // GAUNTLET_FUZZ_FUZZ_UTIL_H_
