// Runs a libFuzzer target's entry point over files, without libFuzzer.
//
// Usage: <target>_replay PATH...   (directories are walked recursively)
// Every regular file is passed to LLVMFuzzerTestOneInput once. A crash or a
// failed invariant aborts the process, which fails the ctest case; the file
// being replayed is printed first so the failure names its input.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Matches libFuzzer's default -max_len cap on what a single input may be.
constexpr std::uintmax_t kMaxInputBytes = 1 << 20;

bool ReplayFile(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxInputBytes) {
    std::fprintf(stderr, "replay: skipping %s (%s)\n", path.c_str(),
                 ec ? ec.message().c_str() : "larger than 1 MiB");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s\n", path.c_str());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path root(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_regular_file(root, ec)) {
      replayed += ReplayFile(root) ? 1 : 0;
      continue;
    }
    for (std::filesystem::recursive_directory_iterator it(root, ec), end;
         !ec && it != end; it.increment(ec)) {
      // Dictionaries and notes live beside the seeds; they are not inputs.
      if (it->is_regular_file() && it->path().extension() != ".dict" &&
          it->path().filename() != "README.md") {
        replayed += ReplayFile(it->path()) ? 1 : 0;
      }
    }
    if (ec) {
      std::fprintf(stderr, "replay: cannot walk %s: %s\n", root.c_str(),
                   ec.message().c_str());
      return 2;
    }
  }
  std::printf("replayed %d inputs\n", replayed);
  // An empty corpus means the test checked nothing: fail rather than pass.
  return replayed > 0 ? 0 : 1;
}
