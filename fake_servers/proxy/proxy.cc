#include "fake_servers/proxy/proxy.h"

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <arpa/inet.h>
// wolfSSL: options.h must come first.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/proxy/socket_io.h"
#include "fake_servers/server/tls_context_cache.h"
#include "fake_servers/server/transcript_recorder.h"
#include "tls/thread_cleanup.h"
#include "tls/tls_context.h"

namespace gauntlet::proxy {
namespace {

// A name TestPki accepts as an extra leaf name: a plain DNS name that is
// not an address literal, localhost, or under gauntlet.test.
bool UsableExtraDnsName(const std::string& name) {
  if (name.empty() || name.size() > 63 || name == "localhost") return false;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, name.c_str(), &v4) == 1 ||
      inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    return false;
  }
  if (absl::EndsWith(name, ".gauntlet.test")) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

class MitmProxy::Impl {
 public:
  Impl(ProxyConfig cfg, EventSink s, SnapshotSink snaps, StopSignal st)
      : config(std::move(cfg)),
        sink(std::move(s)),
        snapshots(std::move(snaps)),
        stop(std::move(st)),
        recorder(config.max_transcript_bytes_per_leg),
        started(absl::Now()),
        started_steady(Clock::now()) {}

  absl::Status Init();
  void AcceptLoop();
  void RunSession(int number, Fd client, int client_index, int upstream_index);
  void Emit(const ProxyEvent& e) {
    if (!sink) return;
    std::lock_guard<std::mutex> lock(sink_mu);
    sink(e);
  }
  void ReapFinishedThreads(bool all);
  void PublishSnapshot();
  ProxySnapshot Snapshot() const;

  ProxyConfig config;
  EventSink sink;
  std::mutex sink_mu;
  SnapshotSink snapshots;
  StopSignal stop;
  Fd listener;
  std::uint16_t port = 0;
  std::optional<tls::TlsContext> upstream_ctx;
  std::optional<tls::TlsContext> forged_ctx;
  std::optional<fake::ServedCertificate> forged_certificate;
  std::unique_ptr<pki::ClientFiles> ca_files;
  std::string ca_file;
  fake::server::TranscriptRecorder recorder;
  const absl::Time started;
  const Clock::time_point started_steady;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::map<int, SessionCapture> captures;
  int sessions_started = 0;
  int sessions_finished = 0;
  int active = 0;
  bool accept_done = false;
  bool stopped = false;
  // Stop() came before max_sessions sessions finished (or without it).
  bool interrupted = false;

  struct SessionThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<SessionThread> threads;  // Touched by the accept thread and Stop.
  std::mutex threads_mu;
  std::thread accept_thread;
  std::mutex snapshot_mu;
};

absl::Status MitmProxy::Impl::Init() {
  if (AttackOpensUpstreamTls(config)) {
    tls::TlsContextConfig c;
    c.role = tls::Role::kClient;
    c.verify_peer = !config.upstream_no_verify;
    c.ca_file = config.upstream_ca_file;
    absl::StatusOr<tls::TlsContext> ctx = tls::TlsContext::Create(c);
    if (!ctx.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "upstream TLS (--upstream-ca '", config.upstream_ca_file,
          "'): ", ctx.status().message()));
    }
    upstream_ctx.emplace(std::move(*ctx));
  }
  if (config.attack == Attack::kIntercept) {
    const std::string name = config.upstream_name.empty()
                                 ? config.upstream.host
                                 : config.upstream_name;
    pki::TestPki::Options opts;
    if (UsableExtraDnsName(name)) opts.extra_dns_names.push_back(name);
    GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<pki::TestPki> pki,
                              pki::TestPki::Create(opts));
    GAUNTLET_ASSIGN_OR_RETURN(
        pki::ServedChain chain,
        pki->Chain(config.trusted_ca ? pki::CertProfile::kValid
                                     : pki::CertProfile::kUnknownRoot,
                   pki::KeyType::kEcdsaP256));
    tls::TlsContextConfig c;
    c.role = tls::Role::kServer;
    c.cert_chain_pem = chain.chain_pem;
    c.private_key_pem = chain.key_pem;
    GAUNTLET_ASSIGN_OR_RETURN(tls::TlsContext ctx, tls::TlsContext::Create(c));
    forged_ctx.emplace(std::move(ctx));
    forged_certificate = fake::server::ServedCertificateOf(chain);
    if (config.trusted_ca) {
      GAUNTLET_ASSIGN_OR_RETURN(ca_files, pki->WriteClientFiles());
      ca_file = ca_files->CaFile();
    }
  }
  GAUNTLET_ASSIGN_OR_RETURN(listener,
                            ListenTcp(config.listen.host, config.listen.port));
  GAUNTLET_ASSIGN_OR_RETURN(port, LocalPort(listener.get()));
  return absl::OkStatus();
}

void MitmProxy::Impl::ReapFinishedThreads(bool all) {
  std::lock_guard<std::mutex> lock(threads_mu);
  for (auto it = threads.begin(); it != threads.end();) {
    if (all || it->done->load()) {
      if (it->thread.joinable()) it->thread.join();
      it = threads.erase(it);
    } else {
      ++it;
    }
  }
}

void MitmProxy::Impl::AcceptLoop() {
  for (;;) {
    ReapFinishedThreads(false);
    const int fds[1] = {listener.get()};
    bool ready[1];
    const WaitResult w = WaitReadable(
        fds, ready, 1, Clock::now() + std::chrono::seconds(60), stop.fd());
    if (w == WaitResult::kStopped) break;
    if (w == WaitResult::kTimeout) continue;
    const int raw = accept4(listener.get(), nullptr, nullptr,
                            SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (raw < 0) continue;  // EAGAIN, ECONNABORTED, EMFILE: try again.
    Fd client(raw);
    int number = 0;
    bool busy = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (active >= config.max_concurrent) {
        busy = true;
      } else {
        number = ++sessions_started;
        ++active;
      }
    }
    if (busy) {
      const std::string reply =
          "421 4.3.2 Too many sessions through this proxy\r\n";
      (void)send(client.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
      ProxyEvent e;
      e.kind = ProxyEvent::Kind::kWarning;
      e.text = absl::StrCat("refused a connection from ",
                            PeerAddress(client.get()), ": ",
                            config.max_concurrent, " sessions already running");
      Emit(e);
      continue;
    }
    const int client_index = recorder.OpenConnection();
    const int upstream_index = recorder.OpenConnection();
    auto done = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard<std::mutex> lock(threads_mu);
      threads.push_back(SessionThread{
          std::thread([this, number, c = std::move(client), client_index,
                       upstream_index, done]() mutable {
            RunSession(number, std::move(c), client_index, upstream_index);
            tls::ReleaseThreadTlsState();
            done->store(true);
          }),
          done});
    }
    if (config.max_sessions > 0 && number >= config.max_sessions) break;
  }
  listener.Reset();
  std::lock_guard<std::mutex> lock(mu);
  accept_done = true;
  cv.notify_all();
}

void MitmProxy::Impl::RunSession(int number, Fd client, int client_index,
                                 int upstream_index) {
  SessionEnv env;
  env.config = &config;
  env.upstream_tls = upstream_ctx.has_value() ? &*upstream_ctx : nullptr;
  env.forged_tls = forged_ctx.has_value() ? &*forged_ctx : nullptr;
  env.forged_certificate =
      forged_certificate.has_value() ? &*forged_certificate : nullptr;
  env.stop_fd = stop.fd();
  env.on_event = [this](const ProxyEvent& e) { Emit(e); };
  ProxySession session(number, std::move(client), env,
                       fake::server::ConnectionRecorder(recorder, client_index),
                       fake::server::ConnectionRecorder(recorder, upstream_index));
  SessionCapture capture = session.Run();
  {
    std::lock_guard<std::mutex> lock(mu);
    captures[number] = std::move(capture);
  }
  PublishSnapshot();
  {
    std::lock_guard<std::mutex> lock(mu);
    ++sessions_finished;
    --active;
  }
  cv.notify_all();
}

void MitmProxy::Impl::PublishSnapshot() {
  if (!snapshots) return;
  std::lock_guard<std::mutex> lock(snapshot_mu);
  const absl::Status s = snapshots(Snapshot());
  if (!s.ok()) {
    ProxyEvent e;
    e.kind = ProxyEvent::Kind::kWarning;
    e.text = std::string(s.message());
    Emit(e);
  }
}

ProxySnapshot MitmProxy::Impl::Snapshot() const {
  ProxySnapshot snap;
  snap.started = started;
  snap.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - started_steady);
  snap.transcript = recorder.Snapshot();
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [number, capture] : captures) {
    snap.captures.push_back(capture);
  }
  snap.interrupted = interrupted;
  snap.planned = config.max_sessions;
  return snap;
}

absl::StatusOr<std::unique_ptr<MitmProxy>> MitmProxy::Start(
    ProxyConfig config, EventSink sink, SnapshotSink snapshots) {
  GAUNTLET_RETURN_IF_ERROR(ValidateProxyConfig(config));
  GAUNTLET_ASSIGN_OR_RETURN(StopSignal stop, StopSignal::Create());
  auto impl = std::make_unique<Impl>(std::move(config), std::move(sink),
                                     std::move(snapshots), std::move(stop));
  GAUNTLET_RETURN_IF_ERROR(impl->Init());
  Impl* raw = impl.get();
  impl->accept_thread = std::thread([raw] { raw->AcceptLoop(); });
  return std::unique_ptr<MitmProxy>(new MitmProxy(std::move(impl)));
}

MitmProxy::MitmProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MitmProxy::~MitmProxy() { Stop(); }

std::uint16_t MitmProxy::port() const { return impl_->port; }
const std::string& MitmProxy::address() const {
  return impl_->config.listen.host;
}
const ProxyConfig& MitmProxy::config() const { return impl_->config; }
const std::string& MitmProxy::forged_ca_file() const { return impl_->ca_file; }

bool MitmProxy::WaitDone(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] {
    return impl_->accept_done && impl_->active == 0 &&
           (impl_->stopped || (impl_->config.max_sessions > 0 &&
                               impl_->sessions_finished >=
                                   impl_->config.max_sessions));
  });
}

bool MitmProxy::WaitForSessions(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout,
                            [&] { return impl_->sessions_finished >= n; });
}

void MitmProxy::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped && !impl_->accept_thread.joinable()) return;
    impl_->stopped = true;
    impl_->interrupted =
        !(impl_->config.max_sessions > 0 &&
          impl_->sessions_finished >= impl_->config.max_sessions);
  }
  impl_->stop.Trigger();
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->ReapFinishedThreads(true);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->accept_done = true;
  }
  impl_->cv.notify_all();
  impl_->PublishSnapshot();
}

std::vector<SessionCapture> MitmProxy::Captures() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<SessionCapture> out;
  for (const auto& [n, c] : impl_->captures) out.push_back(c);
  return out;
}

fake::Transcript MitmProxy::Transcript() const {
  return impl_->recorder.Snapshot();
}

ProxySnapshot MitmProxy::Snapshot() const { return impl_->Snapshot(); }

}  // namespace gauntlet::proxy
