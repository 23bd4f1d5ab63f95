// PostfixUpstream (the proxy tests' real Postfix) must work whatever the
// machine's own Postfix is configured to do, and must never read or touch
// it. The test runs the upstream while the system's configuration is
// hostile, without changing the system: in a private mount namespace
// (unshare(2) CLONE_NEWNS, mount_namespaces(7)), /etc/postfix shows a
// configuration with smtpd disabled and /var/spool/postfix an empty
// directory. Those mounts are private to the test process and end with it
// (ctest runs every case in a process of its own). Needs root; skipped
// where Postfix is missing or no mount namespace can be made.
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fake_servers/pki/client_files.h"
#include "fake_servers/pki/test_pki.h"
#include "gtest/gtest.h"
#include "harness/runner/process.h"
#include "tests/proxy/proxy_test_util.h"

namespace gauntlet::proxy {
namespace {

using testing::kFrom;
using testing::kSubject;
using testing::kTo;
using testing::PostfixUpstream;
using testing::TempDir;

constexpr char kSystemConfig[] = "/etc/postfix";
constexpr char kSystemQueue[] = "/var/spool/postfix";

// A system master.cf as an administrator may leave it: Debian's services,
// but smtpd switched off (the machine sends mail, it does not receive any).
constexpr char kHostileMasterCf[] =
    "# smtpd is disabled on this machine.\n"
    "#smtp      inet  n       -       y       -       -       smtpd\n"
    "pickup    unix  n       -       y       60      1       pickup\n"
    "cleanup   unix  n       -       y       -       0       cleanup\n"
    "qmgr      unix  n       -       n       300     1       qmgr\n"
    "tlsmgr    unix  -       -       y       1000?   1       tlsmgr\n"
    "rewrite   unix  -       -       y       -       -       trivial-rewrite\n"
    "bounce    unix  -       -       y       -       0       bounce\n"
    "defer     unix  -       -       y       -       0       bounce\n"
    "trace     unix  -       -       y       -       0       bounce\n"
    "verify    unix  -       -       y       -       1       verify\n"
    "flush     unix  n       -       y       1000?   0       flush\n"
    "proxymap  unix  -       -       n       -       -       proxymap\n"
    "smtp      unix  -       -       y       -       -       smtp\n"
    "relay     unix  -       -       y       -       -       smtp\n"
    "showq     unix  n       -       y       -       -       showq\n"
    "error     unix  -       -       y       -       -       error\n"
    "retry     unix  -       -       y       -       -       error\n"
    "discard   unix  -       -       y       -       -       discard\n"
    "local     unix  -       n       n       -       -       local\n"
    "anvil     unix  -       -       y       -       1       anvil\n"
    "scache    unix  -       -       y       -       1       scache\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

// A system main.cf every line of which would break the test instance if it
// were inherited.
constexpr char kHostileMainCf[] =
    "master_service_disable = inet\n"
    "inet_interfaces = 192.0.2.1\n"
    "smtpd_tls_security_level = none\n"
    "default_transport = error:mail is disabled here\n"
    "maillog_file = /dev/null\n"
    "queue_directory = /var/spool/postfix\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every entry of a directory tree: relative path -> contents (regular
// files) or its kind (anything else).
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const std::string rel =
        std::filesystem::relative(e.path(), dir, ec).string();
    if (e.is_symlink()) {
      out[rel] =
          "symlink to " + std::filesystem::read_symlink(e.path(), ec).string();
    } else if (e.is_regular_file()) {
      out[rel] = ReadFile(e.path().string());
    } else {
      out[rel] = "not a regular file";
    }
  }
  return out;
}

class PostfixUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (mount namespace)";
    if (access("/usr/sbin/postconf", X_OK) != 0 ||
        access(kSystemConfig, F_OK) != 0) {
      GTEST_SKIP() << "Postfix is not installed";
    }
    if (unshare(CLONE_NEWNS) != 0) {
      GTEST_SKIP() << "no private mount namespace here (unshare: "
                   << strerror(errno) << ")";
    }
    // Nothing mounted from here on may propagate to the host's namespace.
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
        << strerror(errno);

    absl::StatusOr<std::unique_ptr<TempDir>> d = TempDir::Create();
    ASSERT_TRUE(d.ok()) << d.status();
    hostile_ = std::move(*d);
    const std::string etc = hostile_->path() + "/etc-postfix";
    const std::string spool = hostile_->path() + "/spool";
    ASSERT_EQ(mkdir(etc.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(spool.c_str(), 0755), 0);
    // The package's own files stay as installed (postfix-files,
    // dynamicmaps.cf, …): only the configuration is the administrator's.
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(kSystemConfig, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name != "main.cf" && name != "master.cf") {
        std::filesystem::copy_file(e.path(), etc + "/" + name, ec);
        ASSERT_FALSE(ec) << name << ": " << ec.message();
      }
    }
    std::ofstream(etc + "/master.cf") << kHostileMasterCf;
    std::ofstream(etc + "/main.cf") << kHostileMainCf;

    ASSERT_EQ(mount(etc.c_str(), kSystemConfig, nullptr, MS_BIND, nullptr), 0)
        << strerror(errno);
    mounted_config_ = true;
    system_queue_existed_ = access(kSystemQueue, F_OK) == 0;
    if (system_queue_existed_) {
      ASSERT_EQ(mount(spool.c_str(), kSystemQueue, nullptr, MS_BIND, nullptr),
                0)
          << strerror(errno);
      mounted_queue_ = true;
    }
    system_config_before_ = Snapshot(kSystemConfig);
  }

  void TearDown() override {
    if (mounted_queue_) umount2(kSystemQueue, MNT_DETACH);
    if (mounted_config_) umount2(kSystemConfig, MNT_DETACH);
  }

  std::unique_ptr<TempDir> hostile_;
  bool mounted_config_ = false;
  bool mounted_queue_ = false;
  bool system_queue_existed_ = false;
  std::map<std::string, std::string> system_config_before_;
};

TEST_F(PostfixUpstreamTest, AcceptsStarttlsMailWhateverTheSystemPostfixSays) {
  // The system's Postfix, as every process started from here sees it, is
  // the hostile one: else this test would prove nothing.
  ASSERT_EQ(ReadFile("/etc/postfix/master.cf"), kHostileMasterCf);
  ASSERT_EQ(ReadFile("/etc/postfix/main.cf"), kHostileMainCf);

  absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create();
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<std::unique_ptr<pki::TestPki>> pki = pki::TestPki::Create({});
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<std::unique_ptr<pki::ClientFiles>> files =
      (*pki)->WriteClientFiles((*dir)->path());
  ASSERT_TRUE(files.ok()) << files.status();
  const std::string message_file = (*dir)->path() + "/message.eml";
  std::ofstream(message_file, std::ios::binary)
      << "From: <" << kFrom << ">\r\nTo: <" << kTo
      << ">\r\nSubject: " << kSubject << "\r\n\r\nHello.\r\n";
  // A directory of its own: Postfix makes it traversable for its daemons.
  absl::StatusOr<std::unique_ptr<TempDir>> pfdir = TempDir::Create();
  ASSERT_TRUE(pfdir.ok()) << pfdir.status();
  const std::string postfix_dir = (*pfdir)->path();

  absl::StatusOr<std::unique_ptr<PostfixUpstream>> pf = PostfixUpstream::Start(
      postfix_dir,
      (*files)->ChainFile(pki::CertProfile::kValid, pki::KeyType::kEcdsaP256),
      (*files)->KeyFile(pki::CertProfile::kValid, pki::KeyType::kEcdsaP256));
  ASSERT_TRUE(pf.ok()) << pf.status();
  const int port = (*pf)->port();

  // A real client that insists on STARTTLS and verifies the certificate.
  runner::RunOptions o;
  // clang-format off
  o.argv = {"curl", "-sS", "--max-time", "20", "--ssl-reqd",
            "--cacert", (*files)->CaFile(),
            "--resolve", absl::StrCat("localhost:", port, ":127.0.0.1"),
            "--url", absl::StrCat("smtp://localhost:", port),
            "--mail-from", kFrom, "--mail-rcpt", kTo,
            "--upload-file", message_file};
  // clang-format on
  o.timeout = std::chrono::seconds(30);
  absl::StatusOr<runner::RunResult> curl = runner::RunProcess(o);
  ASSERT_TRUE(curl.ok()) << curl.status();
  EXPECT_TRUE(curl->succeeded()) << curl->Describe() << ": " << curl->err.data;

  (*pf).reset();  // Stops Postfix once the message is through.
  const std::string log = ReadFile(postfix_dir + "/maillog");
  EXPECT_TRUE(absl::StrContains(log,
                                "TLS connection established from "
                                "localhost[127.0.0.1]"))
      << log;
  EXPECT_TRUE(absl::StrContains(log, "from=<alice@example.org>")) << log;
  EXPECT_TRUE(absl::StrContains(log, "to=<bob@example.org>")) << log;
  EXPECT_TRUE(absl::StrContains(log, "status=sent")) << log;

  // Nothing of the system's Postfix was changed or started: its
  // configuration is as it was, and its queue directory (where a system
  // master keeps its pid file and sockets) is untouched.
  EXPECT_EQ(Snapshot(kSystemConfig), system_config_before_);
  if (system_queue_existed_) {
    EXPECT_TRUE(Snapshot(kSystemQueue).empty());
  } else {
    EXPECT_NE(access(kSystemQueue, F_OK), 0);
  }
}

}  // namespace
}  // namespace gauntlet::proxy
