// The fuzzer's own pseudo-random generator: xoshiro256** (Blackman and
// Vigna, https://prng.di.unimi.it/), seeded through SplitMix64.
//
// Owned here rather than taken from <random> because a fuzzing run must be
// replayable bit for bit from its seed on every platform and library
// version: std::uniform_int_distribution and friends are not specified to
// produce the same values everywhere, and std::random_device is not a
// seed at all. Nothing here reads a clock or the environment.

#ifndef GAUNTLET_FUZZING_PRNG_H_
#define GAUNTLET_FUZZING_PRNG_H_

#include <cstddef>
#include <cstdint>

namespace gauntlet::fuzzing {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    for (std::uint64_t& word : s_) word = SplitMix64(seed);
  }

  std::uint64_t Next() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) (Lemire's multiply-shift: no modulo bias worth
  // speaking of for the small n used here); 0 when n is 0.
  std::uint64_t Below(std::uint64_t n) {
    if (n == 0) return 0;
    return static_cast<std::uint64_t>(
        (static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi], lo <= hi.
  std::uint64_t Between(std::uint64_t lo, std::uint64_t hi) {
    return lo + Below(hi - lo + 1);
  }
  bool OneIn(std::uint64_t n) { return Below(n) == 0; }
  // An element of a non-empty array.
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

  // One step of SplitMix64: also how a mutation's own seed is drawn.
  static std::uint64_t SplitMix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }

  std::uint64_t s_[4];
};

}  // namespace gauntlet::fuzzing

#endif  // GAUNTLET_FUZZING_PRNG_H_
