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
#include "common/bounded_file.h"
#include "common/status_macros.h"
#include "harness/report/escape.h"
#include "harness/report/file_io.h"
#include "harness/report/json_read.h"
#include "harness/report/text_util.h"
#include "harness/report/transcript_json.h"
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
      {"unsupported", r.client.unsupported},
      {"duration_ms", Ms(r.client.duration_us)},
      {"timeout_ms", Ms(r.client.timeout_us)},
      {"stdout", SanitizeText(r.client_stdout, /*keep_newlines=*/true)},
      {"stderr", SanitizeText(r.client_stderr, /*keep_newlines=*/true)},
      // Exact: the verdict quotes stderr, and `gauntlet judge` re-reads it.
      {"stderr_b64", absl::Base64Escape(absl::string_view(
                         r.client_stderr.data(), r.client_stderr.size()))}};
  json expectations = json::object();
  for (const auto& [policy, expectation] : r.expectations) {
    expectations[S(scenario::PolicyName(policy))] =
        S(scenario::ExpectationName(expectation));
  }
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
              {"expectations", std::move(expectations)},
              {"repeat", r.repeat_index},
              {"verdict", S(verdict::VerdictName(r.verdict.verdict))},
              {"summary", r.verdict.summary},
              {"harness_error", r.harness_error.has_value()
                                    ? json(*r.harness_error)
                                    : json(nullptr)},
              {"profile_skip", r.profile_skip.has_value()
                                   ? json(*r.profile_skip)
                                   : json(nullptr)},
              {"judged_connections", r.judged_connections.has_value()
                                         ? json(*r.judged_connections)
                                         : json(nullptr)},
              {"duration_ms", Ms(r.duration_us)},
              {"baseline", std::move(baseline)},
              {"violations", std::move(violations)},
              {"notes", std::move(notes)},
              {"observations", ObservationsJson(r.observations)},
              {"client", std::move(client)},
              {"transcript", TranscriptToJson(r.transcript)}};
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
      {"controls_failed", report.controls_failed},
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

namespace {

using internal::FieldReader;

constexpr int64_t kMaxCount = int64_t{1} << 30;

absl::StatusOr<verdict::Evidence> EvidenceFromJson(const FieldReader& f) {
  verdict::Evidence e;
  GAUNTLET_ASSIGN_OR_RETURN(const std::optional<int64_t> connection,
                            f.OptionalInt("connection", 0, kMaxCount));
  e.connection = connection.has_value() ? static_cast<int>(*connection) : -1;
  GAUNTLET_ASSIGN_OR_RETURN(e.t_us, f.Micros("t_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(e.excerpt, f.String("excerpt"));
  return e;
}

absl::StatusOr<verdict::ClientRun> ClientFromJson(const FieldReader& f,
                                                  ScenarioResult& r) {
  verdict::ClientRun c;
  GAUNTLET_ASSIGN_OR_RETURN(c.ran, f.Bool("ran"));
  GAUNTLET_ASSIGN_OR_RETURN(const std::optional<int64_t> exit_code,
                            f.OptionalInt("exit_code", -1, 255));
  if (exit_code.has_value()) c.exit_code = static_cast<int>(*exit_code);
  GAUNTLET_ASSIGN_OR_RETURN(const std::optional<int64_t> signal,
                            f.OptionalInt("signal", 0, 255));
  if (signal.has_value()) c.signal = static_cast<int>(*signal);
  GAUNTLET_ASSIGN_OR_RETURN(c.timed_out, f.Bool("timed_out"));
  GAUNTLET_ASSIGN_OR_RETURN(c.unsupported, f.Bool("unsupported"));
  GAUNTLET_ASSIGN_OR_RETURN(c.duration_us, f.Micros("duration_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(c.timeout_us, f.Micros("timeout_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(r.client_stdout, f.String("stdout"));
  GAUNTLET_ASSIGN_OR_RETURN(r.client_stderr, f.Base64("stderr_b64"));
  c.stderr_text = r.client_stderr;
  return c;
}

absl::StatusOr<ScenarioResult> ResultFromJson(const FieldReader& f,
                                              std::string_view source) {
  ScenarioResult r;
  GAUNTLET_ASSIGN_OR_RETURN(r.scenario_id, f.String("id"));
  if (r.scenario_id.empty()) return f.Bad("id", "empty");
  GAUNTLET_ASSIGN_OR_RETURN(r.title, f.String("title"));
  GAUNTLET_ASSIGN_OR_RETURN(r.tags, f.Strings("tags"));
  GAUNTLET_ASSIGN_OR_RETURN(
      r.severity,
      f.Enum("severity", &scenario::SeverityFromName, "severity"));
  GAUNTLET_ASSIGN_OR_RETURN(
      r.kind, f.Enum("kind", &scenario::ScenarioKindFromName, "kind"));
  GAUNTLET_ASSIGN_OR_RETURN(
      r.policy, f.Enum("policy", &scenario::PolicyFromName, "policy"));
  GAUNTLET_ASSIGN_OR_RETURN(
      r.expectation,
      f.Enum("expectation", &scenario::ExpectationFromName, "expectation"));
  GAUNTLET_ASSIGN_OR_RETURN(const FieldReader expectations,
                            f.Object("expectations"));
  for (const scenario::Policy p : scenario::AllPolicies()) {
    const std::string name(scenario::PolicyName(p));
    if (!expectations.Has(name)) continue;
    GAUNTLET_ASSIGN_OR_RETURN(
        const scenario::Expectation e,
        expectations.Enum(name, &scenario::ExpectationFromName,
                          "expectation"));
    r.expectations.emplace_back(p, e);
  }
  GAUNTLET_ASSIGN_OR_RETURN(const int64_t repeat,
                            f.Int("repeat", 0, kMaxCount));
  r.repeat_index = static_cast<int>(repeat);
  GAUNTLET_ASSIGN_OR_RETURN(
      r.verdict.verdict,
      f.Enum("verdict", &verdict::VerdictFromName, "verdict"));
  GAUNTLET_ASSIGN_OR_RETURN(r.verdict.summary, f.String("summary"));
  if (!f.IsNull("harness_error")) {
    GAUNTLET_ASSIGN_OR_RETURN(r.harness_error, f.String("harness_error"));
  }
  if (!f.IsNull("profile_skip")) {
    GAUNTLET_ASSIGN_OR_RETURN(r.profile_skip, f.String("profile_skip"));
  }
  if (!f.IsNull("judged_connections")) {
    GAUNTLET_ASSIGN_OR_RETURN(const int64_t n,
                              f.Int("judged_connections", 0, kMaxCount));
    r.judged_connections = static_cast<int>(n);
  }
  GAUNTLET_ASSIGN_OR_RETURN(r.duration_us, f.Micros("duration_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(const ParsedJson* violations,
                            f.Array("violations"));
  for (std::size_t i = 0; i < violations->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader v,
                              f.Element("violations", (*violations)[i], i));
    verdict::Violation violation;
    GAUNTLET_ASSIGN_OR_RETURN(violation.rule, v.String("rule"));
    GAUNTLET_ASSIGN_OR_RETURN(
        violation.severity,
        v.Enum("severity", &scenario::SeverityFromName, "severity"));
    GAUNTLET_ASSIGN_OR_RETURN(violation.sentence, v.String("sentence"));
    GAUNTLET_ASSIGN_OR_RETURN(violation.fix, v.String("fix"));
    GAUNTLET_ASSIGN_OR_RETURN(violation.reference, v.String("reference"));
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader e, v.Object("evidence"));
    GAUNTLET_ASSIGN_OR_RETURN(violation.evidence, EvidenceFromJson(e));
    r.verdict.violations.push_back(std::move(violation));
  }
  GAUNTLET_ASSIGN_OR_RETURN(const ParsedJson* notes, f.Array("notes"));
  for (std::size_t i = 0; i < notes->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader n,
                              f.Element("notes", (*notes)[i], i));
    verdict::Note note;
    GAUNTLET_ASSIGN_OR_RETURN(note.rule, n.String("rule"));
    GAUNTLET_ASSIGN_OR_RETURN(note.text, n.String("text"));
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader e, n.Object("evidence"));
    GAUNTLET_ASSIGN_OR_RETURN(note.evidence, EvidenceFromJson(e));
    r.verdict.notes.push_back(std::move(note));
  }
  GAUNTLET_ASSIGN_OR_RETURN(const FieldReader client, f.Object("client"));
  GAUNTLET_ASSIGN_OR_RETURN(r.client, ClientFromJson(client, r));
  GAUNTLET_ASSIGN_OR_RETURN(const ParsedJson* transcript,
                            f.Value("transcript"));
  GAUNTLET_ASSIGN_OR_RETURN(
      r.transcript,
      TranscriptFromJson(*transcript, source, f.PointerTo("transcript")));
  return r;
}

}  // namespace

absl::StatusOr<RunReport> ParseRunReport(std::string_view json_text,
                                         std::string_view source_name) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const ParsedJson doc,
      internal::ParseSchemaDocument(json_text, source_name, kReportSchema));
  GAUNTLET_ASSIGN_OR_RETURN(const FieldReader f,
                            FieldReader::Of(doc, source_name, ""));
  RunReport out;
  GAUNTLET_ASSIGN_OR_RETURN(out.gauntlet_version, f.String("gauntlet_version"));
  GAUNTLET_ASSIGN_OR_RETURN(const FieldReader client, f.Object("client"));
  GAUNTLET_ASSIGN_OR_RETURN(out.client_name, client.String("name"));
  GAUNTLET_ASSIGN_OR_RETURN(out.client_command, client.String("command"));
  GAUNTLET_ASSIGN_OR_RETURN(
      out.policy, f.Enum("policy", &scenario::PolicyFromName, "policy"));
  GAUNTLET_ASSIGN_OR_RETURN(const std::string started, f.String("started"));
  std::string time_error;
  if (!absl::ParseTime(absl::RFC3339_full, started, &out.started,
                       &time_error)) {
    return f.Bad("started", Cat("not an RFC 3339 time: ", time_error));
  }
  GAUNTLET_ASSIGN_OR_RETURN(out.wall_us, f.Micros("wall_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(out.harness_cpu_us, f.Micros("harness_cpu_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(const int64_t jobs, f.Int("jobs", 0, kMaxCount));
  out.jobs = static_cast<int>(jobs);
  GAUNTLET_ASSIGN_OR_RETURN(out.interrupted, f.Bool("interrupted"));
  GAUNTLET_ASSIGN_OR_RETURN(out.controls_failed, f.Bool("controls_failed"));
  GAUNTLET_ASSIGN_OR_RETURN(const int64_t planned,
                            f.Int("planned", 0, kMaxCount));
  out.planned = static_cast<int>(planned);
  GAUNTLET_ASSIGN_OR_RETURN(out.notes, f.Strings("notes"));
  GAUNTLET_ASSIGN_OR_RETURN(
      out.fail_on, f.Enum("fail_on", &scenario::SeverityFromName, "severity"));
  GAUNTLET_ASSIGN_OR_RETURN(const ParsedJson* results, f.Array("results"));
  out.results.reserve(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader r,
                              f.Element("results", (*results)[i], i));
    GAUNTLET_ASSIGN_OR_RETURN(ScenarioResult result,
                              ResultFromJson(r, source_name));
    out.results.push_back(std::move(result));
  }
  return out;
}

absl::StatusOr<RunReport> ReadRunReportFile(const std::string& path) {
  GAUNTLET_ASSIGN_OR_RETURN(
      std::string text,
      files::ReadRegularFile(path, kMaxReportFileBytes, "report"));
  return ParseRunReport(text, path);
}

absl::StatusOr<ReportVerdicts> ReadReportVerdictsFile(const std::string& path) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text, files::ReadRegularFile(path, kMaxReportFileBytes, "report"));
  return ParseReportVerdicts(text, path);
}

}  // namespace gauntlet::report
