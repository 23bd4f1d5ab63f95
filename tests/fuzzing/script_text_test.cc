// The textual form of server scripts (fuzzing/script_text.h): round trips
// of plain and mutated scripts, and errors that name where they are.

#include "fuzzing/script_text.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fuzzing/mutator.h"
#include "fuzzing/server_script.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::fuzzing {
namespace {

using ::testing::HasSubstr;

TEST(ScriptTextTest, GoodScriptRoundTrips) {
  ScriptFile file{GoodServerScript(), {}};
  const std::string text = SerializeScript(file);
  EXPECT_THAT(text, HasSubstr("format = 'gauntlet-server-script/1'"));
  // Bytes are escaped: the file holds no raw CR.
  EXPECT_EQ(text.find('\r'), std::string::npos);
  const absl::StatusOr<ScriptFile> back = ParseScript(text, "good.toml");
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
  EXPECT_EQ(*back, file);
}

TEST(ScriptTextTest, MutatedScriptsRoundTripWithTheirMutations) {
  // Every byte value, segmentations, delays, TLS faults and the records.
  Mutator mutator(2024);
  for (int i = 0; i < 100; ++i) {
    ScriptFile file;
    file.script = mutator.Mutate(GoodServerScript(), &file.mutations);
    if (i == 0) {
      std::string all;
      for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
      file.script.step(Step::kAfterStarttls).bytes = all;
    }
    const absl::StatusOr<ScriptFile> back =
        ParseScript(SerializeScript(file), "mutated.toml");
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(*back, file) << i;
    // And the records replay to the same script.
    if (i > 0) {
      ASSERT_EQ(Replay(GoodServerScript(), back->mutations), file.script);
    }
  }
}

TEST(ScriptTextTest, MissingStepsAreEmptyAndDefaultsApply) {
  const absl::StatusOr<ScriptFile> f = ParseScript(
      "format = \"gauntlet-server-script/1\"\n"
      "[steps.greeting]\nbytes = \"220\\\\r\\\\n\"\n",
      "small.toml");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->script.step(Step::kGreeting).bytes, "220\r\n");
  EXPECT_EQ(f->script.step(Step::kEhloReply).bytes, "");
  EXPECT_EQ(f->script.tls.fault, TlsFault::kNone);
}

void ExpectError(const std::string& text, const std::string& where,
                 const std::string& what) {
  const absl::StatusOr<ScriptFile> f = ParseScript(text, "bad.toml");
  ASSERT_FALSE(f.ok()) << text;
  EXPECT_THAT(std::string(f.status().message()), HasSubstr(where)) << text;
  EXPECT_THAT(std::string(f.status().message()), HasSubstr(what)) << text;
}

TEST(ScriptTextTest, ErrorsNameLineAndColumn) {
  const std::string head = "format = \"gauntlet-server-script/1\"\n";
  ExpectError("format = \"other/1\"\n", "bad.toml:1:", "format must be");
  ExpectError(head + "[steps.hello]\nbytes = \"\"\n",
              "bad.toml:2:", "unknown step 'hello'");
  ExpectError(head + "[steps.ehlo]\nbytes = \"\\\\q\"\n",
              "bad.toml:3:", "starts no escape");
  ExpectError(head + "[steps.ehlo]\nbytes = \"\"\ndelay_ms = 999999\n",
              "bad.toml:4:", "delay_ms must be an integer from 0 to 2000");
  ExpectError(head + "[steps.ehlo]\nbytes = \"\"\nsegment_bytes = -1\n",
              "bad.toml:4:", "segment_bytes");
  ExpectError(
      head + "[tls]\nfault = \"explode\"\npoint = \"after-handshake\"\n",
      "bad.toml:3:", "unknown fault");
  ExpectError(head +
                  "[[mutations]]\nkind = \"split-line\"\nstep = \"ehlo\"\n"
                  "seed = \"12\"\n",
              "bad.toml:5:", "mutations.seed");
  ExpectError(head +
                  "[[mutations]]\nkind = \"explode\"\nstep = \"ehlo\"\n"
                  "seed = \"0x1\"\n",
              "bad.toml:3:", "unknown mutation");
  ExpectError(head + "colour = 1\n", "bad.toml:2:", "unknown key 'colour'");
  ExpectError("format = \n", "bad.toml:1:", "cannot parse");
}

TEST(ScriptTextTest, OversizedStepAndTextAreRefused) {
  std::string text =
      "format = \"gauntlet-server-script/1\"\n[steps.ehlo]\n"
      "bytes = \"";
  text.append(kMaxStepBytes + 1, 'A');
  text += "\"\n";
  ExpectError(text, "bad.toml:3:", "more than the cap");
}

}  // namespace
}  // namespace gauntlet::fuzzing
