#include "tests/fuzzing/script_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace gauntlet::fuzzing_test {
namespace {

constexpr int kWaitMs = 10'000;
constexpr std::size_t kMaxCommandBytes = 64 * 1024;

bool WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, kWaitMs) == 1;
}

}  // namespace

ScriptServer::ScriptServer(std::vector<std::string> replies)
    : replies_(std::move(replies)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 ||
      bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 1) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot listen on 127.0.0.1: " << std::strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Play(); });
}

ScriptServer::~ScriptServer() {
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

const std::vector<std::string>& ScriptServer::Commands() {
  if (thread_.joinable()) thread_.join();
  return commands_;
}

void ScriptServer::Play() {
  if (!WaitReadable(listen_fd_)) return;
  const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  std::string pending;
  for (std::size_t i = 0; i < replies_.size(); ++i) {
    if (i > 0) {
      // One command line from the client before each further reply.
      std::size_t lf;
      while ((lf = pending.find('\n')) == std::string::npos) {
        char buf[4096];
        if (pending.size() > kMaxCommandBytes || !WaitReadable(fd)) break;
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
      }
      if (lf == std::string::npos) break;
      std::string line = pending.substr(0, lf);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      commands_.push_back(std::move(line));
      pending.erase(0, lf + 1);
    }
    const std::string& r = replies_[i];
    if (send(fd, r.data(), r.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(r.size())) {
      break;
    }
  }
  // The session ends with the script: a close the client sees as EOF.
  close(fd);
}

std::vector<std::string> PlantedClientArgs(const std::string& program,
                                           int port) {
  return {program,           "--host",  "localhost",     "--addr",
          "127.0.0.1",       "--port",  std::to_string(port),
          "--ca-file",       "/nonexistent-ca.pem",      "--from",
          "a@client.test",   "--to",    "b@server.test", "--message-file",
          "/dev/null"};
}

}  // namespace gauntlet::fuzzing_test
