// Fuzzes the ClientHello parser and the record scanner with the raw bytes a
// client might send after STARTTLS.
//
// Invariants checked (abort on violation):
//  - the parse of the whole input equals the result of a ClientHelloReader
//    fed the same bytes in two pieces, at several split points;
//  - prefix stability: a prefix parses to kNeedMoreBytes or to exactly the
//    whole input's result;
//  - a verdict is self-consistent (offsets within the input, an error
//    message exactly when there is an error);
//  - RecordScanner reaches the same facts whether fed whole or in pieces.
// The input is copied into an exact-size heap buffer so that ASan reports
// any read beyond it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "tls/client_hello.h"
#include "tls/record_layer.h"

namespace {

using gauntlet::tls::ClientHelloReader;
using gauntlet::tls::ClientHelloResult;
using gauntlet::tls::ClientHelloStatus;
using gauntlet::tls::ParseClientHello;
using gauntlet::tls::RecordScanner;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckSplit(std::string_view in, std::size_t split,
                const ClientHelloResult& whole) {
  ClientHelloReader reader;
  reader.Feed(in.substr(0, split));
  const ClientHelloResult prefix = reader.result();
  reader.Feed(in.substr(split));
  Check(reader.result() == whole);
  Check(prefix.status == ClientHelloStatus::kNeedMoreBytes || prefix == whole);
  Check(ParseClientHello(in.substr(0, split)) == prefix);

  RecordScanner a, b;
  a.Feed(in);
  b.Feed(in.substr(0, split));
  b.Feed(in.substr(split));
  Check(a.bytes_seen() == in.size() && b.bytes_seen() == in.size());
  Check(a.non_tls().has_value() == b.non_tls().has_value());
  if (a.non_tls().has_value()) {
    Check(a.non_tls()->offset == b.non_tls()->offset);
    Check(a.non_tls()->offset < in.size());
  }
  Check(a.plaintext_alerts() == b.plaintext_alerts());
  Check(a.complete_records() == b.complete_records());
  Check(a.mid_record() == b.mid_record());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
  if (size > 0) std::memcpy(copy.get(), data, size);
  const std::string_view in(copy.get(), size);

  const ClientHelloResult whole = ParseClientHello(in);
  switch (whole.status) {
    case ClientHelloStatus::kComplete:
      Check(whole.error.empty());
      Check(whole.hello.wire_length <= size && whole.hello.wire_length > 0);
      Check(whole.hello.record_count >= 1);
      Check(whole.hello.random.size() == 32);
      Check(!whole.hello.cipher_suites.empty());
      // (OfferedVersions() may be empty: supported_versions can hold only
      // GREASE values.)
      Check(whole.hello.OfferedVersions().size() <=
            whole.hello.supported_versions.size() + 1);
      Check(whole.hello.CipherSuiteNames().size() ==
            whole.hello.cipher_suites.size());
      break;
    case ClientHelloStatus::kNeedMoreBytes:
      Check(whole.error.empty());
      break;
    case ClientHelloStatus::kNotTls:
    case ClientHelloStatus::kMalformed:
      Check(!whole.error.empty());
      Check(whole.error_offset <= size);
      break;
  }
  Check(whole.ToStatus().ok() == (whole.status == ClientHelloStatus::kComplete));

  if (size > 0) {
    CheckSplit(in, data[0] % (size + 1), whole);
    CheckSplit(in, size / 2, whole);
    CheckSplit(in, size - 1, whole);
  }
  (void)gauntlet::tls::DescribeNonTlsBytes(in);
  return 0;
}
