#include "fake_servers/server/server.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "fake_servers/server/session.h"
#include "fake_servers/server/tls_context_cache.h"
#include "fake_servers/server/transcript_recorder.h"
#include "tls/thread_cleanup.h"

namespace gauntlet::fake::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

absl::Status ValidateOptions(const ServerOptions& options) {
  if (options.io_threads < 1 || options.io_threads > 16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ServerOptions.io_threads must be 1..16, got ", options.io_threads));
  }
  if (options.behavior.max_connections < 0) {
    return absl::InvalidArgumentError(
        "ServerBehavior.max_connections must not be negative");
  }
  if (options.behavior.idle_timeout.count() <= 0) {
    return absl::InvalidArgumentError(
        "ServerBehavior.idle_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<asio::ip::address> ParseBindAddress(
    const ServerOptions& options) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("ServerOptions.bind_address \"", options.bind_address,
                     "\" is not an IP address: ", ec.message()));
  }
  if (!address.is_loopback() && !options.allow_non_loopback) {
    return absl::PermissionDeniedError(absl::StrCat(
        "refusing to bind non-loopback address ", options.bind_address,
        " without ServerOptions.allow_non_loopback"));
  }
  return address;
}

absl::Status FromBoost(const boost::system::error_code& ec,
                       std::string_view what) {
  return absl::UnavailableError(
      absl::StrCat(std::string(what), ": ", ec.message()));
}

}  // namespace

class FakeSmtpServer::Impl {
 public:
  Impl(ServerOptions options, std::shared_ptr<const pki::TestPki> pki)
      : options_(std::move(options)),
        recorder_(options_.max_transcript_bytes_per_connection,
                  options_.observer),
        contexts_(std::move(pki)),
        acceptor_(io_),
        retry_timer_(io_) {}

  ~Impl() { Stop(); }

  absl::Status Listen(const asio::ip::address& address);
  void Run();
  void Stop();

  std::uint16_t port() const { return port_; }
  TranscriptRecorder& recorder() { return recorder_; }

 private:
  void DoAccept();
  void OnAcceptReady(const boost::system::error_code& ec);
  void RetryAcceptLater();
  void ServeConnection(tcp::socket socket);
  void CloseAtOnce(tcp::socket& socket, int index);

  ServerOptions options_;
  TranscriptRecorder recorder_;
  TlsContextCache contexts_;
  std::mutex sessions_mu_;
  std::vector<std::weak_ptr<Session>> sessions_;
  // Declared after everything sessions use, so that destroying it (which
  // destroys pending handlers and with them the sessions) happens first.
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  bool v6_ = false;
  bool running_ = false;
};

absl::Status FakeSmtpServer::Impl::Listen(const asio::ip::address& address) {
  boost::system::error_code ec;
  tcp::endpoint endpoint(address, options_.port);
  // Asio opens sockets without SOCK_CLOEXEC: open it ourselves, so that no
  // child process (a client under test above all) ever inherits it.
  // Non-blocking: accept4 below must never block an I/O thread.
  const int fd = ::socket(endpoint.protocol().family(),
                          SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                          endpoint.protocol().protocol());
  if (fd < 0) {
    return FromBoost(
        boost::system::error_code(errno, boost::system::system_category()),
        "opening the listening socket");
  }
  acceptor_.assign(endpoint.protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return FromBoost(ec, "opening the listening socket");
  }
  v6_ = address.is_v6();
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return FromBoost(ec, "setting SO_REUSEADDR");
  acceptor_.bind(endpoint, ec);
  if (ec) {
    return FromBoost(
        ec, absl::StrCat("binding ", address.to_string(), ":", options_.port));
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return FromBoost(ec, "listen");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return FromBoost(ec, "reading the bound port");
  return absl::OkStatus();
}

void FakeSmtpServer::Impl::Run() {
  running_ = true;
  DoAccept();
  threads_.reserve(static_cast<std::size_t>(options_.io_threads));
  for (int i = 0; i < options_.io_threads; ++i) {
    threads_.emplace_back([this] {
      io_.run();
      tls::ReleaseThreadTlsState();
    });
  }
}

// Waits for a connection and takes it with accept4(SOCK_CLOEXEC): Asio's own
// accept does not set close-on-exec, and the descriptor must not leak into
// a client started meanwhile.
void FakeSmtpServer::Impl::DoAccept() {
  acceptor_.async_wait(
      tcp::acceptor::wait_read,
      [this](const boost::system::error_code& ec) { OnAcceptReady(ec); });
}

void FakeSmtpServer::Impl::OnAcceptReady(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    RetryAcceptLater();
    return;
  }
  const int fd =
      ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
        errno == ECONNABORTED) {
      DoAccept();
    } else {
      // EMFILE and friends: back off instead of spinning on the error.
      RetryAcceptLater();
    }
    return;
  }
  tcp::socket socket(asio::make_strand(io_));
  boost::system::error_code assign_ec;
  socket.assign(v6_ ? tcp::v6() : tcp::v4(), fd, assign_ec);
  if (assign_ec) {
    ::close(fd);
    DoAccept();
    return;
  }
  ServeConnection(std::move(socket));
  DoAccept();
}

void FakeSmtpServer::Impl::RetryAcceptLater() {
  retry_timer_.expires_after(std::chrono::milliseconds(20));
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) DoAccept();
  });
}

void FakeSmtpServer::Impl::ServeConnection(tcp::socket socket) {
  const int index = recorder_.OpenConnection();
  if (index >= options_.behavior.max_connections) {
    CloseAtOnce(socket, index);
    return;
  }
  SessionEnv env;
  env.tls_contexts = &contexts_;
  env.idle_timeout = options_.behavior.idle_timeout;
  auto session = std::make_shared<Session>(
      std::move(socket),
      options_.behavior.ForConnection(static_cast<std::size_t>(index)), env,
      ConnectionRecorder(recorder_, index));
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    std::erase_if(sessions_,
                  [](const std::weak_ptr<Session>& s) { return s.expired(); });
    sessions_.push_back(session);
  }
  session->Start();
}

void FakeSmtpServer::Impl::CloseAtOnce(tcp::socket& socket, int index) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  recorder_.Close(index, CloseKind::kServerClosed);
}

void FakeSmtpServer::Impl::Stop() {
  if (!running_) return;
  running_ = false;
  io_.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // No thread runs the io_context any more, so sessions can be closed from
  // here without racing their handlers.
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  std::vector<std::weak_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions.swap(sessions_);
  }
  for (const std::weak_ptr<Session>& weak : sessions) {
    if (std::shared_ptr<Session> session = weak.lock()) {
      session->AbortStopped();
    }
  }
}

FakeSmtpServer::FakeSmtpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

FakeSmtpServer::~FakeSmtpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<FakeSmtpServer>> FakeSmtpServer::Start(
    ServerOptions options) {
  GAUNTLET_RETURN_IF_ERROR(ValidateOptions(options));
  GAUNTLET_ASSIGN_OR_RETURN(asio::ip::address address,
                            ParseBindAddress(options));
  std::shared_ptr<const pki::TestPki> pki = options.pki;
  if (pki == nullptr) {
    GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<pki::TestPki> made,
                              pki::TestPki::Create({}));
    pki = std::move(made);
  }
  // Asio already sends with MSG_NOSIGNAL on Linux; this also covers any
  // write path that does not (and is what the project promises).
  ::signal(SIGPIPE, SIG_IGN);
  auto impl = std::make_unique<Impl>(std::move(options), pki);
  GAUNTLET_RETURN_IF_ERROR(impl->Listen(address));
  std::unique_ptr<FakeSmtpServer> server(new FakeSmtpServer(std::move(impl)));
  server->pki_ = std::move(pki);
  server->port_ = server->impl_->port();
  server->address_ = address.to_string();
  server->impl_->Run();
  return server;
}

Transcript FakeSmtpServer::Snapshot() const {
  return impl_->recorder().Snapshot();
}

int64_t FakeSmtpServer::NowUs() const { return impl_->recorder().NowUs(); }

int FakeSmtpServer::connection_count() const {
  return impl_->recorder().connection_count();
}

bool FakeSmtpServer::WaitForConnectionsClosed(std::chrono::milliseconds timeout,
                                              int at_least) const {
  return impl_->recorder().WaitForAllClosed(at_least, timeout);
}

void FakeSmtpServer::Stop() {
  if (impl_ != nullptr) impl_->Stop();
}

}  // namespace gauntlet::fake::server
