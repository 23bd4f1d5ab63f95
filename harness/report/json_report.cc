#include "harness/report/json_report.h"

#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "harness/report/escape.h"
#include "harness/report/file_io.h"
#include "harness/report/json_read.h"
#include "harness/report/text_util.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

// Written with ordered_json so that the document reads in schema order
// ("schema" first); read back with plain json.
using json = nlohmann::ordered_json;
using ParsedJson = nlohmann::json;

std::string S(std::string_view s) { return std::string(s); }

// Server/process times in milliseconds with µs precision; null if unknown.
json Ms(int64_t us) {
  if (us < 0) return nullptr;
  return static_cast<double>(us) / 1000.0;
}

json OptInt(const std::optional<int>& v) {
  if (!v.has_value()) return nullptr;
  return *v;
}


json EvidenceJson(const verdict::Evidence& e) {
  return json{{"connection", e.connection < 0 ? json(nullptr)
                                              : json(e.connection)},
              {"t_ms", Ms(e.t_us)},
              {"excerpt", e.excerpt}};
}

json LineJson(const verdict::ClientLine& line) {
  json j = {{"verb", line.verb},
            {"phase", S(fake::PhaseName(line.phase))},
            {"in_tls", line.in_tls},
            {"evidence", EvidenceJson(line.evidence)}};
  if (!line.in_tls) j["cause"] = S(verdict::PlaintextCauseName(line.cause));
  return j;
}

json ObservationsJson(const verdict::Observations& o) {
  json j;
  j["client_ran"] = o.client_ran;
  j["starttls_attempted"] = o.starttls_attempted;
  j["delivered_over_tls"] = o.delivered_over_tls;
  j["delivered_in_plaintext"] = o.delivered_in_plaintext;
  json prot = json::array();
  for (const verdict::ClientLine& l : o.protected_in_plaintext) {
    prot.push_back(LineJson(l));
  }
  j["protected_in_plaintext"] = std::move(prot);
  json creds = json::array();
  for (const verdict::CredentialsSeen& c : o.credentials) {
    // The password is left out: the wire bytes already hold it, and a
    // report is often pasted into bug trackers.
    creds.push_back({{"mechanism", c.credentials.mechanism},
                     {"user", c.credentials.user},
                     {"in_tls", c.line.in_tls},
                     {"evidence", EvidenceJson(c.line.evidence)}});
  }
  j["credentials"] = std::move(creds);
  json msgs = json::array();
  for (const verdict::MessageSeen& m : o.messages) {
    msgs.push_back({{"size", m.size},
                    {"subject", m.subject},
                    {"in_tls", m.line.in_tls},
                    {"evidence", EvidenceJson(m.line.evidence)}});
  }
  j["messages"] = std::move(msgs);
  json conns = json::array();
  for (const verdict::ConnectionFacts& c : o.connections) {
    json refusals = json::array();
    for (const verdict::Refusal& r : c.refusals) refusals.push_back(r.what);
    json cj = {{"index", c.index},
               {"starttls_offered", c.starttls_offered},
               {"ehlo_refused", c.ehlo_refused},
               {"starttls_sent", c.starttls_sent.has_value()},
               {"starttls_reply_code", c.starttls_reply_code},
               {"handshake", S(fake::HandshakeOutcomeName(c.handshake))},
               {"tls_completed", c.tls_completed},
               {"tls_version", c.tls_version},
               {"tls_cipher", c.tls_cipher},
               {"tls_failure", c.tls_failure},
               {"refusals", std::move(refusals)},
               {"proceeded_in_tls", c.proceeded_in_tls.has_value()},
               {"ehlo_in_tls", c.ehlo_in_tls},
               {"client_closed", c.client_closed},
               {"close", S(fake::CloseKindName(c.close))},
               {"client_close_delay_ms",
                c.client_close_delay_us.has_value()
                    ? Ms(*c.client_close_delay_us)
                    : json(nullptr)}};
    conns.push_back(std::move(cj));
  }
  j["connections"] = std::move(conns);
  j["counts"] = {
      {"plaintext_commands", o.plaintext_commands.size()},
      {"tls_commands", o.tls_commands.size()},
      {"premature_lines", o.premature_lines.size()},
      {"stale_capabilities", o.stale_capabilities.size()},
      {"injected_capabilities", o.injected_capabilities.size()},
      {"starttls_inside_tls", o.starttls_inside_tls.size()},
      {"no_ehlo_after_tls", o.no_ehlo_after_tls.size()},
  };
  return j;
}

json TlsJson(const fake::TlsFacts& t) {
  json hello = nullptr;
  if (t.client_hello.has_value()) {
    hello = {{"sni", t.client_hello->sni},
             {"offered_versions", t.client_hello->offered_versions},
             {"offered_suites", t.client_hello->offered_suites}};
  }
  json versions = json::array();
  for (const fake::TlsVersion v : t.server_versions) {
    versions.push_back(S(fake::TlsVersionName(v)));
  }
  json cert = nullptr;
  if (t.certificate.has_value()) {
    json flaws = json::array();
    for (const fake::CertFlaw f : t.certificate->flaws) {
      flaws.push_back(S(fake::CertFlawName(f)));
    }
    cert = {{"profile", EscapeBytes(t.certificate->profile)},
            {"flaws", std::move(flaws)},
            {"names", t.certificate->names},
            {"key_type", EscapeBytes(t.certificate->key_type)},
            {"key_bits", t.certificate->key_bits},
            {"signature", EscapeBytes(t.certificate->signature)},
            {"t_ms", Ms(t.certificate->t_us)}};
  }
  json fault = nullptr;
  if (t.fault.has_value()) {
    fault = {{"kind", S(fake::TlsFaultName(t.fault->kind))},
             {"where", S(fake::FaultPointName(t.fault->where))},
             {"t_ms", Ms(t.fault->t_us)},
             {"detail", EscapeBytes(t.fault->detail)}};
  }
  return json{{"client_hello", std::move(hello)},
              {"outcome", S(fake::HandshakeOutcomeName(t.outcome))},
              {"failure", t.failure},
              {"version", t.version},
              {"cipher", t.cipher},
              {"alerts_received", t.alerts_received},
              {"alerts_sent", t.alerts_sent},
              {"handshake_done_ms", Ms(t.handshake_done_us)},
              {"server_versions", std::move(versions)},
              {"server_ciphers", t.server_ciphers
                                     ? json(S(fake::CipherSetName(
                                           *t.server_ciphers)))
                                     : json(nullptr)},
              {"certificate", std::move(cert)},
              {"fault", std::move(fault)}};
}

json TranscriptJson(const fake::Transcript& t) {
  json conns = json::array();
  for (const fake::ConnectionTranscript& c : t.connections) {
    json events = json::array();
    for (const fake::SmtpEvent& e : c.events) {
      json ej = {{"kind", S(fake::SmtpEventKindName(e.kind))},
                 {"t_ms", Ms(e.t_us)},
                 {"phase", S(fake::PhaseName(e.phase))},
                 {"channel", S(fake::ChannelName(e.channel))},
                 {"verb", EscapeBytes(e.verb)},
                 {"text", EscapeBytes(e.text)}};
      if (e.kind == fake::SmtpEvent::Kind::kReply) {
        ej["reply_code"] = e.reply_code;
      }
      if (e.read_us >= 0) ej["read_ms"] = Ms(e.read_us);
      if (e.kind == fake::SmtpEvent::Kind::kReplyDelayed) {
        ej["delay_ms"] = Ms(e.delay_us);
      }
      if (e.credentials.has_value()) {
        ej["credentials"] = {{"mechanism", EscapeBytes(e.credentials->mechanism)},
                             {"user", EscapeBytes(e.credentials->user)}};
      }
      if (e.kind == fake::SmtpEvent::Kind::kMessage) {
        ej["message_size"] = e.message_size;
        ej["message_subject"] = EscapeBytes(e.message_subject);
      }
      events.push_back(std::move(ej));
    }
    json wire = json::array();
    for (const fake::WireChunk& w : c.wire) {
      wire.push_back(
          {{"t_ms", Ms(w.t_us)},
           {"dir", w.direction == fake::Direction::kClientToServer ? "c2s"
                                                                   : "s2c"},
           {"channel", S(fake::ChannelName(w.channel))},
           {"phase", S(fake::PhaseName(w.phase))},
           {"bytes", EscapeBytes(w.bytes)},
           {"bytes_b64", absl::Base64Escape(absl::string_view(
                             w.bytes.data(), w.bytes.size()))}});
    }
    json records = json::array();
    for (const fake::TlsRecordInPlaintext& r : c.tls_records_in_plaintext) {
      records.push_back(
          {{"t_ms", Ms(r.t_us)}, {"phase", S(fake::PhaseName(r.phase))}});
    }
    conns.push_back({{"index", c.index},
                     {"accepted_ms", Ms(c.accepted_us)},
                     {"closed_ms", Ms(c.closed_us)},
                     {"close", S(fake::CloseKindName(c.close))},
                     {"bytes_after_starttls", EscapeBytes(c.bytes_after_starttls)},
                     {"tls", TlsJson(c.tls)},
                     {"tls_records_in_plaintext", std::move(records)},
                     {"events", std::move(events)},
                     {"wire", std::move(wire)}});
  }
  return json{{"connections", std::move(conns)}};
}

json ResultJson(const ScenarioResult& r) {
  json violations = json::array();
  for (const verdict::Violation& v : r.verdict.violations) {
    violations.push_back({{"rule", v.rule},
                          {"severity", S(scenario::SeverityName(v.severity))},
                          {"sentence", v.sentence},
                          {"fix", v.fix},
                          {"reference", v.reference},
                          {"evidence", EvidenceJson(v.evidence)}});
  }
  json notes = json::array();
  for (const verdict::Note& n : r.verdict.notes) {
    notes.push_back({{"rule", n.rule},
                     {"text", n.text},
                     {"evidence", EvidenceJson(n.evidence)}});
  }
  json client = {
      {"ran", r.client.ran},
      {"exit_code", OptInt(r.client.exit_code)},
      {"signal", OptInt(r.client.signal)},
      {"timed_out", r.client.timed_out},
      {"stopped_us", r.client.stopped_us},
      {"unsupported", r.client.unsupported},
      {"duration_ms", Ms(r.client.duration_us)},
      {"stdout", SanitizeText(r.client_stdout, /*keep_newlines=*/true)},
      {"stderr", SanitizeText(r.client_stderr, /*keep_newlines=*/true)}};
  json baseline = {
      {"expected", r.baseline_expected.has_value()
                       ? json(*r.baseline_expected)
                       : json(nullptr)},
      {"differs", r.differs_from_baseline}};
  return json{{"id", r.scenario_id},
              {"title", r.title},
              {"tags", r.tags},
              {"severity", S(scenario::SeverityName(r.severity))},
              {"shown_severity", S(scenario::SeverityName(ShownSeverity(r)))},
              {"kind", S(scenario::ScenarioKindName(r.kind))},
              {"policy", S(scenario::PolicyName(r.policy))},
              {"expectation", S(scenario::ExpectationName(r.expectation))},
              {"repeat", r.repeat_index},
              {"verdict", S(verdict::VerdictName(r.verdict.verdict))},
              {"summary", r.verdict.summary},
              {"duration_ms", Ms(r.duration_us)},
              {"baseline", std::move(baseline)},
              {"violations", std::move(violations)},
              {"notes", std::move(notes)},
              {"observations", ObservationsJson(r.observations)},
              {"client", std::move(client)},
              {"transcript", TranscriptJson(r.transcript)}};
}

// null without a baseline.
json BaselineJson(const RunReport& report, const Summary& s) {
  if (!report.baseline_applied) return nullptr;
  json not_run = json::array();
  for (const BaselineEntryNotRun& e : report.baseline_not_run) {
    not_run.push_back({{"key", e.key},
                       {"expected", S(verdict::VerdictName(e.expected))},
                       {"excluded_by_filter", e.excluded_by_filter},
                       {"severity", S(scenario::SeverityName(e.severity))}});
  }
  return json{{"source", report.baseline_source},
              {"known", s.known},
              {"new", s.new_failures},
              {"fixed", s.fixed},
              {"not_run", std::move(not_run)}};
}

json ReportJson(const RunReport& report) {
  const Summary s = Summarize(report);
  json results = json::array();
  for (const ScenarioResult& r : report.results) {
    results.push_back(ResultJson(r));
  }
  return json{
      {"schema", S(kReportSchema)},
      {"gauntlet_version", report.gauntlet_version},
      {"client",
       {{"name", report.client_name}, {"command", report.client_command}}},
      {"policy", S(scenario::PolicyName(report.policy))},
      {"started", absl::FormatTime(absl::RFC3339_full, report.started,
                                   absl::UTCTimeZone())},
      {"wall_ms", Ms(report.wall_us)},
      {"harness_cpu_ms", Ms(report.harness_cpu_us)},
      {"jobs", report.jobs},
      {"interrupted", report.interrupted},
      {"planned", report.planned},
      {"notes", report.notes},
      {"fail_on", S(scenario::SeverityName(report.fail_on))},
      {"summary",
       {{"total", s.total},
        {"passed", s.passed},
        {"failed", s.failed},
        {"skipped", s.skipped},
        {"inconclusive", s.inconclusive},
        {"timeout", s.timeouts},
        {"error", s.errors},
        {"differs_from_baseline", s.baseline_diffs},
        {"below_fail_on", s.below_fail_on}}},
      {"baseline", BaselineJson(report, s)},
      {"results", std::move(results)}};
}

absl::Status Bad(std::string_view source, std::string_view what) {
  return absl::InvalidArgumentError(Cat(source, ": ", what));
}

}  // namespace

absl::StatusOr<std::string> FormatJsonReport(const RunReport& report) {
  try {
    std::string text = ReportJson(report).dump(
        2, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
    text += "\n";
    return text;
  } catch (const std::exception& e) {
    return absl::InternalError(
        Cat("cannot build the JSON report: ", e.what()));
  }
}

absl::Status WriteJsonReport(const std::string& path,
                             const RunReport& report) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text, FormatJsonReport(report));
  return WriteFileAtomically(path, text);
}

absl::StatusOr<ReportVerdicts> ParseReportVerdicts(
    std::string_view json_text, std::string_view source_name) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const ParsedJson doc,
      internal::ParseSchemaDocument(json_text, source_name, kReportSchema));
  ReportVerdicts out;
  if (auto c = doc.find("client"); c != doc.end() && c->is_object()) {
    if (auto n = c->find("name"); n != c->end() && n->is_string()) {
      out.client_name = n->get<std::string>();
    }
  }
  if (auto p = doc.find("policy"); p != doc.end() && p->is_string()) {
    std::optional<scenario::Policy> pol =
        scenario::PolicyFromName(p->get_ref<const std::string&>());
    if (!pol.has_value()) return Bad(source_name, "unknown run policy");
    out.policy = *pol;
  } else {
    return Bad(source_name, "missing \"policy\"");
  }
  if (auto i = doc.find("interrupted"); i != doc.end() && i->is_boolean()) {
    out.interrupted = i->get<bool>();
  }
  const auto results = doc.find("results");
  if (results == doc.end() || !results->is_array()) {
    return Bad(source_name, "missing \"results\" array");
  }
  for (std::size_t i = 0; i < results->size(); ++i) {
    const ParsedJson& r = (*results)[i];
    const std::string where = Cat("results[", i, "]");
    if (!r.is_object()) return Bad(source_name, where + " is not an object");
    auto get_string = [&](const char* key) -> const std::string* {
      auto it = r.find(key);
      if (it == r.end() || !it->is_string()) return nullptr;
      return &it->get_ref<const std::string&>();
    };
    const std::string* id = get_string("id");
    const std::string* policy = get_string("policy");
    const std::string* verdict_name = get_string("verdict");
    if (id == nullptr || id->empty()) {
      return Bad(source_name, where + ": missing \"id\"");
    }
    std::optional<scenario::Policy> pol =
        policy == nullptr ? std::nullopt : scenario::PolicyFromName(*policy);
    if (!pol.has_value()) {
      return Bad(source_name, where + ": missing or unknown \"policy\"");
    }
    std::optional<verdict::VerdictKind> v =
        verdict_name == nullptr ? std::nullopt
                                : verdict::VerdictFromName(*verdict_name);
    if (!v.has_value()) {
      return Bad(source_name, where + ": missing or unknown \"verdict\"");
    }
    VerdictKey key{*id, *pol};
    auto [it, inserted] = out.verdicts.emplace(std::move(key), *v);
    if (!inserted &&
        VerdictSeverityRank(*v) > VerdictSeverityRank(it->second)) {
      it->second = *v;
    }
  }
  return out;
}

absl::StatusOr<ReportVerdicts> ReadReportVerdictsFile(const std::string& path) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(path));
  return ParseReportVerdicts(text, path);
}

}  // namespace gauntlet::report
