// AFL++ edge coverage from a client under test: a System V shared-memory
// map the client's instrumentation writes into, and the bookkeeping that
// tells whether a run reached anything new.
//
// A program built with afl-clang-fast attaches, at start-up, the segment
// whose id is in the environment variable __AFL_SHM_ID and counts every
// edge it takes in one byte of it (AFL++ docs, "env_variables.md" and
// "afl-fuzz_approach.md"; the runtime is afl-compiler-rt). Without AFL's
// fork server (descriptors 198/199, which a client never inherits here)
// it simply runs once and writes the map. The map is 65536 bytes unless
// AFL_MAP_SIZE says otherwise.
//
// The segment is marked for removal (IPC_RMID) right after Gauntlet
// attaches it: Linux still lets the client attach it by id while it is
// attached here (shmctl(2)), and nothing of it outlives Gauntlet, even on
// a crash.
//
// Hit counts are compared in AFL's buckets (1, 2, 3, 4-7, 8-15, 16-31,
// 32-127, 128+): a run is new when an edge is hit for the first time or in
// a bucket never seen for it before.

#ifndef GAUNTLET_HARNESS_FUZZ_COVERAGE_MAP_H_
#define GAUNTLET_HARNESS_FUZZ_COVERAGE_MAP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace gauntlet::fuzz {

inline constexpr std::size_t kDefaultMapSize = 65536;
// The largest map accepted from AFL_MAP_SIZE (AFL++'s own FS_OPT_MAX_MAPSIZE
// is 8 MiB).
inline constexpr std::size_t kMaxMapSize = std::size_t{1} << 23;
inline constexpr char kShmEnvVar[] = "__AFL_SHM_ID";

// The map size: AFL_MAP_SIZE from `value` when it is set (a decimal in
// [64, kMaxMapSize], rounded up to a multiple of 64 as AFL++ does), else
// kDefaultMapSize. An invalid value is an error naming it.
absl::StatusOr<std::size_t> MapSizeFrom(const char* value);

// AFL's bucket for a hit count: one bit per bucket, 0 for no hit.
std::uint8_t BucketOf(std::uint8_t hits);

class SharedCoverageMap {
 public:
  // Creates, attaches and marks for removal a private segment of `size`
  // bytes (mode 0600).
  static absl::StatusOr<std::unique_ptr<SharedCoverageMap>> Create(
      std::size_t size);
  ~SharedCoverageMap();
  SharedCoverageMap(const SharedCoverageMap&) = delete;
  SharedCoverageMap& operator=(const SharedCoverageMap&) = delete;

  int shm_id() const { return id_; }
  // What to add to the client's environment: {"__AFL_SHM_ID", "<id>"}.
  std::pair<std::string, std::string> EnvVar() const;
  // Zeroes the map: call before each run.
  void Clear();
  std::span<const std::uint8_t> hits() const { return {map_, size_}; }

 private:
  SharedCoverageMap(int id, std::uint8_t* map, std::size_t size)
      : id_(id), map_(map), size_(size) {}
  int id_;
  std::uint8_t* map_;
  std::size_t size_;
};

// The buckets seen so far for each edge, over all runs.
class VirginMap {
 public:
  explicit VirginMap(std::size_t size) : seen_(size, 0) {}

  struct NewCoverage {
    std::size_t new_edges = 0;    // edges never hit before
    std::size_t new_buckets = 0;  // known edges hit in a new bucket
    bool any() const { return new_edges > 0 || new_buckets > 0; }
  };
  // Folds one run's hit counts in; says what was new. A trace of another
  // size is compared over the common prefix.
  NewCoverage Merge(std::span<const std::uint8_t> hits);
  // Edges hit in any run so far.
  std::size_t edges_covered() const { return edges_; }

 private:
  std::vector<std::uint8_t> seen_;
  std::size_t edges_ = 0;
};

}  // namespace gauntlet::fuzz

#endif  // GAUNTLET_HARNESS_FUZZ_COVERAGE_MAP_H_
