#include "harness/scenario/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text_escape.h"
#include "harness/scenario/glob.h"
#include "harness/scenario/loader.h"
#include "harness/scenario/scenario.h"

#ifndef GAUNTLET_SCENARIOS_SOURCE_DIR
#define GAUNTLET_SCENARIOS_SOURCE_DIR ""
#endif
#ifndef GAUNTLET_BUILD_DIR
#define GAUNTLET_BUILD_DIR ""
#endif

namespace gauntlet::scenario {
namespace {

namespace fs = std::filesystem;

// Error text for a whole catalogue is bounded: past this many bad files the
// rest are only counted.
constexpr std::size_t kMaxReportedErrors = 50;

bool IsDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && !ec;
}

struct FoundFile {
  std::string path;
  std::string id;
  std::string dir;  // The catalogue directory it was found under.
};

// Lists *.toml files under `dir` with their ids, sorted, or fails.
absl::Status ListScenarioFiles(const std::string& dir,
                               std::vector<FoundFile>* out) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || ec) {
    return absl::NotFoundError(
        absl::StrCat(text::SanitizeText(dir), ": not a directory of scenario files"));
  }
  const fs::path root(dir);
  fs::recursive_directory_iterator it(
      root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return absl::PermissionDeniedError(
        absl::StrCat(text::SanitizeText(dir), ": ", ec.message()));
  for (const fs::recursive_directory_iterator end; it != end;
       it.increment(ec)) {
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat(text::SanitizeText(dir), ": cannot list: ", ec.message()));
    }
    const fs::directory_entry& entry = *it;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec) || type_ec) continue;
    if (entry.path().extension() != ".toml") continue;
    if (out->size() >= kMaxCatalogFiles) {
      return absl::ResourceExhaustedError(absl::StrCat(
          dir, ": more than ", kMaxCatalogFiles, " scenario files"));
    }
    fs::path relative = entry.path().lexically_relative(root);
    relative.replace_extension();
    out->push_back({entry.path().string(), relative.generic_string(), dir});
  }
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat(text::SanitizeText(dir), ": cannot list: ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

Catalog::Catalog(std::vector<Scenario> scenarios)
    : scenarios_(std::move(scenarios)) {
  std::sort(scenarios_.begin(), scenarios_.end(),
            [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
}

const Scenario* Catalog::Find(std::string_view id) const {
  auto it = std::lower_bound(
      scenarios_.begin(), scenarios_.end(), id,
      [](const Scenario& s, std::string_view key) { return s.id < key; });
  if (it == scenarios_.end() || it->id != id) return nullptr;
  return &*it;
}

bool Catalog::Matches(const Scenario& scenario,
                      std::string_view pattern) const {
  if (GlobMatch(pattern, scenario.id)) return true;
  for (const std::string& tag : scenario.tags) {
    if (GlobMatch(pattern, tag)) return true;
  }
  return false;
}

std::vector<const Scenario*> Catalog::Filter(
    const std::vector<std::string>& patterns) const {
  std::vector<std::string_view> include;
  std::vector<std::string_view> exclude;
  for (const std::string& p : patterns) {
    if (!p.empty() && p[0] == '!') {
      exclude.push_back(std::string_view(p).substr(1));
    } else {
      include.push_back(p);
    }
  }
  std::vector<const Scenario*> selected;
  for (const Scenario& s : scenarios_) {
    bool in = include.empty();
    for (std::string_view p : include) in = in || Matches(s, p);
    for (std::string_view p : exclude) in = in && !Matches(s, p);
    if (in) selected.push_back(&s);
  }
  return selected;
}

std::vector<std::string> Catalog::UnmatchedPatterns(
    const std::vector<std::string>& patterns) const {
  std::vector<std::string> unmatched;
  for (const std::string& p : patterns) {
    std::string_view pattern = p;
    if (!pattern.empty() && pattern[0] == '!') pattern.remove_prefix(1);
    const bool any = std::any_of(
        scenarios_.begin(), scenarios_.end(),
        [&](const Scenario& s) { return Matches(s, pattern); });
    if (!any) unmatched.emplace_back(pattern);
  }
  return unmatched;
}

absl::StatusOr<Catalog> LoadCatalog(const std::vector<std::string>& dirs) {
  std::vector<FoundFile> files;
  for (const std::string& dir : dirs) {
    std::vector<FoundFile> found;
    if (absl::Status listed = ListScenarioFiles(dir, &found); !listed.ok()) {
      return listed;
    }
    if (files.size() + found.size() > kMaxCatalogFiles) {
      return absl::ResourceExhaustedError(
          absl::StrCat("more than ", kMaxCatalogFiles, " scenario files in ",
                       text::SanitizeText(absl::StrJoin(dirs, ", "))));
    }
    files.insert(files.end(), found.begin(), found.end());
  }
  // Sorted so errors and duplicates come out in the same order every run.
  std::sort(files.begin(), files.end(),
            [](const FoundFile& a, const FoundFile& b) {
              return a.id != b.id ? a.id < b.id : a.path < b.path;
            });

  std::vector<std::string> errors;
  std::size_t error_count = 0;
  auto report = [&](std::string message) {
    if (++error_count <= kMaxReportedErrors) errors.push_back(std::move(message));
  };
  std::vector<Scenario> scenarios;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].id == files[i - 1].id) {
      report(text::SanitizeText(
          absl::StrCat(files[i].path, ": duplicate scenario id \"",
                       files[i].id, "\" (also defined by ", files[i - 1].path,
                       ")")));
      continue;
    }
    absl::StatusOr<std::vector<Scenario>> loaded =
        LoadScenarios(files[i].path, files[i].id);
    if (!loaded.ok()) {
      report(std::string(loaded.status().message()));
      continue;
    }
    if (scenarios.size() + loaded->size() > kMaxCatalogScenarios) {
      return absl::ResourceExhaustedError(
          absl::StrCat("more than ", kMaxCatalogScenarios,
                       " scenarios (sweeps expanded) in ",
                       text::SanitizeText(absl::StrJoin(dirs, ", "))));
    }
    for (Scenario& s : *loaded) {
      s.catalog_dir = files[i].dir;
      scenarios.push_back(std::move(s));
    }
  }
  // A sweep's expanded ids ("sweep/x/421") can collide with a file's own
  // id ("sweep/x/421.toml").
  std::vector<const Scenario*> by_id;
  for (const Scenario& s : scenarios) by_id.push_back(&s);
  std::stable_sort(
      by_id.begin(), by_id.end(),
      [](const Scenario* a, const Scenario* b) { return a->id < b->id; });
  for (std::size_t i = 1; i < by_id.size(); ++i) {
    if (by_id[i]->id == by_id[i - 1]->id) {
      report(text::SanitizeText(absl::StrCat(
          by_id[i]->source_path, ": duplicate scenario id \"", by_id[i]->id,
          "\" (also defined by ", by_id[i - 1]->source_path, ")")));
    }
  }
  if (error_count > 0) {
    if (error_count > errors.size()) {
      errors.push_back(absl::StrCat("... and ", error_count - errors.size(),
                                    " more errors"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return Catalog(std::move(scenarios));
}

namespace {

// Whether `path` is `dir` or below it (lexically).
bool IsInside(const fs::path& path, const fs::path& dir) {
  const fs::path relative = path.lexically_relative(dir);
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

absl::StatusOr<std::string> BuiltinScenariosDir() {
  if (const char* env = std::getenv("GAUNTLET_SCENARIOS_DIR");
      env != nullptr && env[0] != '\0') {
    if (IsDirectory(env)) return std::string(env);
    return absl::NotFoundError(absl::StrCat(
        "GAUNTLET_SCENARIOS_DIR=", text::SanitizeText(env),
        " is not a directory; point it at the scenario catalog (the "
        "scenarios/ folder of Gauntlet's source or release), or unset it"));
  }
  std::vector<std::string> tried;
  std::error_code ec;
  // The kernel's name for the running binary, symbolic links resolved: an
  // installed (<prefix>/bin/gauntlet) or unpacked copy finds the catalog
  // next to itself wherever it was put.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path()) {
    const fs::path bin = exe.parent_path();
    for (const fs::path& candidate :
         {bin / ".." / "share" / "gauntlet" / "scenarios", bin / "scenarios",
          bin / ".." / "scenarios"}) {
      const fs::path normal = candidate.lexically_normal();
      if (IsDirectory(normal)) return normal.string();
      tried.push_back(normal.string());
    }
  }
  // The source tree's catalog is only for a binary still in the build tree
  // it was compiled in: a copy elsewhere must not silently use a checkout
  // that happens to be on this machine (it may be older or newer).
  const std::string source_dir = GAUNTLET_SCENARIOS_SOURCE_DIR;
  const std::string build_dir = GAUNTLET_BUILD_DIR;
  const bool in_build_tree =
      !ec && !build_dir.empty() &&
      IsInside(exe.lexically_normal(), fs::path(build_dir).lexically_normal());
  if (!source_dir.empty() && (in_build_tree || build_dir.empty())) {
    if (IsDirectory(source_dir)) return source_dir;
    tried.push_back(source_dir);
  }
  std::vector<std::string> shown;
  for (const std::string& t : tried) shown.push_back(text::SanitizeText(t));
  return absl::NotFoundError(absl::StrCat(
      "cannot find the built-in scenario catalog; looked in ",
      absl::StrJoin(shown, ", "),
      ". Set GAUNTLET_SCENARIOS_DIR to the catalog directory (the scenarios/ "
      "folder of Gauntlet's source or release), install it as "
      "<prefix>/share/gauntlet/scenarios next to <prefix>/bin/gauntlet, or "
      "run only your own scenarios with --scenarios DIR"));
}

}  // namespace gauntlet::scenario
