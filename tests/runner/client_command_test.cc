// Unit tests for the --client template: word splitting, placeholder
// substitution and shell quoting. Real processes run these command lines in
// process_test.cc.

#include "harness/runner/client_command.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Split(const std::string& text) {
  absl::StatusOr<std::vector<TemplateWord>> words = SplitWords(text);
  EXPECT_TRUE(words.ok()) << text << ": " << words.status();
  std::vector<std::string> out;
  if (words.ok()) {
    for (const TemplateWord& w : *words) out.push_back(w.text);
  }
  return out;
}

std::string SplitError(const std::string& text) {
  absl::StatusOr<std::vector<TemplateWord>> words = SplitWords(text);
  EXPECT_FALSE(words.ok()) << text;
  return std::string(words.status().message());
}

ClientParams Params() {
  ClientParams p;
  p.host = "mx.test";
  p.addr = "127.0.0.1";
  p.port = 2525;
  p.ca_file = "/tmp/ca dir/ca.pem";
  p.from = "alice@example.org";
  p.to = "bob@example.org";
  p.message_file = "/tmp/msg.eml";
  p.user = "alice";
  p.password = "s3cret";
  p.scenario = "strip/capability-removed";
  return p;
}

std::vector<std::string> Argv(const std::string& tmpl, const ClientParams& p,
                              bool shell = false) {
  absl::StatusOr<CommandLine> line = BuildCommandLine({tmpl, shell}, p);
  EXPECT_TRUE(line.ok()) << tmpl << ": " << line.status();
  return line.ok() ? line->argv : std::vector<std::string>{};
}

std::string BuildError(const std::string& tmpl, bool shell = false) {
  absl::StatusOr<CommandLine> line = BuildCommandLine({tmpl, shell}, Params());
  EXPECT_FALSE(line.ok()) << tmpl;
  return std::string(line.status().message());
}

TEST(SplitWordsTest, BlanksSeparateWords) {
  EXPECT_THAT(Split("  a  b\tc\nd  "), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Split(""), ElementsAre());
}

TEST(SplitWordsTest, SingleQuotesAreLiteral) {
  EXPECT_THAT(Split(R"(a 'b c' 'd\e' '$x;|"')"),
              ElementsAre("a", "b c", R"(d\e)", R"($x;|")"));
}

TEST(SplitWordsTest, DoubleQuotesEscapeOnlyFourCharacters) {
  EXPECT_THAT(Split(R"("a \" \\ \$ \` \n b")"),
              ElementsAre(R"(a " \ $ ` \n b)"));
  EXPECT_THAT(Split("\"x\\\ny\""), ElementsAre("xy"));
}

TEST(SplitWordsTest, BackslashEscapesAnyCharacterOutsideQuotes) {
  EXPECT_THAT(Split(R"(a\ b \' \" \\ \;)"),
              ElementsAre("a b", "'", "\"", "\\", ";"));
  EXPECT_THAT(Split("a\\\nb c"), ElementsAre("ab", "c"));
}

TEST(SplitWordsTest, AdjacentPartsJoinAndEmptyQuotesMakeAWord) {
  EXPECT_THAT(Split(R"(a'b'"c"d '' "")"), ElementsAre("abcd", "", ""));
}

TEST(SplitWordsTest, WordsKnowTheirColumn) {
  absl::StatusOr<std::vector<TemplateWord>> words = SplitWords("ab  'c d' e");
  ASSERT_TRUE(words.ok());
  ASSERT_EQ(words->size(), 3u);
  EXPECT_EQ((*words)[0].column, 1);
  EXPECT_EQ((*words)[1].column, 5);
  EXPECT_EQ((*words)[2].column, 11);
}

TEST(SplitWordsTest, UnterminatedQuotesNameTheirColumn) {
  EXPECT_EQ(SplitError("curl 'abc"), "unterminated single quote at column 6");
  EXPECT_EQ(SplitError(R"(a "b\")"), "unterminated double quote at column 3");
  EXPECT_THAT(SplitError("abc\\"), HasSubstr("column 4"));
}

TEST(SplitWordsTest, UnquotedShellSyntaxIsRejected) {
  EXPECT_THAT(SplitError("a | b"), HasSubstr("unquoted '|' at column 3"));
  EXPECT_THAT(SplitError("a $HOME"), HasSubstr("unquoted '$' at column 3"));
  EXPECT_THAT(SplitError("a;b"), HasSubstr("column 2"));
  EXPECT_THAT(SplitError("a `x`"), HasSubstr("--shell"));
  EXPECT_THAT(SplitError("a # comment"), HasSubstr("unquoted '#' at column 3"));
  // Quoted, or not at the start of a word, they are ordinary characters.
  EXPECT_THAT(Split("a#b '|' \\$"), ElementsAre("a#b", "|", "$"));
}

TEST(BuildCommandLineTest, SubstitutesInsideWords) {
  EXPECT_THAT(
      Argv("client --server={host}:{port} --addr {addr} --ca {ca_file} "
           "{from} {to} {message_file} {user} {password} {scenario}",
           Params()),
      ElementsAre("client", "--server=mx.test:2525", "--addr", "127.0.0.1",
                  "--ca", "/tmp/ca dir/ca.pem", "alice@example.org",
                  "bob@example.org", "/tmp/msg.eml", "alice", "s3cret",
                  "strip/capability-removed"));
}

TEST(BuildCommandLineTest, DefaultHostIsLocalhost) {
  EXPECT_THAT(Argv("c {host}", ClientParams()), ElementsAre("c", "localhost"));
}

TEST(BuildCommandLineTest, DoubledBracesAreLiteral) {
  EXPECT_THAT(Argv("c {{host}} '{{{port}}}' }}{{", Params()),
              ElementsAre("c", "{host}", "{2525}", "}{"));
}

TEST(BuildCommandLineTest, ValuesNeverSplitOrInject) {
  ClientParams p = Params();
  p.user = "'; rm -rf /'";
  p.password = "$(touch /tmp/pwned) `id` \"x y\" \\";
  p.to = "a b\tc\nd";
  EXPECT_THAT(Argv("c {user} --pw={password} {to}", p),
              ElementsAre("c", "'; rm -rf /'",
                          "--pw=$(touch /tmp/pwned) `id` \"x y\" \\",
                          "a b\tc\nd"));
  // A value that looks like a placeholder is not expanded again.
  p.user = "{password}";
  EXPECT_THAT(Argv("c {user}", p), ElementsAre("c", "{password}"));
}

TEST(BuildCommandLineTest, PlaceholderErrorsNameThePlaceholder) {
  EXPECT_THAT(BuildError("c {hots}"), HasSubstr("unknown placeholder {hots}"));
  EXPECT_THAT(BuildError("c {}"), HasSubstr("unknown placeholder {}"));
  EXPECT_THAT(BuildError("c x{host"), HasSubstr("unterminated placeholder"));
  EXPECT_THAT(BuildError("c a}b"), HasSubstr("unmatched '}'"));
  EXPECT_THAT(BuildError("c {hots}", true),
              HasSubstr("unknown placeholder {hots} at column 3"));
  EXPECT_THAT(BuildError("   "), HasSubstr("empty"));
  EXPECT_THAT(BuildError("'' x"), HasSubstr("empty program"));
  EXPECT_THAT(BuildError(std::string("a\0b", 3)), HasSubstr("NUL byte at column 2"));
  // The list of known placeholders names every one, {policy} included.
  EXPECT_THAT(BuildError("c {hots}"),
              HasSubstr("{password} {policy} {scenario}"));
}

TEST(ValidateClientCommandTest, AcceptsThePolicyPlaceholder) {
  // The runner substitutes {policy} before the others; a template (or a
  // profile's command) that uses it is valid, with or without --shell.
  EXPECT_TRUE(
      ValidateClientCommand({"c --policy {policy} {port}", false}).ok());
  EXPECT_TRUE(ValidateClientCommand({"c --policy {policy} {port}", true}).ok());
  EXPECT_FALSE(ValidateClientCommand({"c --policy {polcy}", false}).ok());
}

TEST(BuildCommandLineTest, ExportsEveryValueAsEnvironment) {
  absl::StatusOr<CommandLine> line = BuildCommandLine({"c", false}, Params());
  ASSERT_TRUE(line.ok());
  using Var = std::pair<std::string, std::string>;
  EXPECT_THAT(line->env,
              ElementsAre(Var{"GAUNTLET_HOST", "mx.test"},
                          Var{"GAUNTLET_ADDR", "127.0.0.1"},
                          Var{"GAUNTLET_PORT", "2525"},
                          Var{"GAUNTLET_CA_FILE", "/tmp/ca dir/ca.pem"},
                          Var{"GAUNTLET_FROM", "alice@example.org"},
                          Var{"GAUNTLET_TO", "bob@example.org"},
                          Var{"GAUNTLET_MESSAGE_FILE", "/tmp/msg.eml"},
                          Var{"GAUNTLET_USER", "alice"},
                          Var{"GAUNTLET_PASSWORD", "s3cret"},
                          Var{"GAUNTLET_SCENARIO", "strip/capability-removed"}));
}

TEST(ShellQuoteTest, QuotesEverything) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("abc"), "'abc'");
  EXPECT_EQ(ShellQuote("it's"), R"('it'\''s')");
  EXPECT_EQ(ShellQuote("$(x) \\ \""), R"('$(x) \ "')");
}

TEST(ShellModeTest, BuildsShDashC) {
  ClientParams p = Params();
  p.user = "'; rm -rf /'";
  EXPECT_THAT(Argv("client -u {user} | cat; echo ${{HOME}} {{}}", p, true),
              ElementsAre("/bin/sh", "-c",
                          R"(client -u ''\''; rm -rf /'\''' | cat; echo ${HOME} {})"));
}

TEST(ShellModeTest, PlaceholdersOnlyWhereAWordIsUnquoted) {
  EXPECT_THAT(BuildError(R"(echo "{to}")", true),
              HasSubstr("{to} at column 7 is inside double quotes"));
  EXPECT_THAT(BuildError(R"(echo "{to}")", true), HasSubstr("$GAUNTLET_TO"));
  EXPECT_THAT(BuildError("echo '{to}'", true), HasSubstr("inside single quotes"));
  EXPECT_THAT(BuildError("echo \\{to}", true), HasSubstr("after a backslash"));
  EXPECT_THAT(BuildError("echo ${to}", true), HasSubstr("after '$'"));
  EXPECT_THAT(BuildError("echo $(echo {to})", true), HasSubstr("inside $(...)"));
  EXPECT_THAT(BuildError("echo \"$(echo {to})\"", true), HasSubstr("inside $(...)"));
  EXPECT_THAT(BuildError("echo `echo {to}`", true), HasSubstr("inside `...`"));
  EXPECT_THAT(BuildError("echo ${{x:-{to}}}", true), HasSubstr("inside ${...}"));
  EXPECT_THAT(BuildError("echo # {to}", true), HasSubstr("inside a comment"));
  EXPECT_THAT(BuildError("cat <<EOF\n{to}\nEOF", true), HasSubstr("here-document"));
  EXPECT_THAT(BuildError("x=$(case a in a) echo;; esac); echo {to}", true),
              HasSubstr("'case'"));
}

TEST(ShellModeTest, QuotingIsTrackedAcrossTheScript) {
  // After each quoted or nested part closes, a plain word may follow.
  EXPECT_THAT(
      Argv(R"x(echo "a'b" 'c"d' $(echo ")") `x` ${{y}} a#b \" {to})x", Params(), true),
      ElementsAre("/bin/sh", "-c",
                  R"x(echo "a'b" 'c"d' $(echo ")") `x` ${y} a#b \" 'bob@example.org')x"));
  // A comment ends at the newline.
  EXPECT_THAT(Argv("# it's\necho {to}", Params(), true),
              ElementsAre("/bin/sh", "-c", "# it's\necho 'bob@example.org'"));
}

TEST(ShellModeTest, UnterminatedConstructsAreErrors) {
  EXPECT_THAT(BuildError("echo 'abc", true),
              HasSubstr("unterminated single quote at column 6"));
  EXPECT_THAT(BuildError("echo \"abc", true),
              HasSubstr("unterminated double quote at column 6"));
  EXPECT_THAT(BuildError("echo $(abc", true), HasSubstr("unterminated $( at column 6"));
  EXPECT_THAT(BuildError("echo abc\\", true), HasSubstr("backslash"));
}

TEST(ValidateClientCommandTest, ChecksWithoutValues) {
  EXPECT_TRUE(ValidateClientCommand({"curl smtp://{host}:{port}", false}).ok());
  EXPECT_FALSE(ValidateClientCommand({"curl {nope}", false}).ok());
  EXPECT_FALSE(ValidateClientCommand({"curl '{to}'", true}).ok());
}

// Arbitrary bytes never crash the lexers (ASan/UBSan catch what a crash
// would not); a bounded, seeded loop so failures reproduce.
TEST(ClientCommandRobustnessTest, RandomTemplates) {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab {}'\"\\$()`#<;|\n\t";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int len = static_cast<int>(rng() % 24);
    for (int j = 0; j < len; ++j) {
      text += (rng() % 8 == 0) ? static_cast<char>(rng() % 256)
                               : alphabet[rng() % alphabet.size()];
    }
    (void)SplitWords(text);
    (void)BuildCommandLine({text, false}, Params());
    (void)BuildCommandLine({text, true}, Params());
  }
}

}  // namespace
}  // namespace gauntlet::runner
