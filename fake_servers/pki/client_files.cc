#include "fake_servers/pki/client_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "common/string_view.h"

namespace gauntlet::pki {
namespace {

absl::Status ErrnoError(std::string_view what, const std::string& path,
                        int err) {
  return absl::InternalError(
      absl::StrCat(ToAbsl(what), " ", path, ": ", std::strerror(err)));
}

// Writes a new file (never follows or reuses an existing one) with exactly
// `mode`, whatever the umask.
absl::Status WriteNewFile(const std::string& path, std::string_view contents,
                          mode_t mode) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
           mode);
  if (fd < 0) return ErrnoError("cannot create", path, errno);
  absl::Status status;
  if (fchmod(fd, mode) != 0) status = ErrnoError("cannot chmod", path, errno);
  std::size_t done = 0;
  while (status.ok() && done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoError("cannot write", path, errno);
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (close(fd) != 0 && status.ok()) {
    status = ErrnoError("cannot close", path, errno);
  }
  return status;
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create directory", path, errno);
  }
  return absl::OkStatus();
}

std::string DefaultParent() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && tmpdir[0] == '/') return tmpdir;
  return "/tmp";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientFiles>> ClientFiles::Write(
    const std::string& ca_pem, std::span<const ServedChain> chains,
    std::string_view parent) {
  std::string tmpl = absl::StrCat(
      parent.empty() ? DefaultParent() : std::string(parent),
      "/gauntlet-pki-XXXXXX");
  // mkdtemp creates the directory with mode 0700.
  if (mkdtemp(tmpl.data()) == nullptr) {
    return ErrnoError("cannot create temporary directory", tmpl, errno);
  }
  // From here on the destructor cleans up, including on early return.
  std::unique_ptr<ClientFiles> files(new ClientFiles(tmpl));
  GAUNTLET_RETURN_IF_ERROR(WriteNewFile(files->CaFile(), ca_pem, 0644));
  for (const ServedChain& chain : chains) {
    GAUNTLET_RETURN_IF_ERROR(MakeDir(
        absl::StrCat(files->dir_, "/", ToAbsl(CertProfileName(chain.profile)))));
    GAUNTLET_RETURN_IF_ERROR(MakeDir(files->ChainDir(chain.profile,
                                                     chain.key_type)));
    GAUNTLET_RETURN_IF_ERROR(WriteNewFile(
        files->LeafFile(chain.profile, chain.key_type), chain.leaf_pem, 0644));
    GAUNTLET_RETURN_IF_ERROR(
        WriteNewFile(files->IntermediatesFile(chain.profile, chain.key_type),
                     absl::StrJoin(chain.intermediates_pem, ""), 0644));
    GAUNTLET_RETURN_IF_ERROR(
        WriteNewFile(files->ChainFile(chain.profile, chain.key_type),
                     chain.chain_pem, 0644));
    GAUNTLET_RETURN_IF_ERROR(WriteNewFile(
        files->KeyFile(chain.profile, chain.key_type), chain.key_pem, 0600));
  }
  return files;
}

ClientFiles::~ClientFiles() {
  std::error_code ignored;  // Nothing useful to do about it in a destructor.
  std::filesystem::remove_all(dir_, ignored);
}

std::string ClientFiles::CaFile() const { return dir_ + "/ca.pem"; }

std::string ClientFiles::ChainDir(CertProfile profile, KeyType key) const {
  return absl::StrCat(dir_, "/", ToAbsl(CertProfileName(profile)), "/",
                      ToAbsl(KeyTypeName(key)));
}

std::string ClientFiles::LeafFile(CertProfile profile, KeyType key) const {
  return ChainDir(profile, key) + "/leaf.pem";
}

std::string ClientFiles::IntermediatesFile(CertProfile profile,
                                           KeyType key) const {
  return ChainDir(profile, key) + "/intermediates.pem";
}

std::string ClientFiles::ChainFile(CertProfile profile, KeyType key) const {
  return ChainDir(profile, key) + "/chain.pem";
}

std::string ClientFiles::KeyFile(CertProfile profile, KeyType key) const {
  return ChainDir(profile, key) + "/key.pem";
}

}  // namespace gauntlet::pki
