// Tests for catalogue loading and selection, and checks on the shipped
// catalogue itself (scenarios/): every file loads, ids match paths, and every
// certificate profile and handshake fault is exercised somewhere.

#include "harness/scenario/catalog.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/scenario/behavior_names.h"
#include "harness/scenario/lint.h"
#include "harness/scenario/loader.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string& ShippedDir() {
  static const std::string dir = std::string(GAUNTLET_SOURCE_DIR) + "/scenarios";
  return dir;
}

const Catalog& Shipped() {
  static const Catalog* catalog = [] {
    auto loaded = LoadCatalog({ShippedDir()});
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new Catalog();
    }
    return new Catalog(*std::move(loaded));
  }();
  return *catalog;
}

// Counts *.toml files under dir/sub by walking the file system, so tests do
// not hard-code how many scenarios a category has.
std::size_t CountFiles(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".toml") ++n;
  }
  return n;
}

std::vector<std::string> IdsOf(const std::vector<const Scenario*>& list) {
  std::vector<std::string> ids;
  for (const Scenario* s : list) ids.push_back(s->id);
  return ids;
}

TEST(ShippedCatalog, EveryFileLoadsWithItsPathAsId) {
  const Catalog& catalog = Shipped();
  // A sweep file holds several scenarios, every other file one.
  EXPECT_GT(catalog.size(), CountFiles(ShippedDir()));
  EXPECT_GE(catalog.size(), 45u);
  std::set<std::string> ids;
  std::set<std::string> files;
  for (const Scenario& s : catalog.scenarios()) {
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate id " << s.id;
    const fs::path relative =
        fs::path(s.source_path).lexically_relative(ShippedDir());
    fs::path stem = relative;
    stem.replace_extension();
    if (s.sweep_file_id.empty()) {
      EXPECT_EQ(stem.generic_string(), s.id);
    } else {
      EXPECT_EQ(stem.generic_string(), s.sweep_file_id);
      EXPECT_EQ(s.id, s.sweep_file_id + "/" + s.sweep_value);
    }
    // Standalone loading (no expected id) applies the path-suffix check.
    if (files.insert(s.source_path).second) {
      EXPECT_TRUE(LoadScenarios(s.source_path).ok()) << s.source_path;
    }
  }
  EXPECT_EQ(files.size(), CountFiles(ShippedDir()));
}

TEST(ShippedCatalog, HasNoWarnings) {
  // Every attack offers AUTH in plaintext or says why not, every probe says
  // what proves it, every limit says why.
  for (const Scenario& s : Shipped().scenarios()) {
    EXPECT_THAT(ScenarioWarnings(s), ::testing::IsEmpty()) << s.id;
  }
}

TEST(ShippedCatalog, EveryAttackOffersAuthInPlaintextAndEveryControlOnlyInTls) {
  std::size_t attacks_with_auth = 0;
  for (const Scenario& s : Shipped().scenarios()) {
    for (const fake::ConnectionBehavior& c : s.server.connections) {
      if (s.kind == ScenarioKind::kControl) {
        EXPECT_FALSE(OffersAuthInPlaintext(c)) << s.id;
      } else if (s.no_auth_reason.empty()) {
        EXPECT_TRUE(OffersAuthInPlaintext(c)) << s.id;
      }
    }
    if (s.kind == ScenarioKind::kAttack && s.no_auth_reason.empty()) {
      ++attacks_with_auth;
    }
  }
  // The scenarios of the two false passes offer it now.
  for (const char* id : {"cert/expired", "tls/tls11-only", "strip/starttls-454",
                         "retry/same-connection-after-unknown-root",
                         "retry/same-connection-after-tls11-only",
                         "retry/same-connection-after-garbage-server-hello"}) {
    const Scenario* s = Shipped().Find(id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_TRUE(s->no_auth_reason.empty()) << id;
    EXPECT_TRUE(OffersAuthInPlaintext(s->server.connections[0])) << id;
  }
  EXPECT_GE(attacks_with_auth, 80u);
}

TEST(ShippedCatalog, EveryFailedHandshakeIsFollowedByTheLingerPhase) {
  const auto default_linger =
      fake::ConnectionBehavior().linger_after_tls_failure;
  EXPECT_EQ(default_linger, std::chrono::milliseconds(3000));
  for (const Scenario& s : Shipped().scenarios()) {
    for (const fake::ConnectionBehavior& c : s.server.connections) {
      EXPECT_GE(c.linger_after_tls_failure, default_linger) << s.id;
    }
  }
  for (const Scenario* s : Shipped().Filter({"retry/same-connection-*"})) {
    EXPECT_GE(s->server.connections[0].linger_after_tls_failure,
              std::chrono::milliseconds(5000))
        << s->id;
  }
}

TEST(ShippedCatalog, SweepsCoverTheUsenix2021ReplyCodes) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> sweeps = {
      {"sweep/greeting",
       {"221", "354", "421", "450", "452", "500", "501", "530", "554"}},
      {"sweep/ehlo",
       {"421", "450", "451", "452", "454", "500", "501", "502", "503", "504",
        "530", "550", "554"}},
      {"sweep/helo-after-ehlo-500",
       {"220", "221", "354", "421", "500", "501", "530"}},
      {"sweep/rset-after-ehlo-500",
       {"220", "221", "354", "421", "500", "501", "530"}},
      {"sweep/quit-after-greeting-500",
       {"220", "221", "354", "421", "500", "501", "530"}}};
  for (const auto& [file, codes] : sweeps) {
    EXPECT_EQ(Shipped().Filter({file + "/*"}).size(), codes.size()) << file;
    for (const std::string& code : codes) {
      const Scenario* s = Shipped().Find(file + "/" + code);
      ASSERT_NE(s, nullptr) << file << "/" << code;
      EXPECT_EQ(s->kind, ScenarioKind::kAttack);
      EXPECT_THAT(s->title, HasSubstr(code));
    }
  }
  // The odd code is on the wire: in the greeting, or in the reply override.
  EXPECT_EQ(
      Shipped().Find("sweep/greeting/554")->server.connections[0].greeting,
      "554 mx.gauntlet.test unexpected greeting (554)\r\n");
  const Scenario* quit = Shipped().Find("sweep/quit-after-greeting-500/354");
  EXPECT_TRUE(quit->server.connections[0].keep_open_after_quit);
  EXPECT_EQ(quit->server.connections[0].reply_overrides[0].raw.substr(0, 4),
            "354 ");
  // The valid multi-line 220 greeting is a protocol-robustness case.
  ASSERT_NE(Shipped().Find("proto/greeting-multiline"), nullptr);
}

TEST(ShippedCatalog, EveryScenarioIsDocumented) {
  for (const Scenario& s : Shipped().scenarios()) {
    EXPECT_GE(s.description.size(), 200u) << s.id;
    EXPECT_FALSE(s.references.empty()) << s.id;
    EXPECT_GE(s.server.connections.size(), 1u) << s.id;
    // The first path segment is also a tag, so selecting "strip" and
    // "strip/*" agree.
    const std::string category = s.id.substr(0, s.id.find('/'));
    EXPECT_TRUE(s.HasTag(category)) << s.id;
  }
}

TEST(ShippedCatalog, EveryCertificateProfileIsExercised) {
  for (pki::CertProfile profile : pki::AllCertProfiles()) {
    const std::string name(pki::CertProfileName(profile));
    const Scenario* s = Shipped().Find("cert/" + name);
    ASSERT_NE(s, nullptr) << "no scenario cert/" << name;
    bool uses = false;
    for (const auto& c : s->server.connections) uses = uses || c.cert == profile;
    EXPECT_TRUE(uses) << s->id << " does not set cert = \"" << name << "\"";
  }
}

TEST(ShippedCatalog, EveryHandshakeFaultIsExercised) {
  for (fake::HandshakeFault fault : AllHandshakeFaults()) {
    bool found = false;
    for (const Scenario& s : Shipped().scenarios()) {
      for (const auto& c : s.server.connections) {
        found = found || c.handshake_fault == fault;
      }
    }
    EXPECT_TRUE(found) << HandshakeFaultName(fault);
    if (fault != fake::HandshakeFault::kNone) {
      EXPECT_NE(Shipped().Find(absl::StrCat(
                    "tls/", std::string(HandshakeFaultName(fault)))),
                nullptr)
          << HandshakeFaultName(fault);
    }
  }
}

TEST(ShippedCatalog, EveryTlsVersionCipherPolicyAndKeyTypeIsExercised) {
  std::set<fake::TlsVersions> versions;
  std::set<fake::CipherPolicy> ciphers;
  std::set<pki::KeyType> keys;
  for (const Scenario& s : Shipped().scenarios()) {
    for (const auto& c : s.server.connections) {
      versions.insert(c.tls_versions);
      ciphers.insert(c.cipher_policy);
      keys.insert(c.key_type);
    }
  }
  for (fake::TlsVersions v : AllTlsVersions()) {
    EXPECT_TRUE(versions.count(v)) << TlsVersionsName(v);
  }
  for (fake::CipherPolicy p : AllCipherPolicies()) {
    EXPECT_TRUE(ciphers.count(p)) << CipherPolicyName(p);
  }
  for (pki::KeyType k : pki::AllKeyTypes()) {
    EXPECT_TRUE(keys.count(k)) << pki::KeyTypeName(k);
  }
}

TEST(ShippedCatalog, CurlCve202122947ShapeIsByteExact) {
  const Scenario* s = Shipped().Find("inject/curl-cve-2021-22947");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->server.connections.size(), 1u);
  const auto& c = s->server.connections[0];
  EXPECT_EQ(c.starttls_reply + c.inject_after_starttls_reply,
            "454 currently unavailable\r\n235 Authenticated\r\n"
            "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n"
            "354 Enter mail\r\n250 2.0.0 Accepted\r\n");
  EXPECT_EQ(c.after_starttls, fake::AfterStarttls::kStayPlaintext);
}

TEST(ShippedCatalog, InjectionShapesAreByteExact) {
  const Scenario* s = Shipped().Find("inject/after-220-extra-capabilities");
  ASSERT_NE(s, nullptr);
  const auto& c = s->server.connections[0];
  EXPECT_EQ(c.starttls_reply + c.inject_after_starttls_reply,
            "220 Ready to start TLS\r\n250-evil\r\n250 AUTH PLAIN\r\n");
  const Scenario* partial = Shipped().Find("inject/partial-line");
  ASSERT_NE(partial, nullptr);
  const auto& p = partial->server.connections[0];
  EXPECT_EQ(p.starttls_reply + p.inject_after_starttls_reply,
            "220 ok\r\n250-AUTH PLA");
}

TEST(ShippedCatalog, InjectionScenariosAreProvable) {
  // An injected AUTH PLAIN is only evidence if the server never offers PLAIN
  // itself; every injection scenario also explains its proof in `probe`.
  std::size_t injection = 0;
  for (const Scenario* s : Shipped().Filter({"injection"})) {
    ++injection;
    EXPECT_FALSE(s->probe.empty()) << s->id;
    EXPECT_THAT(s->description, Not(HasSubstr("[probe]"))) << s->id;
    for (const auto& c : s->server.connections) {
      if (c.inject_after_starttls_reply.find("AUTH PLA") == std::string::npos) {
        continue;
      }
      for (const std::string& cap : c.tls_capabilities) {
        EXPECT_EQ(cap.find("PLAIN"), std::string::npos)
            << s->id << " offers PLAIN inside TLS: " << cap;
      }
      // Nor before TLS: PLAIN stays a value only the injected bytes hold
      // (the plaintext EHLO offers AUTH LOGIN, which leaks the password).
      EXPECT_TRUE(OffersAuthInPlaintext(c)) << s->id;
      for (const std::string& cap : c.capabilities) {
        EXPECT_EQ(cap.find("PLAIN"), std::string::npos)
            << s->id << " offers PLAIN before TLS: " << cap;
      }
    }
  }
  EXPECT_GE(injection, 5u);
}

TEST(ShippedCatalog, RetryScenariosChangeBehaviourOnTheNextConnection) {
  for (const Scenario* s : Shipped().Filter({"retry/new-connection-*"})) {
    ASSERT_EQ(s->server.connections.size(), 2u) << s->id;
    for (const std::string& cap : s->server.connections[1].capabilities) {
      EXPECT_NE(cap, "STARTTLS") << s->id;
    }
  }
  for (const Scenario* s : Shipped().Filter({"retry/same-connection-*"})) {
    EXPECT_GT(s->server.connections[0].linger_after_tls_failure.count(), 0)
        << s->id;
  }
}

TEST(ShippedCatalog, ControlsExpectDeliveryUnderEveryPolicy) {
  const auto controls = Shipped().Filter({"control/*"});
  EXPECT_GE(controls.size(), 5u);
  for (const Scenario& s : Shipped().scenarios()) {
    for (Policy p : AllPolicies()) {
      EXPECT_EQ(s.ExpectationFor(p) == Expectation::kDeliverTls,
                s.kind == ScenarioKind::kControl)
          << s.id << " " << PolicyName(p);
    }
  }
  for (const char* id : {"control/good-tls13-ecdsa", "control/good-tls13-rsa",
                         "control/good-tls12-ecdsa", "control/good-tls12-rsa"}) {
    EXPECT_NE(Shipped().Find(id), nullptr) << id;
  }
}

TEST(CatalogFilter, GlobsMatchIdsAndTags) {
  const Catalog& catalog = Shipped();
  EXPECT_EQ(catalog.Filter({}).size(), catalog.size());

  const auto strip = catalog.Filter({"strip/*"});
  EXPECT_EQ(strip.size(), CountFiles(fs::path(ShippedDir()) / "strip"));
  for (const Scenario* s : strip) EXPECT_EQ(s->id.rfind("strip/", 0), 0u);

  const auto certs = catalog.Filter({"cert/*"});
  EXPECT_EQ(certs.size(), CountFiles(fs::path(ShippedDir()) / "cert"));

  const auto tagged = catalog.Filter({"injection"});
  ASSERT_FALSE(tagged.empty());
  for (const Scenario* s : tagged) EXPECT_TRUE(s->HasTag("injection"));
  std::size_t with_tag = 0;
  for (const Scenario& s : catalog.scenarios()) with_tag += s.HasTag("injection");
  EXPECT_EQ(tagged.size(), with_tag);

  const auto one = catalog.Filter({"strip/starttls-50?"});
  EXPECT_THAT(IdsOf(one), ::testing::UnorderedElementsAre(
                              "strip/starttls-500", "strip/starttls-501",
                              "strip/starttls-502"));

  // Union of patterns, in id order, without duplicates.
  const auto both = catalog.Filter({"tls/stall", "tls/*", "control/good-*"});
  std::vector<std::string> ids = IdsOf(both);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(both.size(),
            catalog.Filter({"tls/*"}).size() +
                catalog.Filter({"control/good-*"}).size());

  // '!' removes.
  const auto without = catalog.Filter({"tls/*", "!tls/stall"});
  EXPECT_EQ(without.size() + 1, catalog.Filter({"tls/*"}).size());
  EXPECT_EQ(catalog.Filter({"!cert/*"}).size(), catalog.size() - certs.size());

  EXPECT_TRUE(catalog.Filter({"no-such/*"}).empty());
  EXPECT_THAT(catalog.UnmatchedPatterns({"strip/*", "no-such/*", "!typo"}),
              ::testing::ElementsAre("no-such/*", "typo"));
}

// A private temporary directory (0700), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "gauntlet-scenario-XXXXXX").string();
    char* made = mkdtemp(templ.data());
    if (made == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& relative, const std::string& text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

std::string Minimal(const std::string& id) {
  return absl::StrCat("id = \"", id,
                      "\"\ntitle = \"T\"\ndescription = \"D\"\n"
                      "tags = [\"t\"]\nseverity = \"low\"\nkind = \"attack\"\n");
}

TEST(LoadCatalog, CombinesDirectoriesRecursively) {
  TempDir a;
  TempDir b;
  a.Write("x/deep/one.toml", Minimal("x/deep/one"));
  a.Write("notes.txt", "not a scenario");
  b.Write("two.toml", Minimal("two"));
  auto catalog = LoadCatalog({a.path().string(), b.path().string()});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->size(), 2u);
  EXPECT_NE(catalog->Find("x/deep/one"), nullptr);
  EXPECT_NE(catalog->Find("two"), nullptr);
  EXPECT_EQ(catalog->Find("three"), nullptr);
}

TEST(LoadCatalog, IdsMustBeUniqueAcrossDirectories) {
  TempDir a;
  TempDir b;
  a.Write("strip/x.toml", Minimal("strip/x"));
  b.Write("strip/x.toml", Minimal("strip/x"));
  auto catalog = LoadCatalog({a.path().string(), b.path().string()});
  ASSERT_FALSE(catalog.ok());
  const std::string msg(catalog.status().message());
  EXPECT_THAT(msg, HasSubstr("duplicate scenario id \"strip/x\""));
  EXPECT_THAT(msg, HasSubstr(a.path().string()));
  EXPECT_THAT(msg, HasSubstr(b.path().string()));
}

TEST(LoadCatalog, SweepsExpandAndTheirIdsMustNotCollide) {
  TempDir dir;
  std::string sweep = Minimal("a/s");
  sweep.replace(sweep.find("title = \""), 9, "title = \"{v} ");
  sweep += "\n[sweep]\nvariable = \"v\"\nvalues = [\"x\", \"y\"]\n";
  dir.Write("a/s.toml", sweep);
  auto catalog = LoadCatalog({dir.path().string()});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(IdsOf(catalog->Filter({"a/s/*"})),
            (std::vector<std::string>{"a/s/x", "a/s/y"}));
  EXPECT_EQ(catalog->Find("a/s"), nullptr);
  dir.Write("a/s/x.toml", Minimal("a/s/x"));
  catalog = LoadCatalog({dir.path().string()});
  ASSERT_FALSE(catalog.ok());
  EXPECT_THAT(std::string(catalog.status().message()),
              HasSubstr("duplicate scenario id \"a/s/x\""));
}

TEST(LoadCatalog, ReportsEveryBadFileWithItsPosition) {
  TempDir dir;
  dir.Write("good.toml", Minimal("good"));
  dir.Write("a/wrong-id.toml", Minimal("a/other"));
  dir.Write("b/typo.toml", Minimal("b/typo") + "sevrity = \"low\"\n");
  auto catalog = LoadCatalog({dir.path().string()});
  ASSERT_FALSE(catalog.ok());
  const std::string msg(catalog.status().message());
  EXPECT_THAT(msg, HasSubstr((dir.path() / "a/wrong-id.toml").string() +
                             ":1:6: id: expected \"a/wrong-id\""));
  EXPECT_THAT(msg, HasSubstr((dir.path() / "b/typo.toml").string() +
                             ":7:1: unknown key \"sevrity\""));
}

TEST(LoadCatalog, NamesInErrorsAreEscaped) {
  auto missing = LoadCatalog({"/nonexistent/\x1b[2Jx"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/\\x1b[2Jx"));
  TempDir a;
  TempDir b;
  a.Write("\x1b[31m.toml", Minimal("\x1b[31m"));
  b.Write("\x1b[31m.toml", Minimal("\x1b[31m"));
  auto duplicate = LoadCatalog({a.path().string(), b.path().string()});
  ASSERT_FALSE(duplicate.ok());
  const std::string msg(duplicate.status().message());
  EXPECT_THAT(msg, HasSubstr("duplicate scenario id \"\\x1b[31m\""));
  EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
}

TEST(LoadCatalog, MissingDirectoryIsNotFound) {
  auto catalog = LoadCatalog({"/nonexistent/gauntlet-scenarios"});
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadScenarioFileStandalone, IdMustBeThePathTail) {
  TempDir dir;
  dir.Write("strip/x.toml", Minimal("strip/x"));
  dir.Write("strip/y.toml", Minimal("other/y"));
  EXPECT_TRUE(LoadScenarioFile((dir.path() / "strip/x.toml").string()).ok());
  auto wrong = LoadScenarioFile((dir.path() / "strip/y.toml").string());
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()),
              HasSubstr("y.toml:1:6: id: \"other/y\" does not match"));
}

TEST(LoadCatalog, EachScenarioKnowsItsCatalogDirectory) {
  TempDir a;
  TempDir b;
  a.Write("x/one.toml", Minimal("x/one"));
  b.Write("two.toml", Minimal("two"));
  auto catalog = LoadCatalog({a.path().string(), b.path().string()});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->Find("x/one")->catalog_dir, a.path().string());
  EXPECT_EQ(catalog->Find("two")->catalog_dir, b.path().string());
  // A file loaded on its own has none.
  auto alone = LoadScenarioFile((a.path() / "x/one.toml").string());
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ(alone->catalog_dir, "");
}

// Restores the working directory when it goes out of scope.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : saved_(fs::current_path()) {
    fs::current_path(dir);
  }
  ~WorkingDirectory() {
    std::error_code ec;
    fs::current_path(saved_, ec);
  }

 private:
  fs::path saved_;
};

TEST(LoadScenarioFileStandalone, IdIsCheckedAgainstTheResolvedPath) {
  // `cd scenarios/strip && gauntlet validate mine.toml` names the file by a
  // bare relative path: its id "strip/mine" is still the path's tail.
  TempDir dir;
  dir.Write("strip/mine.toml", Minimal("strip/mine"));
  dir.Write("strip/sub/other.toml", Minimal("strip/sub/other"));
  WorkingDirectory in(dir.path() / "strip");
  auto mine = LoadScenarioFile("mine.toml");
  EXPECT_TRUE(mine.ok()) << mine.status();
  EXPECT_TRUE(LoadScenarioFile("./mine.toml").ok());
  EXPECT_TRUE(LoadScenarioFile("sub/../mine.toml").ok());
  EXPECT_TRUE(LoadScenarioFile("sub/other.toml").ok());
  WorkingDirectory deeper(dir.path() / "strip" / "sub");
  EXPECT_TRUE(LoadScenarioFile("../mine.toml").ok());
  // A wrong id is still wrong, and the message names the resolved path.
  dir.Write("strip/bad.toml", Minimal("cert/bad"));
  auto bad = LoadScenarioFile("../bad.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr((dir.path() / "strip/bad").string()));
}

TEST(LoadScenarioFileStandalone, AFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = (dir.path() / "f.toml").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto result =
      std::async(std::launch::async, [fifo] { return LoadScenarioFile(fifo); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "LoadScenarioFile blocked on a FIFO";
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);  // Releases the blocked open().
  }
  absl::StatusOr<Scenario> loaded = result.get();
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("FIFO"));
}

TEST(BuiltinScenariosDir, FindsTheShippedCatalogAndHonoursTheEnvironment) {
  unsetenv("GAUNTLET_SCENARIOS_DIR");
  auto found = BuiltinScenariosDir();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(fs::equivalent(*found, ShippedDir()));

  TempDir dir;
  setenv("GAUNTLET_SCENARIOS_DIR", dir.path().c_str(), 1);
  auto overridden = BuiltinScenariosDir();
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(*overridden, dir.path().string());

  setenv("GAUNTLET_SCENARIOS_DIR", "/nonexistent/gauntlet", 1);
  auto wrong = BuiltinScenariosDir();
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kNotFound);
  unsetenv("GAUNTLET_SCENARIOS_DIR");
}

}  // namespace
}  // namespace gauntlet::scenario
