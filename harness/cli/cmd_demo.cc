// `gauntlet demo`: the stories Gauntlet exists to tell, staged on this
// machine. `demo downgrade` puts the STARTTLS-stripping proxy in front of a
// real mail server and sends mail through it with vulnerable and secure
// clients; `demo --flaw NAME` runs the reference client through the
// scenario catalogue secure and flawed, side by side.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/proxy/proxy.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/proxy_commands.h"
#include "harness/cli/run_progress.h"
#include "harness/proxy/aiosmtpd_upstream.h"
#include "harness/report/console.h"
#include "harness/report/run_result.h"
#include "harness/runner/client_command.h"
#include "harness/runner/companion.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/process.h"
#include "harness/runner/scenario_runner.h"
#include "harness/scenario/catalog.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::cli {
namespace {

constexpr int kExitUsage = 2;

constexpr char kUser[] = "alice";
constexpr char kPassword[] = "correct-horse-battery";
constexpr char kFrom[] = "alice@example.org";
constexpr char kTo[] = "bob@example.org";
constexpr char kSubject[] = "Q3 numbers - do not forward";

// A private directory (mkdtemp, 0700), removed with its contents.
class PrivateDir {
 public:
  static absl::StatusOr<std::unique_ptr<PrivateDir>> Create() {
    const char* tmp = getenv("TMPDIR");
    std::string templ = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                     "/gauntlet-demo-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::InternalError("cannot create a private temporary directory");
    }
    return std::unique_ptr<PrivateDir>(new PrivateDir(templ));
  }
  ~PrivateDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

struct Style {
  bool color = false;
  std::string B(absl::string_view t) const {
    return Bold(std::string_view(t.data(), t.size()), color);
  }
  std::string D(absl::string_view t) const {
    return Dim(std::string_view(t.data(), t.size()), color);
  }
  std::string Red(absl::string_view t) const {
    return color ? absl::StrCat("\x1b[1;31m", t, "\x1b[0m") : std::string(t);
  }
  std::string Green(absl::string_view t) const {
    return color ? absl::StrCat("\x1b[1;32m", t, "\x1b[0m") : std::string(t);
  }
};

std::string LastLine(absl::string_view text) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, absl::ByAnyChar("\r\n"), absl::SkipWhitespace());
  if (lines.empty()) return "";
  std::string l(absl::StripAsciiWhitespace(lines.back()));
  if (l.size() > 160) l = l.substr(0, 157) + "...";
  return l;
}

std::string ShellLine(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const std::string& a : argv) {
    words.push_back(a.find_first_of(" '\"$\\") == std::string::npos
                        ? a
                        : runner::ShellQuote(a));
  }
  return absl::StrJoin(words, " ");
}

std::string Pad(absl::string_view s, std::size_t w) {
  std::string out(s.substr(0, w));
  if (out.size() < w) out.append(w - out.size(), ' ');
  return out;
}

struct ClientSpec {
  std::string label;
  bool secure = false;
  std::vector<std::string> argv;
};

// Prints proxy events as they happen, indented under the current step.
class LiveProxyPrinter {
 public:
  LiveProxyPrinter(std::ostream& out, const Style& style)
      : out_(out), style_(style) {}
  void operator()(const proxy::ProxyEvent& e) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string tag = "      [attacker] ";
    if (e.kind == proxy::ProxyEvent::Kind::kCaptured) {
      out_ << tag << style_.Red(absl::StrCat("READ ", e.text)) << "\n";
    } else if (e.kind == proxy::ProxyEvent::Kind::kAttack) {
      out_ << tag << style_.B(e.text) << "\n";
    } else {
      out_ << tag << style_.D(e.text) << "\n";
    }
    out_.flush();
  }

 private:
  std::mutex mu_;
  std::ostream& out_;
  const Style& style_;
};

// One of the reference client's flaws, as `gauntlet-client --list-flaws`
// prints it: name<TAB>behaviour<TAB>reference, one per line
// (docs/reference-client.md).
struct FlawLine {
  std::string name;
  std::string behaviour;
  std::string reference;
};

// The reference client's flaws, asked of the program itself: the CLI does
// not link the client, and the client's list is the only one.
absl::StatusOr<std::vector<FlawLine>> ListFlaws(const std::string& client) {
  runner::RunOptions ro;
  ro.argv = {client, "--list-flaws"};
  ro.timeout = std::chrono::seconds(10);
  GAUNTLET_ASSIGN_OR_RETURN(const runner::RunResult r, runner::RunProcess(ro));
  if (!r.succeeded() || r.out.truncated()) {
    return absl::InternalError(absl::StrCat(
        client, " --list-flaws failed (", r.Describe(), "): ",
        LastLine(r.err.data)));
  }
  std::vector<FlawLine> flaws;
  for (absl::string_view line :
       absl::StrSplit(r.out.data, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 3 || fields[0].empty()) {
      return absl::InternalError(absl::StrCat(
          client, " --list-flaws printed an unexpected line: ",
          Safe(std::string(line))));
    }
    flaws.push_back({fields[0], fields[1], fields[2]});
  }
  if (flaws.empty()) {
    return absl::InternalError(
        absl::StrCat(client, " --list-flaws printed no flaw"));
  }
  return flaws;
}

std::string DescribeCapture(const proxy::SessionCapture& c) {
  std::vector<std::string> parts;
  for (const smtp::CapturedCredentials& cred : c.credentials) {
    parts.push_back(absl::StrCat("login ", proxy::Printable(cred.username), " / \"",
                                 proxy::Printable(cred.password), "\""));
  }
  if (!c.senders.empty() || !c.recipients.empty()) {
    parts.push_back(absl::StrCat(
        proxy::Printable(absl::StrJoin(c.senders, ",")), " -> ",
        proxy::Printable(absl::StrJoin(c.recipients, ","))));
  }
  for (const proxy::CapturedMessage& m : c.messages) {
    parts.push_back(absl::StrCat("mail \"", proxy::Printable(m.subject), "\" (",
                                 m.size, " bytes)"));
  }
  return parts.empty() ? "nothing" : absl::StrJoin(parts, "; ");
}

}  // namespace

absl::StatusOr<DowngradeDemoResult> RunDowngradeDemo(const DemoOptions& o,
                                                     std::ostream& out) {
  Style st;
  st.color = &out == &std::cout && StdoutColor(o.no_color);
  const auto timeout = std::chrono::milliseconds(
      static_cast<std::int64_t>(std::max(1.0, o.timeout_s) * 1000));

  out << st.B("Gauntlet demo: a STARTTLS downgrade attack, live on this machine")
      << "\n\n";
  // --- Stage --------------------------------------------------------------
  absl::StatusOr<std::string> python = proxy::FindAiosmtpdPython();
  if (!python.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the demo needs a real mail server, Debian's python3-aiosmtpd, which "
        "is not installed.\n  Install it with: sudo apt-get install "
        "python3-aiosmtpd\n  (", python.status().message(), ")"));
  }
  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<PrivateDir> dir,
                            PrivateDir::Create());
  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<pki::TestPki> pki,
                            pki::TestPki::Create({}));
  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<pki::ClientFiles> files,
                            pki->WriteClientFiles(dir->path()));
  GAUNTLET_ASSIGN_OR_RETURN(
      pki::ServedChain chain,
      pki->Chain(pki::CertProfile::kValid, pki::KeyType::kEcdsaP256));
  const std::string message_file = dir->path() + "/message.eml";
  {
    std::ofstream msg(message_file, std::ios::binary);
    msg << "From: Alice <" << kFrom << ">\r\nTo: Bob <" << kTo
        << ">\r\nSubject: " << kSubject
        << "\r\n\r\nRevenue is up 12%. Keep this between us.\r\n";
    if (!msg) return absl::InternalError("cannot write the demo message");
  }
  const std::string updir = dir->path() + "/upstream";
  std::filesystem::create_directory(updir);

  out << st.B("Step 1") << "  Start a real mail server: aiosmtpd (Debian's "
      << "python3-aiosmtpd), on loopback, STARTTLS enabled\n"
      << "        with a certificate for \"localhost\" from a fresh test CA; "
      << "it offers AUTH only inside TLS.\n";
  proxy::AiosmtpdOptions uo;
  uo.python = *python;
  uo.work_dir = updir;
  uo.cert_chain_pem = chain.chain_pem;
  uo.key_pem = chain.key_pem;
  uo.lifetime = std::chrono::seconds(
      static_cast<std::int64_t>(60 + 6 * std::max(1.0, o.timeout_s)));
  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<proxy::AiosmtpdUpstream> upstream,
                            proxy::AiosmtpdUpstream::Start(uo));
  out << "        listening on 127.0.0.1:" << upstream->port() << "\n\n";

  out << st.B("Step 2") << "  Start the attacker: gauntlet proxy --attack "
      << "strip, between the clients and the server.\n"
      << "        It hides STARTTLS from the clients, and itself speaks TLS "
      << "to the server, so the server sees a normal encrypted session.\n";
  proxy::ProxyConfig pc;
  pc.attack = proxy::Attack::kStrip;
  pc.listen = {"127.0.0.1", 0};
  pc.upstream = {"127.0.0.1", upstream->port()};
  pc.upstream_name = "localhost";
  pc.upstream_ca_file = files->CaFile();
  pc.io_timeout = timeout;
  LiveProxyPrinter printer(out, st);
  GAUNTLET_ASSIGN_OR_RETURN(
      std::unique_ptr<proxy::MitmProxy> mitm,
      proxy::MitmProxy::Start(
          pc, [&printer](const proxy::ProxyEvent& e) { printer(e); }));
  const std::string port = std::to_string(mitm->port());
  out << "        listening on 127.0.0.1:" << port
      << " (the clients are told this is the mail server)\n\n";

  // --- The clients -----------------------------------------------------------
  std::vector<std::string> reference = o.reference_client;
  if (reference.empty()) {
    const absl::StatusOr<std::string>& client =
        runner::ReferenceClientProgram();
    if (!client.ok()) return client.status();
    reference = {*client};
  }
  auto curl = [&](std::vector<std::string> tls) {
    std::vector<std::string> a = {"curl", "-sS", "--max-time",
                                  std::to_string(static_cast<int>(o.timeout_s)),
                                  "--url", "smtp://127.0.0.1:" + port};
    a.insert(a.end(), tls.begin(), tls.end());
    for (const char* x : {"--mail-from", kFrom, "--mail-rcpt", kTo}) a.push_back(x);
    a.push_back("--upload-file");
    a.push_back(message_file);
    a.push_back("--user");
    a.push_back(absl::StrCat(kUser, ":", kPassword));
    return a;
  };
  auto ref = [&](bool flawed) {
    std::vector<std::string> a = reference;
    for (const std::string& x :
         {std::string("--host"), std::string("127.0.0.1"), std::string("--port"),
          port, std::string("--server-name"), std::string("localhost"),
          std::string("--ca-file"), files->CaFile(), std::string("--user"),
          std::string(kUser), std::string("--password"), std::string(kPassword),
          std::string("--from"), std::string(kFrom), std::string("--to"),
          std::string(kTo), std::string("--message-file"), message_file,
          std::string("--policy"), std::string("require-tls"),
          std::string("--timeout"),
          std::to_string(std::max(1, static_cast<int>(o.timeout_s * 0.8)))}) {
      a.push_back(x);
    }
    if (flawed) {
      a.push_back("--flaw");
      a.push_back("fallback-on-strip");
    }
    return a;
  };
  const std::vector<ClientSpec> clients = {
      {"curl --ssl (TLS if offered)", false,
       curl({"--ssl", "--cacert", files->CaFile()})},
      {"gauntlet client --flaw fallback-on-strip", false, ref(true)},
      {"curl --ssl-reqd (TLS required)", true,
       curl({"--ssl-reqd", "--cacert", files->CaFile()})},
      {"gauntlet client (secure, require-tls)", true, ref(false)},
  };

  DowngradeDemoResult result;
  int sessions_seen = 0;
  std::size_t messages_seen = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (runner::Interrupted()) return absl::CancelledError("interrupted");
    const ClientSpec& spec = clients[i];
    out << st.B(absl::StrCat("Step ", i + 3)) << "  "
        << (spec.secure ? "Secure" : "Vulnerable") << " client: "
        << st.B(spec.label) << "\n"
        << st.D(absl::StrCat("        $ ", ShellLine(spec.argv))) << "\n";
    out.flush();
    DemoClientOutcome oc;
    oc.label = spec.label;
    oc.secure = spec.secure;
    runner::RunOptions ro;
    ro.argv = spec.argv;
    ro.timeout = timeout + std::chrono::seconds(5);
    ro.cancel = &runner::InterruptFlag();
    absl::StatusOr<runner::RunResult> run = runner::RunProcess(ro);
    if (!run.ok()) {
      oc.status = absl::StrCat("not run: ", run.status().message());
      out << "        " << oc.status << "\n\n";
      result.clients.push_back(oc);
      continue;
    }
    if (run->cancelled) return absl::CancelledError("interrupted");
    oc.ran = true;
    oc.exit_code = run->exited ? run->exit_code : -1;
    oc.status = run->Describe();
    oc.stderr_line = LastLine(run->err.data);
    // The proxy's session for this client ends when the client goes.
    if (mitm->WaitForSessions(sessions_seen + 1, timeout)) ++sessions_seen;
    const std::vector<proxy::SessionCapture> caps = mitm->Captures();
    if (!caps.empty() && static_cast<int>(caps.size()) == sessions_seen) {
      const proxy::SessionCapture& cap = caps.back();
      oc.attacker_saw_credentials = !cap.credentials.empty();
      oc.attacker_saw_message = !cap.messages.empty();
      oc.attacker_saw = DescribeCapture(cap);
    } else {
      oc.attacker_saw = "nothing (no session)";
    }
    absl::StatusOr<std::vector<proxy::UpstreamMessage>> msgs =
        upstream->Messages();
    if (msgs.ok() && msgs->size() > messages_seen) {
      oc.server_messages = static_cast<int>(msgs->size() - messages_seen);
      oc.server_tls = std::all_of(
          msgs->begin() + static_cast<std::ptrdiff_t>(messages_seen),
          msgs->end(), [](const proxy::UpstreamMessage& m) { return m.tls; });
      messages_seen = msgs->size();
    }
    out << "        client: " << oc.status
        << (oc.stderr_line.empty() ? "" : absl::StrCat(" -- \"", oc.stderr_line, "\""))
        << "\n";
    out << "        server: "
        << (oc.server_messages > 0
                ? absl::StrCat("received the mail, over ",
                               oc.server_tls ? "TLS" : "PLAINTEXT",
                               " -- nothing looked wrong")
                : std::string("received nothing"))
        << "\n\n";
    result.clients.push_back(oc);
  }
  mitm->Stop();

  // --- Summary ----------------------------------------------------------------
  out << st.B("Summary") << "\n";
  const std::size_t w1 = 42, w2 = 5, w3 = 50;
  out << "  " << Pad("client", w1) << " " << Pad("exit", w2) << " "
      << Pad("attacker saw", w3) << " server received\n";
  out << "  " << std::string(w1 + w2 + w3 + 20, '-') << "\n";
  for (const DemoClientOutcome& c : result.clients) {
    const std::string exit = c.ran ? std::to_string(c.exit_code) : "-";
    std::string saw = c.attacker_saw.empty() ? "-" : c.attacker_saw;
    if (saw.size() > w3) saw = saw.substr(0, w3 - 3) + "...";
    const std::string server =
        c.server_messages > 0
            ? absl::StrCat("the mail, over ", c.server_tls ? "TLS" : "plaintext")
            : "nothing";
    const bool leaked = c.attacker_saw_credentials || c.attacker_saw_message;
    out << "  " << Pad(c.label, w1) << " " << Pad(exit, w2) << " "
        << (leaked ? st.Red(Pad(saw, w3)) : st.Green(Pad(saw, w3))) << " "
        << server << "\n";
  }
  out << "\n";
  for (const DemoClientOutcome& c : result.clients) {
    const bool leaked = c.attacker_saw_credentials || c.attacker_saw_message;
    out << "  " << st.B(c.label) << "\n    client said:   " << c.status
        << (c.stderr_line.empty() ? "" : absl::StrCat(" -- \"", c.stderr_line, "\""))
        << "\n    attacker read: " << (c.attacker_saw.empty() ? "-" : c.attacker_saw)
        << "\n    -> "
        << (leaked ? st.Red("VULNERABLE: the attacker read its password and "
                            "mail, while the server saw a normal TLS session")
                   : (c.ran ? st.Green("SAFE: it refused to go on without TLS; "
                                       "the attacker read nothing")
                            : std::string("not run")))
        << "\n";
  }
  out << "\nOpportunistic STARTTLS is not enough: only a client that requires "
         "TLS (and verifies the certificate) is safe from a man in the "
         "middle.\n";
  out.flush();
  return result;
}

namespace {

int RunFlawDemo(const DemoOptions& o) {
  const absl::StatusOr<std::string>& client = runner::ReferenceClientProgram();
  if (!client.ok()) {
    PrintError(absl::StrCat("`demo --flaw` needs the reference client: ",
                            client.status().message()));
    return kExitUsage;
  }
  absl::StatusOr<std::vector<FlawLine>> flaws = ListFlaws(*client);
  if (!flaws.ok()) {
    PrintError(flaws.status().message());
    return kExitUsage;
  }
  const FlawLine* flaw = nullptr;
  for (const FlawLine& f : *flaws) {
    if (f.name == o.flaw) flaw = &f;
  }
  if (flaw == nullptr) {
    std::vector<std::string> names;
    for (const FlawLine& f : *flaws) names.push_back(f.name);
    PrintError(absl::StrCat("--flaw ", o.flaw, ": unknown (one of: ",
                            absl::StrJoin(names, ", "), ")"));
    return kExitUsage;
  }
  Style st;
  st.color = StdoutColor(o.no_color);
  absl::StatusOr<scenario::Catalog> catalog = LoadCatalogWithUserDirs({});
  if (!catalog.ok()) {
    PrintError(catalog.status().message());
    return kExitUsage;
  }
  absl::StatusOr<std::vector<const scenario::Scenario*>> selected =
      SelectScenarios(*catalog, o.scenarios);
  if (!selected.ok()) {
    PrintError(selected.status().message());
    return kExitUsage;
  }
  if (const absl::Status s = runner::InstallInterruptHandlers(); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  const std::string flaw_name = flaw->name;
  std::cout << st.B(absl::StrCat("Gauntlet demo: the reference client, secure "
                                 "and with --flaw ", flaw_name))
            << "\n  " << flaw->behaviour << "\n  (" << flaw->reference
            << ")\n\n";

  const int timeout_s = std::max(1, static_cast<int>(o.timeout_s));
  auto run = [&](bool flawed) -> absl::StatusOr<report::RunReport> {
    runner::RunnerOptions ro;
    ro.command.template_text = absl::StrCat(
        runner::ShellQuote(
            absl::StrReplaceAll(*client, {{"{", "{{"}, {"}", "}}"}})),
        " --host {addr} --port {port} --server-name {host}"
        " --ca-file {ca_file} --from {from} --to {to} --user {user}"
        " --password {password} --message-file {message_file}"
        " --policy {policy} --timeout ",
        std::max(1, timeout_s * 8 / 10),
        flawed ? absl::StrCat(" --flaw ", flaw_name) : std::string());
    ro.client_name = flawed ? absl::StrCat("gauntlet-client --flaw ", flaw_name)
                            : "gauntlet-client";
    ro.policy = scenario::Policy::kRequireTls;
    ro.timeout = std::chrono::seconds(timeout_s);
    ro.jobs = o.jobs > 0 ? o.jobs
                         : std::max(1u, std::thread::hardware_concurrency());
    ro.cancel = &runner::InterruptFlag();
    GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<runner::ScenarioRunner> r,
                              runner::ScenarioRunner::Create(ro));
    std::cout << "  running " << selected->size() << " scenario(s) with the "
              << (flawed ? "flawed" : "secure") << " client..." << std::endl;
    // In a terminal a status line says what is running; in a log, one line
    // per result as it finishes.
    LiveProgress::Options live_options;
    live_options.status_line = report::TerminalCanRedraw(STDERR_FILENO);
    live_options.results = live_options.status_line
                               ? LiveProgress::ResultLines::kNone
                               : LiveProgress::ResultLines::kCompact;
    LiveProgress live(live_options, std::cout, std::cerr);
    report::RunReport done = r->Run(*selected, live.Callback());
    live.Stop();
    const report::Summary s = report::Summarize(done);
    std::cout << absl::StrFormat(
                     "  %s client: %d passed, %d failed, %d skipped, %d "
                     "inconclusive in %.1f s",
                     flawed ? "flawed" : "secure", s.passed, s.failing(),
                     s.skipped, s.inconclusive,
                     static_cast<double>(done.wall_us) / 1e6)
              << std::endl;
    return done;
  };
  absl::StatusOr<report::RunReport> secure = run(false);
  if (!secure.ok()) {
    PrintError(secure.status().message());
    return kExitUsage;
  }
  if (runner::Interrupted()) return runner::InterruptExitCode();
  absl::StatusOr<report::RunReport> flawed = run(true);
  if (!flawed.ok()) {
    PrintError(flawed.status().message());
    return kExitUsage;
  }
  if (runner::Interrupted()) return runner::InterruptExitCode();

  std::map<std::string, std::pair<std::string, std::string>> rows;
  std::map<std::string, std::string> why;
  for (const report::ScenarioResult& r : secure->results) {
    rows[r.scenario_id].first = std::string(verdict::VerdictName(r.verdict.verdict));
  }
  for (const report::ScenarioResult& r : flawed->results) {
    rows[r.scenario_id].second = std::string(verdict::VerdictName(r.verdict.verdict));
    why[r.scenario_id] = r.verdict.summary;
  }
  int differ = 0;
  std::cout << "\n  " << Pad("scenario", 44) << " " << Pad("secure", 13) << " "
            << "with --flaw " << flaw_name << "\n  " << std::string(80, '-')
            << "\n";
  const bool show_all = rows.size() <= 30;
  for (const auto& [id, v] : rows) {
    const bool d = v.first != v.second;
    differ += d ? 1 : 0;
    if (!d && !show_all) continue;
    std::cout << "  " << Pad(id, 44) << " " << Pad(v.first, 13) << " "
              << (d ? st.Red(v.second) : v.second) << "\n";
    if (d && !why[id].empty()) {
      std::cout << "      " << st.D(why[id].substr(0, 150)) << "\n";
    }
  }
  if (!show_all) {
    std::cout << "  (" << rows.size() - differ
              << " other scenarios: same verdict for both)\n";
  }
  std::cout << "\n  "
            << (differ > 0
                    ? st.Red(absl::StrCat(differ, " scenario(s) catch the flaw "
                                          "that the secure client passes"))
                    : st.B("no selected scenario tells the two clients apart"))
            << "\n";
  return 0;
}

}  // namespace

CLI::App* AddDemoCommand(CLI::App& app, DemoOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Stage a story on this machine: `demo downgrade` (a STARTTLS stripping "
      "attack against real clients and a real server) or `demo --flaw NAME` "
      "(the reference client secure vs flawed)");
  cmd->add_option("story", o.story, "downgrade")
      ->check(CLI::IsMember({"downgrade"}));
  cmd->add_option("--flaw", o.flaw,
                  "run the reference client secure and with this flaw, side "
                  "by side (see `gauntlet client --list-flaws`)");
  cmd->add_option("--scenario", o.scenarios,
                  "--flaw: scenario id globs or tags (repeatable; default: "
                  "the whole catalogue)");
  cmd->add_option("--timeout", o.timeout_s, "seconds per client run")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));
  cmd->add_option("--jobs", o.jobs, "--flaw: scenarios in parallel")
      ->check(CLI::Range(0, 64));
  cmd->add_flag("--no-color", o.no_color, "no ANSI colours");
  return cmd;
}

int RunDemo(const DemoOptions& o) {
  if (o.story == "downgrade") {
    if (const absl::Status s = runner::InstallInterruptHandlers(); !s.ok()) {
      PrintError(s.message());
      return kExitUsage;
    }
    absl::StatusOr<DowngradeDemoResult> r = RunDowngradeDemo(o, std::cout);
    if (!r.ok()) {
      if (absl::IsCancelled(r.status()) || runner::Interrupted()) {
        std::cout << "\ngauntlet demo: interrupted; everything it started "
                     "is stopped and its files removed\n";
        return runner::InterruptExitCode();
      }
      PrintError(absl::StrCat("demo downgrade: ", r.status().message()));
      return kExitUsage;
    }
    return 0;
  }
  if (!o.flaw.empty()) return RunFlawDemo(o);
  PrintError(
      "say which demo: `gauntlet demo downgrade` or `gauntlet demo --flaw "
      "NAME` (see gauntlet demo --help)");
  return kExitUsage;
}

}  // namespace gauntlet::cli
