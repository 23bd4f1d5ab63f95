// Parses the ClientHello a client sends after STARTTLS, without wolfSSL.
//
// The fake servers peek at the ClientHello before the TLS engine sees it:
// the transcript reports the SNI host, the offered versions and the cipher
// suites, and some scenarios decide what to do from them. The bytes come
// from the client under test, so this is a hostile-input parser: every
// length is checked against what remains, sizes are capped, and the result
// distinguishes "need more bytes" (a prefix of a well-formed ClientHello)
// from "this is not TLS" (the client sent "EHLO ..." in plaintext, or an
// SSLv2 hello) and from "TLS, but malformed". Failures name the offset in
// the input.
//
// A ClientHello may be fragmented across several handshake records; the
// parser reassembles it. Parsing is prefix-stable: if a prefix of some
// input yields a verdict other than kNeedMoreBytes, the whole input yields
// the same verdict.

#ifndef GAUNTLET_TLS_CLIENT_HELLO_H_
#define GAUNTLET_TLS_CLIENT_HELLO_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace gauntlet::tls {

// Cap on the ClientHello handshake message body. Real ones are well under
// 4 KiB, even with post-quantum key shares.
inline constexpr std::size_t kMaxClientHelloBytes = 1 << 16;

struct ClientHello {
  std::uint16_t record_version = 0;  // From the first record header.
  std::uint16_t legacy_version = 0;  // ClientHello.legacy_version.
  std::string random;                // 32 bytes.
  std::string session_id;            // 0..32 bytes.
  std::vector<std::uint16_t> cipher_suites;  // In offered order, GREASE kept.
  std::vector<std::uint8_t> compression_methods;
  bool has_extensions_block = false;
  std::vector<std::uint16_t> extensions;  // Types in order.
  // server_name extension, host_name entry, bytes as sent (not validated).
  std::optional<std::string> server_name;
  std::vector<std::uint16_t> supported_versions;  // Empty if absent.
  std::vector<std::string> alpn;                  // Empty if absent.
  std::vector<std::uint16_t> signature_algorithms;
  std::vector<std::uint16_t> supported_groups;
  // Number of records carrying the ClientHello, and how many input bytes
  // they span from the start (the next record starts there).
  std::size_t record_count = 0;
  std::size_t wire_length = 0;

  // The versions the client is willing to speak, highest first as sent:
  // supported_versions without GREASE if present, else legacy_version.
  std::vector<std::uint16_t> OfferedVersions() const;
  bool OffersVersion(std::uint16_t version) const;
  std::vector<std::string> CipherSuiteNames() const;
  std::vector<std::string> OfferedVersionNames() const;

  bool operator==(const ClientHello&) const = default;
};

enum class ClientHelloStatus {
  kComplete,       // `hello` holds the parsed ClientHello.
  kNeedMoreBytes,  // The input is a proper prefix of a possible ClientHello.
  kNotTls,         // The first bytes are not a TLS record at all.
  kMalformed,      // TLS records, but not a well-formed ClientHello.
};

struct ClientHelloResult {
  ClientHelloStatus status = ClientHelloStatus::kNeedMoreBytes;
  ClientHello hello;             // Meaningful when status == kComplete.
  std::size_t error_offset = 0;  // kNotTls / kMalformed: input offset.
  // kNotTls / kMalformed: what and where. Built only from bytes up to the
  // offending one, so it is the same however the input was split; for a
  // preview of what the client sent instead (e.g. "EHLO ..."), call
  // DescribeNonTlsBytes (record_layer.h) on the raw bytes at error_offset.
  std::string error;

  // OK for kComplete; Unavailable for kNeedMoreBytes; InvalidArgument with
  // `error` otherwise.
  absl::Status ToStatus() const;
  bool operator==(const ClientHelloResult&) const = default;
};

// Parses the ClientHello at the start of `bytes` (the raw bytes the client
// sent after STARTTLS). Never reads outside `bytes`.
ClientHelloResult ParseClientHello(std::string_view bytes);

// Feeds a ClientHello arriving in chunks, in O(total bytes): records are
// reassembled as they arrive and the message is parsed once complete. Keeps
// at most one record plus the reassembled message; ignores bytes after a
// verdict other than kNeedMoreBytes. Chunk boundaries never change the
// verdict (ParseClientHello is one Feed of the whole input).
class ClientHelloReader {
 public:
  const ClientHelloResult& Feed(std::string_view chunk);
  const ClientHelloResult& result() const { return result_; }
  bool done() const {
    return result_.status != ClientHelloStatus::kNeedMoreBytes;
  }

 private:
  void Fail(ClientHelloStatus status, std::size_t offset, std::string what);
  void OnRecordComplete();
  std::size_t RawOffset(std::size_t hs_offset) const;

  std::size_t offset_ = 0;  // Input bytes consumed so far.
  std::uint8_t header_[5] = {};
  std::size_t header_fill_ = 0;
  std::size_t header_offset_ = 0;
  std::size_t remaining_ = 0;  // Payload bytes left in the current record.
  std::string handshake_;      // Reassembled handshake-layer bytes.
  // Where each record's payload starts: (offset in handshake_, input offset).
  std::vector<std::pair<std::size_t, std::size_t>> fragments_;
  std::size_t records_ = 0;
  std::uint16_t first_record_version_ = 0;
  ClientHelloResult result_;
};

std::string_view ClientHelloStatusName(ClientHelloStatus status);

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_CLIENT_HELLO_H_
