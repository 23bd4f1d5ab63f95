// `gauntlet proxy`: the STARTTLS man-in-the-middle proxy, live.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fake_servers/proxy/proxy.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/proxy_commands.h"
#include "harness/proxy/proxy_report.h"
#include "harness/runner/interrupt.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

bool UseColor(bool no_color) {
  return !no_color && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
}

std::string Paint(absl::string_view text, const char* code, bool on) {
  return on ? absl::StrCat("\x1b[", code, "m", text, "\x1b[0m")
            : std::string(text);
}

std::string AttackNames() {
  std::vector<std::string> names;
  for (proxy::Attack a : proxy::AllAttacks()) {
    names.emplace_back(proxy::AttackName(a));
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

CLI::App* AddProxyCommand(CLI::App& app, ProxyOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "proxy",
      "STARTTLS man-in-the-middle proxy in front of a real SMTP server: "
      "strips, refuses, intercepts or injects, and prints what it reads");
  cmd->add_option("--listen", o.listen,
                  "HOST:PORT to accept clients on (loopback only unless "
                  "--allow-non-loopback)")
      ->capture_default_str();
  cmd->add_option("--upstream", o.upstream,
                  "HOST:PORT of the one SMTP server to relay to")
      ->required();
  cmd->add_option("--attack", o.attack, "one of: " + AttackNames())
      ->required();
  cmd->add_option("--upstream-name", o.upstream_name,
                  "name the upstream's certificate must carry, and SNI "
                  "(default: the --upstream host)");
  cmd->add_option("--upstream-ca", o.upstream_ca,
                  "CA file to verify the upstream's certificate with");
  cmd->add_flag("--upstream-no-verify", o.upstream_no_verify,
                "do not verify the upstream's certificate");
  cmd->add_flag("--no-upstream-tls", o.no_upstream_tls,
                "strip/refuse: keep the upstream leg in plaintext too");
  cmd->add_option("--refuse-code", o.refuse_code,
                  "refuse: the reply code for STARTTLS (default 454)");
  cmd->add_option("--refuse-reply", o.refuse_reply,
                  "refuse: the whole reply line, e.g. \"454 4.7.0 Try later\"");
  cmd->add_option("--inject", o.inject,
                  "inject: bytes written after the upstream's 220; \\r \\n "
                  "\\t \\\\ \\xHH understood (default: "
                  "'250-mx.injected.test\\r\\n250 AUTH PLAIN LOGIN\\r\\n')")
      ->each([&o](const std::string&) { o.inject_given = true; });
  cmd->add_flag("--trusted-ca", o.trusted_ca,
                "intercept: sign the forged certificate with a CA whose "
                "ca.pem is written and printed (give it to the client)");
  cmd->add_option("--max-sessions", o.max_sessions,
                  "exit after this many sessions (default: run until Ctrl-C)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--max-concurrent", o.max_concurrent,
                  "sessions relayed at once; more get 421")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--timeout", o.timeout_s,
                  "seconds any wait on either leg may last")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--transcript", o.transcript,
                  "write both legs of every session to FILE "
                  "(JSON, schema gauntlet-report/1)");
  cmd->add_option("--policy", o.policy,
                  "the policy each session's client is judged under, as in "
                  "`gauntlet run`")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"require-tls", "require-tls-no-verify", "opportunistic"}));
  cmd->add_flag("--allow-non-loopback", o.allow_non_loopback,
                "allow --listen on a non-loopback address");
  cmd->add_flag("--no-color", o.no_color, "no ANSI colours");
  cmd->footer(
      "The --transcript file holds what both legs carried (credentials "
      "included) and is created mode 0600.\nExit status: 0 stopped after "
      "--max-sessions, 130 stopped by Ctrl-C, 2 usage error or the proxy "
      "could not start.");
  return cmd;
}

int RunProxy(const ProxyOptions& o) {
  // Messages may quote the user's arguments: escaped (SafeProse).
  auto usage = [](absl::string_view message) {
    std::cerr << "gauntlet proxy: "
              << SafeProse(std::string_view(message.data(), message.size()))
              << "\n";
    return kExitUsage;
  };
  proxy::ProxyConfig c;
  const std::optional<proxy::Attack> attack = proxy::AttackFromName(o.attack);
  if (!attack.has_value()) {
    return usage(absl::StrCat("--attack ", o.attack, ": unknown (one of: ",
                              AttackNames(), ")"));
  }
  c.attack = *attack;
  absl::StatusOr<proxy::HostPort> listen =
      proxy::ParseHostPort(o.listen, /*allow_zero_port=*/true);
  if (!listen.ok()) return usage(absl::StrCat("--listen ", listen.status().message()));
  c.listen = *listen;
  absl::StatusOr<proxy::HostPort> upstream = proxy::ParseHostPort(o.upstream);
  if (!upstream.ok()) {
    return usage(absl::StrCat("--upstream ", upstream.status().message()));
  }
  c.upstream = *upstream;
  c.upstream_name = o.upstream_name;
  c.upstream_ca_file = o.upstream_ca;
  c.upstream_no_verify = o.upstream_no_verify;
  c.upgrade_upstream = !o.no_upstream_tls;
  if (!o.refuse_code.empty() || !o.refuse_reply.empty()) {
    absl::StatusOr<std::string> r =
        proxy::BuildRefuseReply(o.refuse_code, o.refuse_reply);
    if (!r.ok()) return usage(r.status().message());
    c.refuse_reply = *r;
  }
  if (o.inject_given) {
    absl::StatusOr<std::string> inj = proxy::UnescapeInjection(o.inject);
    if (!inj.ok()) return usage(inj.status().message());
    c.injection = *inj;
  }
  c.trusted_ca = o.trusted_ca;
  c.max_sessions = o.max_sessions;
  c.max_concurrent = o.max_concurrent;
  c.io_timeout = std::chrono::milliseconds(
      static_cast<std::int64_t>(o.timeout_s * 1000));
  c.allow_non_loopback = o.allow_non_loopback;

  const absl::Status handlers = runner::InstallInterruptHandlers();
  if (!handlers.ok()) return usage(handlers.message());

  const bool color = UseColor(o.no_color);
  auto print = [color](const proxy::ProxyEvent& e) {
    const std::string when =
        absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::LocalTimeZone());
    std::string tag;
    switch (e.kind) {
      case proxy::ProxyEvent::Kind::kCaptured:
        tag = Paint("CAPTURED", "1;31", color);
        break;
      case proxy::ProxyEvent::Kind::kAttack:
        tag = Paint("attack  ", "1;33", color);
        break;
      case proxy::ProxyEvent::Kind::kWarning:
        tag = Paint("warning ", "35", color);
        break;
      case proxy::ProxyEvent::Kind::kInfo:
        tag = "info    ";
        break;
    }
    // The text quotes what the client and the upstream sent (the tap
    // escapes it already); escaped once more as a last line of defence.
    std::cout << when << " [session " << e.session << "] " << tag << " "
              << Safe(e.text) << std::endl;
  };

  const std::optional<scenario::Policy> policy =
      scenario::PolicyFromName(o.policy);
  if (!policy.has_value()) return usage("--policy " + o.policy + ": unknown");
  absl::StatusOr<std::unique_ptr<proxy::MitmProxy>> p =
      proxy::StartProxy(c, print, o.transcript, *policy);
  if (!p.ok()) return usage(p.status().message());
  proxy::MitmProxy& mitm = **p;
  std::cout << "gauntlet proxy: listening on " << c.listen.host << ":"
            << mitm.port() << ", relaying to " << c.upstream.host << ":"
            << c.upstream.port << "\n  attack " << proxy::AttackName(c.attack)
            << ": " << proxy::AttackDescription(c.attack) << "\n";
  if (!mitm.forged_ca_file().empty()) {
    std::cout << "  forged certificates are signed by the CA in "
              << mitm.forged_ca_file()
              << " (a client that trusts it is fooled)\n";
  }
  if (!o.transcript.empty()) {
    std::cout << "  transcript of both legs: " << o.transcript << "\n";
  }
  std::cout << "  " << (c.max_sessions > 0
                            ? absl::StrCat("stops after ", c.max_sessions,
                                           " session(s); ")
                            : std::string())
            << "Ctrl-C stops it." << std::endl;

  bool interrupted = false;
  while (!mitm.WaitDone(std::chrono::milliseconds(0))) {
    if (runner::WaitForInterrupt(std::chrono::milliseconds(200))) {
      interrupted = true;
      std::cout << "gauntlet proxy: stopping (Ctrl-C)" << std::endl;
      break;
    }
  }
  mitm.Stop();
  const std::vector<proxy::SessionCapture> caps = mitm.Captures();
  int leaked = 0;
  for (const proxy::SessionCapture& cap : caps) leaked += cap.Leaked() ? 1 : 0;
  std::cout << "gauntlet proxy: " << caps.size() << " session(s), " << leaked
            << " in which the attacker read credentials or mail" << std::endl;
  // Each session judged from its client leg's transcript, as `gauntlet
  // run` judges a scenario (and `gauntlet judge` the --transcript file).
  const report::RunReport judged =
      proxy::ProxyRunReport(c, mitm.Snapshot(), *policy);
  for (const report::ScenarioResult& r : judged.results) {
    std::cout << "  session " << (r.repeat_index + 1) << " ("
              << scenario::PolicyName(*policy) << "): "
              << Safe(r.verdict.summary) << std::endl;
  }
  return interrupted ? runner::InterruptExitCode() : kExitOk;
}

}  // namespace gauntlet::cli
