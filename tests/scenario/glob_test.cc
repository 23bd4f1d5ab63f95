#include "harness/scenario/glob.h"

#include <string>

#include "gtest/gtest.h"

namespace gauntlet::scenario {
namespace {

TEST(GlobMatch, LiteralsMustMatchExactly) {
  EXPECT_TRUE(GlobMatch("strip/starttls-454", "strip/starttls-454"));
  EXPECT_FALSE(GlobMatch("strip/starttls-454", "strip/starttls-4540"));
  EXPECT_FALSE(GlobMatch("strip/starttls-4540", "strip/starttls-454"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "x"));
}

TEST(GlobMatch, StarMatchesAnyRunIncludingSlash) {
  EXPECT_TRUE(GlobMatch("strip/*", "strip/capability-removed"));
  EXPECT_TRUE(GlobMatch("strip/*", "strip/"));
  EXPECT_FALSE(GlobMatch("strip/*", "stripx/a"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("cert*", "cert/expired"));
  EXPECT_TRUE(GlobMatch("*expired*", "cert/expired-intermediate"));
  EXPECT_TRUE(GlobMatch("*/starttls-5*", "strip/starttls-502"));
  EXPECT_FALSE(GlobMatch("*/starttls-5*", "strip/starttls-454"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
}

TEST(GlobMatch, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(GlobMatch("strip/starttls-50?", "strip/starttls-502"));
  EXPECT_FALSE(GlobMatch("strip/starttls-50?", "strip/starttls-50"));
  EXPECT_FALSE(GlobMatch("?", ""));
}

TEST(GlobMatch, StarInTextIsNotAWildcard) {
  EXPECT_TRUE(GlobMatch("a*", "a*"));
  EXPECT_FALSE(GlobMatch("a?b", "a*bc"));
}

TEST(GlobMatch, PathologicalPatternFinishesQuickly) {
  // The recursive matcher is exponential on this input; the greedy one is
  // linear per star.
  const std::string text(2000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));
}

}  // namespace
}  // namespace gauntlet::scenario
