// A few lines of loopback SMTP server for the fuzzing tests: it plays a
// fixed list of raw replies to one client (the first on connect, each next
// one after a command line from the client) and then closes, recording the
// command lines it read. For replies Gauntlet's fake server cannot produce
// by its switches (a 300-byte capability line, a reply with no text, a
// continuation line followed by a close), which is what the planted bugs
// and the coverage map are tested with.

#ifndef GAUNTLET_TESTS_FUZZING_SCRIPT_SERVER_H_
#define GAUNTLET_TESTS_FUZZING_SCRIPT_SERVER_H_

#include <string>
#include <thread>
#include <vector>

namespace gauntlet::fuzzing_test {

class ScriptServer {
 public:
  // Listens on 127.0.0.1, an ephemeral port, and plays `replies` to the
  // first client that connects. Every wait is bounded (10 s).
  explicit ScriptServer(std::vector<std::string> replies);
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  int port() const { return port_; }
  // Waits for the session to end; then the command lines the client sent
  // (without their CRLF), in order.
  const std::vector<std::string>& Commands();

 private:
  void Play();

  std::vector<std::string> replies_;
  std::vector<std::string> commands_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// The planted client `program` pointed at a ScriptServer on `port`; the CA
// file is only read at STARTTLS, which these scripts never reach.
std::vector<std::string> PlantedClientArgs(const std::string& program,
                                           int port);

}  // namespace gauntlet::fuzzing_test

#endif  // GAUNTLET_TESTS_FUZZING_SCRIPT_SERVER_H_
