// The client contract's names are the ones the documentation promises: a
// placeholder or variable renamed in code but not in docs/client-contract.md
// and the README (or the reverse) would break every user's --client
// template without a compiler noticing.

#include "common/client_contract.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::contract {
namespace {

using ::testing::HasSubstr;

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(GAUNTLET_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string EnvFor(std::string_view name) {
  std::string env(kReservedEnvPrefix);
  for (char c : name) env.push_back(static_cast<char>(std::toupper(c)));
  return env;
}

TEST(ClientContract, EveryVariableIsThePrefixedUpperCasePlaceholder) {
  std::set<std::string_view> names;
  for (const Placeholder& p : kRunPlaceholders) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name << " twice";
    EXPECT_EQ(p.env, EnvFor(p.name));
  }
  EXPECT_FALSE(names.contains(kPolicyPlaceholder.name));
  EXPECT_EQ(kPolicyPlaceholder.env, EnvFor(kPolicyPlaceholder.name));
}

TEST(ClientContract, TheDocumentationNamesEveryPlaceholderAndVariable) {
  const std::string readme = ReadSourceFile("README.md");
  const std::string contract = ReadSourceFile("docs/client-contract.md");
  ASSERT_FALSE(readme.empty());
  ASSERT_FALSE(contract.empty());
  auto all = std::vector<Placeholder>(kRunPlaceholders.begin(),
                                      kRunPlaceholders.end());
  all.push_back(kPolicyPlaceholder);
  for (const Placeholder& p : all) {
    const std::string placeholder = "{" + std::string(p.name) + "}";
    EXPECT_THAT(readme, HasSubstr(placeholder)) << "README.md";
    EXPECT_THAT(readme, HasSubstr(std::string(p.env))) << "README.md";
    EXPECT_THAT(contract, HasSubstr(std::string(p.env)))
        << "docs/client-contract.md";
  }
  EXPECT_THAT(contract, HasSubstr(std::to_string(kUnsupportedExitCode)));
  EXPECT_THAT(readme, HasSubstr(std::to_string(kUnsupportedExitCode)));
  EXPECT_THAT(contract, HasSubstr(std::string(kTmpDirEnv)));
}

}  // namespace
}  // namespace gauntlet::contract
