#include "harness/fuzz/coverage_map.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/string_view.h"
#include "common/text_escape.h"

namespace gauntlet::fuzz {

absl::StatusOr<std::size_t> MapSizeFrom(const char* value) {
  if (value == nullptr || *value == '\0') return kDefaultMapSize;
  std::size_t n = 0;
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || n > kMaxMapSize) {
      n = kMaxMapSize + 1;
      break;
    }
    n = n * 10 + static_cast<std::size_t>(*p - '0');
  }
  if (n < 64 || n > kMaxMapSize) {
    return absl::InvalidArgumentError(
        Cat("AFL_MAP_SIZE=", text::SanitizeText(value),
            ": must be a number of bytes from 64 to ", kMaxMapSize));
  }
  return (n + 63) / 64 * 64;
}

std::uint8_t BucketOf(std::uint8_t hits) {
  if (hits == 0) return 0;
  if (hits == 1) return 1;
  if (hits == 2) return 2;
  if (hits == 3) return 4;
  if (hits <= 7) return 8;
  if (hits <= 15) return 16;
  if (hits <= 31) return 32;
  if (hits <= 127) return 64;
  return 128;
}

absl::StatusOr<std::unique_ptr<SharedCoverageMap>> SharedCoverageMap::Create(
    std::size_t size) {
  if (size == 0 || size > kMaxMapSize) {
    return absl::InvalidArgumentError(Cat("coverage map of ", size, " bytes"));
  }
  const int id = shmget(IPC_PRIVATE, size, IPC_CREAT | IPC_EXCL | 0600);
  if (id < 0) {
    return absl::ResourceExhaustedError(
        Cat("shmget(", size, " bytes): ", std::strerror(errno)));
  }
  void* map = shmat(id, nullptr, 0);
  const int attach_errno = errno;
  // Marked for removal at once: it goes away with its last detach, which
  // at the latest is this process's exit.
  shmctl(id, IPC_RMID, nullptr);
  if (map == reinterpret_cast<void*>(-1)) {
    return absl::ResourceExhaustedError(
        Cat("shmat: ", std::strerror(attach_errno)));
  }
  std::memset(map, 0, size);
  return std::unique_ptr<SharedCoverageMap>(
      new SharedCoverageMap(id, static_cast<std::uint8_t*>(map), size));
}

SharedCoverageMap::~SharedCoverageMap() { shmdt(map_); }

std::pair<std::string, std::string> SharedCoverageMap::EnvVar() const {
  return {kShmEnvVar, std::to_string(id_)};
}

void SharedCoverageMap::Clear() { std::memset(map_, 0, size_); }

VirginMap::NewCoverage VirginMap::Merge(std::span<const std::uint8_t> hits) {
  NewCoverage result;
  const std::size_t n = std::min(hits.size(), seen_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (hits[i] == 0) continue;
    const std::uint8_t bucket = BucketOf(hits[i]);
    if ((seen_[i] & bucket) != 0) continue;
    if (seen_[i] == 0) {
      ++result.new_edges;
      ++edges_;
    } else {
      ++result.new_buckets;
    }
    seen_[i] |= bucket;
  }
  return result;
}

}  // namespace gauntlet::fuzz
