// "Did you mean ...?" suggestions: made for typos, never for other words.

#include "common/spelling.h"

#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace gauntlet::text {
namespace {

constexpr std::string_view kSubcommands[] = {
    "list", "show", "run", "validate", "serve", "proxy", "demo", "client"};
constexpr std::string_view kKeys[] = {"id",       "title",      "description",
                                      "severity", "kind",       "timeout_ms",
                                      "tags",     "references", "server"};

TEST(EditDistance, CountsEditsAndTranspositions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("severty", "severity"), 1u);
  EXPECT_EQ(EditDistance("lsit", "list"), 1u);  // Transposition.
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestName, SuggestsOnlyForTypos) {
  EXPECT_EQ(ClosestName("lst", kSubcommands),
            std::optional<std::string>("list"));
  EXPECT_EQ(ClosestName("lsit", kSubcommands),
            std::optional<std::string>("list"));
  EXPECT_EQ(ClosestName("valdiate", kSubcommands),
            std::optional<std::string>("validate"));
  EXPECT_EQ(ClosestName("severty", kKeys),
            std::optional<std::string>("severity"));
  // A name cut short is a typo too.
  EXPECT_EQ(ClosestName("timeout", kKeys),
            std::optional<std::string>("timeout_ms"));
  EXPECT_EQ(ClosestName("frobnicate", kSubcommands), std::nullopt);
  EXPECT_EQ(ClosestName("x", kKeys), std::nullopt);
  EXPECT_EQ(ClosestName("", kKeys), std::nullopt);
  EXPECT_EQ(ClosestName(std::string(1000, 'a'), kKeys), std::nullopt);
  EXPECT_EQ(ClosestName("list", kSubcommands), std::nullopt);  // Known.
}

}  // namespace
}  // namespace gauntlet::text
