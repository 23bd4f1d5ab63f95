// The server-script mutator (fuzzing/mutator.h): determinism from a seed,
// each mutation kind changing what it claims to, the size caps, and the
// minimisation helpers.

#include "fuzzing/mutator.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fuzzing/prng.h"
#include "fuzzing/server_script.h"
#include "gtest/gtest.h"

namespace gauntlet::fuzzing {
namespace {

std::size_t CountLines(const std::string& bytes) {
  return static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

// The longest run of bytes between two LFs.
std::size_t LongestLine(const std::string& bytes) {
  std::size_t longest = 0;
  for (absl::string_view l : absl::StrSplit(bytes, '\n')) {
    longest = std::max(longest, l.size());
  }
  return longest;
}

TEST(PrngTest, SameSeedSameSequenceAndKnownValues) {
  Prng a(42), b(42), c(43);
  std::vector<std::uint64_t> va, vb, vc;
  for (int i = 0; i < 100; ++i) {
    va.push_back(a.Next());
    vb.push_back(b.Next());
    vc.push_back(c.Next());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  // xoshiro256** seeded by SplitMix64(0), as computed by an independent
  // Python transcription of the reference C code: the sequence must not
  // change across builds, library versions or runs (a saved seed replays
  // forever).
  Prng fixed(0);
  EXPECT_EQ(fixed.Next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(fixed.Next(), 0xbf6e1f784956452aull);
}

TEST(MutatorTest, SameSeedSameScripts) {
  const ServerScript base = GoodServerScript();
  Mutator a(7), b(7), c(8);
  bool any_difference_from_other_seed = false;
  for (int i = 0; i < 60; ++i) {
    std::vector<Mutation> ra, rb, rc;
    const ServerScript sa = a.Mutate(base, &ra);
    const ServerScript sb = b.Mutate(base, &rb);
    const ServerScript sc = c.Mutate(base, &rc);
    ASSERT_EQ(ra, rb) << i;
    ASSERT_EQ(sa, sb) << i;
    any_difference_from_other_seed |= !(sa == sc);
    // The records alone reproduce the script.
    ASSERT_EQ(Replay(base, ra), sa) << i;
  }
  EXPECT_TRUE(any_difference_from_other_seed);
}

// A digest of the first scripts of seed 1, fixed in the test: a change to
// the generator or to any mutation shows up here, so saved inputs are
// known to replay the same across runs and builds.
constexpr std::uint64_t kSeedOneDigest = 15519910217945066145ull;

TEST(MutatorTest, SeedOneIsStableAcrossRuns) {
  Mutator m(1);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < 30; ++i) {
    std::vector<Mutation> applied;
    const ServerScript s = m.Mutate(GoodServerScript(), &applied);
    for (const StepBytes& step : s.steps) {
      for (unsigned char c : step.bytes) h = (h ^ c) * 0x100000001b3ull;
      h = (h ^ step.segmentation.segment_bytes) * 0x100000001b3ull;
    }
    h = (h ^ static_cast<std::uint64_t>(s.tls.fault)) * 0x100000001b3ull;
  }
  // Recorded from this implementation; update only on purpose, knowing
  // that saved corpora then replay differently.
  EXPECT_EQ(h, kSeedOneDigest);
}

Mutation Make(MutationKind kind, Step step, std::uint64_t seed) {
  return Mutation{kind, step, seed};
}

// Applies `kind` to the good script's step with many seeds; `check` must
// hold for every result that changed, and most must change.
template <typename Check>
void ForSeeds(MutationKind kind, Step step, Check check) {
  const ServerScript base = GoodServerScript();
  int changed = 0;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    ServerScript s = base;
    if (!ApplyMutation(Make(kind, step, seed), &s)) continue;
    ++changed;
    ASSERT_FALSE(s == base) << MutationName(kind) << " seed " << seed;
    check(base.step(step), s.step(step), s, seed);
  }
  EXPECT_GE(changed, 60) << MutationName(kind);
}

TEST(MutationKindsTest, LineStructure) {
  const Step ehlo = Step::kEhloReply;
  ForSeeds(MutationKind::kSplitLine, ehlo,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) + 1);
           });
  ForSeeds(MutationKind::kJoinLines, ehlo,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) - 1);
           });
  ForSeeds(MutationKind::kDuplicateLine, ehlo,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) + 1);
           });
  ForSeeds(MutationKind::kDropLine, ehlo,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) - 1);
           });
  ForSeeds(MutationKind::kReorderLines, ehlo,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             // Same lines and bytes, another order.
             EXPECT_EQ(after.bytes.size(), before.bytes.size());
             std::string a = after.bytes, b = before.bytes;
             std::sort(a.begin(), a.end());
             std::sort(b.begin(), b.end());
             EXPECT_EQ(a, b);
           });
}

TEST(MutationKindsTest, ExtremeLengthsAndCounts) {
  ForSeeds(MutationKind::kLongLine, Step::kEhloReply,
           [](const StepBytes&, const StepBytes& after, const ServerScript&,
              std::uint64_t) { EXPECT_GE(LongestLine(after.bytes), 509u); });
  ForSeeds(MutationKind::kManyLines, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_GE(CountLines(after.bytes), CountLines(before.bytes) + 255);
           });
}

TEST(MutationKindsTest, CodesAndMarkers) {
  ForSeeds(MutationKind::kBadCode, Step::kGreeting,
           [](const StepBytes&, const StepBytes& after, const ServerScript&,
              std::uint64_t seed) {
             // The greeting is one line: its code is no longer a valid
             // three-digit 2xx-5xx code followed by ' ' or '-'.
             const std::string& b = after.bytes;
             const bool valid = b.size() >= 4 && b[0] >= '2' && b[0] <= '5' &&
                                b[1] >= '0' && b[1] <= '5' &&
                                absl::ascii_isdigit(b[2]) &&
                                (b[3] == ' ' || b[3] == '-');
             EXPECT_FALSE(valid) << "seed " << seed << ": " << b;
           });
  ForSeeds(MutationKind::kWrongContinuation, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             // Same lines, and only a marker byte differs in place or grew.
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes));
             EXPECT_NE(after.bytes, before.bytes);
           });
  ForSeeds(MutationKind::kEmptyText, Step::kGreeting,
           [](const StepBytes&, const StepBytes& after, const ServerScript&,
              std::uint64_t) {
             EXPECT_TRUE(after.bytes == "220\r\n" || after.bytes == "220 \r\n")
                 << after.bytes;
           });
}

TEST(MutationKindsTest, Bytes) {
  ForSeeds(MutationKind::kBareLf, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(after.bytes.size() + 1, before.bytes.size());
             EXPECT_TRUE(absl::StrContains(after.bytes, "\n2") ||
                         after.bytes.back() == '\n');
             EXPECT_NE(after.bytes.find_first_of('\n'), std::string::npos);
           });
  ForSeeds(MutationKind::kBareCr, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             const auto crs = [](const std::string& s) {
               return std::count(s.begin(), s.end(), '\r');
             };
             const auto lfs = [](const std::string& s) {
               return std::count(s.begin(), s.end(), '\n');
             };
             // Either a CR more, or a CRLF that lost its LF.
             EXPECT_TRUE(crs(after.bytes) == crs(before.bytes) + 1 ||
                         lfs(after.bytes) == lfs(before.bytes) - 1);
           });
  ForSeeds(MutationKind::kNul, Step::kEhloReply,
           [](const StepBytes&, const StepBytes& after, const ServerScript&,
              std::uint64_t) {
             EXPECT_NE(after.bytes.find('\0'), std::string::npos);
           });
  ForSeeds(MutationKind::kEightBit, Step::kEhloReply,
           [](const StepBytes&, const StepBytes& after, const ServerScript&,
              std::uint64_t) {
             EXPECT_TRUE(std::any_of(
                 after.bytes.begin(), after.bytes.end(),
                 [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
           });
  ForSeeds(MutationKind::kGlueBytes, Step::kStarttlsReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             // The reply is kept, with bytes after it.
             EXPECT_TRUE(absl::StartsWith(after.bytes, before.bytes));
             EXPECT_GT(after.bytes.size(), before.bytes.size());
           });
  ForSeeds(
      MutationKind::kHavoc, Step::kEhloReply,
      [](const StepBytes& before, const StepBytes& after, const ServerScript&,
         std::uint64_t) { EXPECT_NE(after.bytes, before.bytes); });
}

TEST(MutationKindsTest, Capabilities) {
  ForSeeds(MutationKind::kAuthMechanisms, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) + 1);
             EXPECT_TRUE(absl::StrContains(after.bytes, "250-AUTH"))
                 << after.bytes;
             // Still one reply ending in its final line.
             EXPECT_TRUE(absl::EndsWith(after.bytes, "250 STARTTLS\r\n"));
           });
  ForSeeds(MutationKind::kSizeValue, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(CountLines(after.bytes), CountLines(before.bytes) + 1);
             EXPECT_TRUE(absl::StrContains(absl::AsciiStrToUpper(after.bytes),
                                           "250-SIZE"));
           });
  ForSeeds(MutationKind::kUnknownKeyword, Step::kEhloReply,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_GT(CountLines(after.bytes), CountLines(before.bytes));
           });
}

TEST(MutationKindsTest, SegmentsDelaysAndTls) {
  ForSeeds(MutationKind::kTinySegments, Step::kGreeting,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(after.bytes, before.bytes);
             EXPECT_GE(after.segmentation.segment_bytes, 1u);
             EXPECT_LE(after.segmentation.segment_bytes, 8u);
           });
  ForSeeds(MutationKind::kDelay, Step::kGreeting,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript&, std::uint64_t) {
             EXPECT_EQ(after.bytes, before.bytes);
             EXPECT_GT(after.segmentation.delay_ms, 0u);
             EXPECT_LE(after.segmentation.delay_ms, kMaxDelayMs);
             EXPECT_GE(after.segmentation.delayed_segments, 1u);
           });
  ForSeeds(MutationKind::kTlsFault, Step::kAfterStarttls,
           [](const StepBytes& before, const StepBytes& after,
              const ServerScript& s, std::uint64_t) {
             EXPECT_EQ(after, before);
             EXPECT_NE(s.tls.fault, TlsFault::kNone);
           });
}

TEST(MutatorTest, EveryKindIsDrawnAndNamed) {
  Mutator m(99);
  std::vector<int> seen(kMutationKindCount, 0);
  for (int i = 0; i < 5000; ++i)
    ++seen[static_cast<std::size_t>(m.Draw().kind)];
  for (std::size_t k = 0; k < kMutationKindCount; ++k) {
    const MutationKind kind = static_cast<MutationKind>(k);
    EXPECT_GT(seen[k], 0) << MutationName(kind);
    EXPECT_EQ(MutationFromName(MutationName(kind)), kind);
  }
  EXPECT_FALSE(MutationFromName("no-such-mutation").has_value());
}

TEST(MutatorTest, SizeCapsHoldUnderRepeatedGrowth) {
  // Growth mutations stacked on their own output: every step stays within
  // kMaxStepBytes, and delays within their caps.
  ServerScript s = GoodServerScript();
  Prng rng(5);
  static constexpr MutationKind kGrowth[] = {
      MutationKind::kLongLine,      MutationKind::kManyLines,
      MutationKind::kGlueBytes,     MutationKind::kAuthMechanisms,
      MutationKind::kDuplicateLine, MutationKind::kHavoc,
      MutationKind::kDelay};
  for (int i = 0; i < 80; ++i) {
    ApplyMutation(Make(rng.Pick(kGrowth), Step::kEhloReply, rng.Next()), &s);
    ASSERT_TRUE(WithinLimits(s)) << i;
  }
  EXPECT_GT(s.step(Step::kEhloReply).bytes.size(), kMaxStepBytes / 2);
  EXPECT_LE(s.step(Step::kEhloReply).bytes.size(), kMaxStepBytes);

  ServerScript big;
  big.step(Step::kGreeting).bytes.assign(kMaxStepBytes + 10, 'x');
  big.step(Step::kGreeting).segmentation.delay_ms = 999999;
  ClampToLimits(&big);
  EXPECT_TRUE(WithinLimits(big));
}

TEST(MinimiseTest, DropOneMutationAndShortenOneStep) {
  const ServerScript base = GoodServerScript();
  const std::vector<Mutation> records = {
      Make(MutationKind::kEmptyText, Step::kGreeting, 1),
      Make(MutationKind::kLongLine, Step::kEhloReply, 2),
      Make(MutationKind::kTinySegments, Step::kStarttlsReply, 3)};
  const ServerScript all = Replay(base, records);
  const ServerScript without_long = ReplayWithout(base, records, 1);
  // The other two mutations did exactly what they did before.
  EXPECT_EQ(without_long.step(Step::kGreeting), all.step(Step::kGreeting));
  EXPECT_EQ(without_long.step(Step::kStarttlsReply),
            all.step(Step::kStarttlsReply));
  EXPECT_EQ(without_long.step(Step::kEhloReply), base.step(Step::kEhloReply));

  ServerScript shorter = all;
  const std::size_t before = shorter.step(Step::kEhloReply).bytes.size();
  EXPECT_TRUE(ShortenStep(&shorter, Step::kEhloReply, 10, 100));
  EXPECT_EQ(shorter.step(Step::kEhloReply).bytes.size(), before - 100);
  EXPECT_FALSE(ShortenStep(&shorter, Step::kAfterStarttls, 0, 1));
}

}  // namespace
}  // namespace gauntlet::fuzzing
