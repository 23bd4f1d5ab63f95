// The AFL++ coverage map reader (harness/fuzz/coverage_map.h): AFL's hit
// count buckets, the virgin map, and real runs of the planted client built
// with afl-clang-fast against two loopback scripts.

#include "harness/fuzz/coverage_map.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzzing/child.h"
#include "tests/fuzzing/script_server.h"

namespace gauntlet::fuzz {
namespace {

TEST(CoverageBucketsTest, AflBuckets) {
  const std::uint8_t expected[][2] = {
      {0, 0},   {1, 1},    {2, 2},     {3, 4},    {4, 8},
      {7, 8},   {8, 16},   {15, 16},   {16, 32},  {31, 32},
      {32, 64}, {127, 64}, {128, 128}, {255, 128}};
  for (const auto& [hits, bucket] : expected) {
    EXPECT_EQ(BucketOf(hits), bucket) << int{hits};
  }
}

TEST(CoverageBucketsTest, MapSizeFromEnvironment) {
  EXPECT_EQ(*MapSizeFrom(nullptr), kDefaultMapSize);
  EXPECT_EQ(*MapSizeFrom(""), kDefaultMapSize);
  EXPECT_EQ(*MapSizeFrom("100000"), 100032u);
  EXPECT_FALSE(MapSizeFrom("12").ok());
  EXPECT_FALSE(MapSizeFrom("lots").ok());
  EXPECT_FALSE(MapSizeFrom("99999999999999999999999").ok());
}

TEST(VirginMapTest, NewEdgesThenNewBucketsThenNothing) {
  VirginMap virgin(8);
  std::vector<std::uint8_t> trace = {0, 1, 0, 5, 0, 0, 0, 0};
  EXPECT_EQ(virgin.Merge(trace).new_edges, 2u);
  EXPECT_FALSE(virgin.Merge(trace).any());
  trace[3] = 6;  // the same bucket (4-7)
  EXPECT_FALSE(virgin.Merge(trace).any());
  trace[3] = 9;  // a new bucket for a known edge
  const VirginMap::NewCoverage c = virgin.Merge(trace);
  EXPECT_EQ(c.new_edges, 0u);
  EXPECT_EQ(c.new_buckets, 1u);
  EXPECT_EQ(virgin.edges_covered(), 2u);
}

// Whether System V segment `id` exists (proc(5), /proc/sysvipc/shm).
bool SegmentExists(int id) {
  std::ifstream in("/proc/sysvipc/shm");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long key, shmid;
    if (fields >> key >> shmid && shmid == id) return true;
  }
  return false;
}

std::vector<std::string> ClientArgs(int port) {
  return fuzzing_test::PlantedClientArgs(PLANTED_CLIENT_AFL, port);
}

// One run of the instrumented client against `replies`, its coverage
// folded into `virgin`.
VirginMap::NewCoverage RunOnce(SharedCoverageMap& map, VirginMap& virgin,
                               const std::vector<std::string>& replies,
                               int expected_exit) {
  map.Clear();
  fuzzing_test::ScriptServer server(replies);
  const fuzzing_test::ChildEnd end = fuzzing_test::RunChild(
      ClientArgs(server.port()), {map.EnvVar()}, std::chrono::seconds(20));
  server.Commands();
  EXPECT_TRUE(end.exited) << end.err;
  EXPECT_EQ(end.exit_code, expected_exit) << end.err;
  return virgin.Merge(map.hits());
}

TEST(CoverageMapTest, InstrumentedClientReportsItsEdges) {
  if (std::string(PLANTED_CLIENT_AFL).empty()) {
    GTEST_SKIP() << "afl-clang-fast is not installed (Debian package afl++; "
                    "scripts/install-deps.sh --with-tests installs it)";
  }
  int id = -1;
  {
    absl::StatusOr<std::unique_ptr<SharedCoverageMap>> map =
        SharedCoverageMap::Create(*MapSizeFrom(nullptr));
    ASSERT_TRUE(map.ok()) << map.status();
    id = (*map)->shm_id();
    VirginMap virgin((*map)->hits().size());

    // Each script ends with a reply to the client's QUIT, so the client's
    // path does not depend on when the server closes.
    const std::vector<std::string> no_starttls = {
        "220 mx.test ESMTP\r\n", "250-mx.test\r\n250 PIPELINING\r\n",
        "221 bye\r\n"};
    const std::vector<std::string> refused = {
        "220 mx.test ESMTP\r\n", "250-mx.test\r\n250 STARTTLS\r\n",
        "454 4.7.0 TLS not available\r\n", "221 bye\r\n"};

    const VirginMap::NewCoverage first =
        RunOnce(**map, virgin, no_starttls, /*expected_exit=*/4);
    EXPECT_GT(first.new_edges, 20u);
    const std::size_t after_first = virgin.edges_covered();

    // The same script again reaches nothing new.
    const VirginMap::NewCoverage again = RunOnce(**map, virgin, no_starttls, 4);
    EXPECT_FALSE(again.any()) << again.new_edges << " new edges, "
                              << again.new_buckets << " new buckets";

    // Another script reaches other edges (the STARTTLS path).
    const VirginMap::NewCoverage other = RunOnce(**map, virgin, refused, 4);
    EXPECT_GT(other.new_edges, 0u);
    EXPECT_GT(virgin.edges_covered(), after_first);
  }
  // Marked for removal at creation, gone with the map object.
  EXPECT_FALSE(SegmentExists(id));
}

TEST(CoverageMapTest, SegmentIsMarkedForRemovalWhileInUse) {
  absl::StatusOr<std::unique_ptr<SharedCoverageMap>> map =
      SharedCoverageMap::Create(4096);
  ASSERT_TRUE(map.ok()) << map.status();
  // Still attached here, but its key is IPC_PRIVATE and it is marked
  // destroyed: a crash of this process would not leave it behind.
  shmid_ds info{};
  ASSERT_EQ(shmctl((*map)->shm_id(), IPC_STAT, &info), 0);
  EXPECT_NE(info.shm_perm.mode & SHM_DEST, 0u);
  const int id = (*map)->shm_id();
  map->reset();
  EXPECT_FALSE(SegmentExists(id));
}

}  // namespace
}  // namespace gauntlet::fuzz
