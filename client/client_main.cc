#include "client/client_main.h"

#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/exit_codes.h"
#include "client/flaws.h"
#include "client/options.h"
#include "client/smtp_client.h"
#include "common/bounded_file.h"
#include "smtp/command.h"
#include "tls/thread_cleanup.h"

namespace gauntlet::client {
namespace {

constexpr char kProgram[] = "gauntlet-client";
// Larger message files are refused rather than read into memory.
constexpr std::size_t kMaxMessageBytes = 10 * 1024 * 1024;

int Fail(ExitCode code, absl::string_view message) {
  std::cerr << kProgram << ": " << message << "\n";
  return static_cast<int>(code);
}

absl::Status ReadMessageFile(const std::string& path, std::string* out) {
  absl::StatusOr<std::string> data =
      files::ReadRegularFile(path, kMaxMessageBytes, "message file");
  if (!data.ok()) return ClientError(ExitCode::kUsage, data.status().message());
  *out = NormalizeLineEndings(*data);
  return absl::OkStatus();
}

// Checks an address by building the command it will go into with the
// project's own parser: no CR/LF, no '<'/'>', valid mailbox syntax.
absl::Status CheckAddress(absl::string_view flag, const std::string& address,
                          absl::string_view verb_prefix) {
  absl::StatusOr<smtp::Command> parsed =
      smtp::ParseCommand(absl::StrCat(verb_prefix, "<", address, ">"));
  if (!parsed.ok() || parsed->mailbox != address) {
    return ClientError(
        ExitCode::kUsage,
        absl::StrCat(flag, " \"", absl::CHexEscape(address),
                     "\" is not a valid address",
                     parsed.ok() ? "" : absl::StrCat(" (", parsed.status().message(), ")")));
  }
  return absl::OkStatus();
}

void PrintFlawList(std::ostream& out) {
  for (const FlawInfo& info : AllFlaws()) {
    out << info.name << "\t" << info.behaviour << "\t" << info.reference
        << "\n";
  }
}

int Run(int argc, char** argv) {
  CLI::App app{
      "gauntlet-client: Gauntlet's reference SMTP submission client. Secure "
      "by default (STARTTLS required, certificate verified, TLS >= 1.2); "
      "each --flaw switches on one known class of STARTTLS client bug.",
      kProgram};
  app.footer(FlawAndExitCodeHelp());

  ClientOptions options;
  int port = 25;
  std::string user;
  std::string policy = "require-tls";
  double timeout_s = 30;
  std::string message_file;
  std::vector<std::string> flaw_names;
  std::vector<std::string> to;
  bool list_flaws = false;
  bool verbose = false;

  std::vector<std::string> flaw_choices;
  for (const FlawInfo& info : AllFlaws()) flaw_choices.emplace_back(info.name);

  app.add_option("--host", options.host, "server to connect to (name or address)");
  app.add_option("--port", port, "server port (default 25)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--ca-file", options.ca_file,
                 "trusted CA certificates, PEM (default: the system bundle)");
  app.add_option("--server-name", options.server_name,
                 "name the certificate must carry, also sent as SNI "
                 "(default: --host)");
  app.add_option("--user", user, "authenticate (AUTH PLAIN or LOGIN) as this user");
  app.add_option("--password", options.password, "password for --user");
  app.add_option("--from", options.from, "envelope sender")->capture_default_str();
  app.add_option("--to", to, "envelope recipient (repeatable; default "
                             "recipient@gauntlet.test)");
  app.add_option("--policy", policy,
                 "require-tls (default), require-tls-no-verify or "
                 "opportunistic")
      ->check(CLI::IsMember(
          {"require-tls", "require-tls-no-verify", "opportunistic"}));
  app.add_option("--timeout", timeout_s,
                 "seconds for connect, each reply and the TLS handshake "
                 "(default 30)")
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--message-file", message_file,
                 "message to send (LF line endings are sent as CRLF; default: "
                 "a small test message)");
  app.add_option("--flaw", flaw_names,
                 "switch on a flaw (repeatable; see the list below)")
      ->check(CLI::IsMember(flaw_choices));
  app.add_flag("--list-flaws", list_flaws,
               "print every flaw as name<TAB>behaviour<TAB>reference and exit");
  app.add_flag("-v,--verbose", verbose, "print the SMTP dialogue on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, std::cout, std::cerr);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, std::cout, std::cerr);
  } catch (const CLI::ParseError& e) {
    return Fail(ExitCode::kUsage, absl::StrCat(e.what(), " (see --help)"));
  }

  if (list_flaws) {
    PrintFlawList(std::cout);
    return 0;
  }
  if (options.host.empty()) {
    return Fail(ExitCode::kUsage, "--host is required (see --help)");
  }
  options.port = static_cast<std::uint16_t>(port);
  if (app.count("--user") > 0) options.user = user;
  options.policy = *TlsPolicyFromName(policy);
  if (!std::isfinite(timeout_s) || timeout_s > 86400) {
    return Fail(ExitCode::kUsage, "--timeout must be at most 86400 seconds");
  }
  options.timeout = std::chrono::milliseconds(
      std::max<long long>(1, std::llround(timeout_s * 1000)));
  if (!to.empty()) options.to = to;
  for (const std::string& name : flaw_names) {
    options.flaws.Add(*FlawFromName(name));
  }
  if (absl::Status s = CheckAddress("--from", options.from, "MAIL FROM:");
      !s.ok()) {
    return Fail(ExitCode::kUsage, s.message());
  }
  for (const std::string& rcpt : options.to) {
    if (absl::Status s = CheckAddress("--to", rcpt, "RCPT TO:"); !s.ok()) {
      return Fail(ExitCode::kUsage, s.message());
    }
  }
  if (!message_file.empty()) {
    std::string message;
    if (absl::Status s = ReadMessageFile(message_file, &message); !s.ok()) {
      return Fail(ExitCode::kUsage, s.message());
    }
    options.message = std::move(message);
  }

  absl::StatusOr<DeliveryReport> report =
      Deliver(options, verbose ? &std::cerr : nullptr);
  if (!report.ok()) {
    return Fail(ExitCodeOf(report.status()), report.status().message());
  }
  std::cout << kProgram << ": delivered to " << options.host << " port "
            << options.port << " "
            << (report->over_tls
                    ? absl::StrCat("over ", report->tls_version, " (",
                                   report->cipher, ")")
                    : std::string("in plaintext"))
            << (options.flaws.empty()
                    ? std::string()
                    : absl::StrCat(" [flaws: ", options.flaws.ToString(), "]"))
            << ": " << report->final_reply << "\n";
  return 0;
}

}  // namespace

std::string FlawAndExitCodeHelp() {
  std::string out =
      "\nFlaws (each reproduces a real bug class; without --flaw the client "
      "is secure):\n";
  for (const FlawInfo& info : AllFlaws()) {
    absl::StrAppendFormat(&out, "  %-19s %s\n  %-19s   [%s]\n", info.name,
                          info.behaviour, "", info.reference);
  }
  absl::StrAppend(
      &out,
      "\nExit codes:\n"
      "  0  delivered\n"
      "  1  usage error (bad option, unreadable message or CA file)\n"
      "  2  connection failed, closed or timed out\n"
      "  3  TLS handshake failed or certificate rejected\n"
      "  4  STARTTLS not offered or refused, or EHLO refused, under a policy "
      "that requires TLS\n"
      "  5  the server answered with an SMTP error\n"
      "  6  protocol violation by the server (e.g. bytes after the 220 reply "
      "to STARTTLS, malformed reply)\n");
  return out;
}

int ClientMain(int argc, char** argv) {
  int code = static_cast<int>(ExitCode::kUsage);
  try {
    code = Run(argc, argv);
  } catch (const std::exception& e) {
    code = Fail(ExitCode::kUsage, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    code = Fail(ExitCode::kUsage, "internal error");
  }
  // Embedding ClientMain on a worker thread must leak nothing.
  tls::ReleaseThreadTlsState();
  return code;
}

}  // namespace gauntlet::client
