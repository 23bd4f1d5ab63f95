// Fuzzes gauntlet::smtp::ReplyParser (and EHLO capability extraction) with
// raw wire bytes, as a server would send them.
//
// Parser limits and read boundaries come from a hash of the input, so seeds
// are plain captures. Invariants (abort on violation): the bytes parsed at
// one to four random read boundaries give the same replies and errors as in
// one read (one byte per read is the line reader target's check); a parsed
// reply serialises back to the bytes it came from, or to bytes that parse
// to the same reply (all such replies of an input parsed again back to
// back, in one read); buffered bytes never exceed the reply budget; an
// error's message names the offending line's offset; the capabilities of a
// 250 reply are consistent, extracted into an object reused from the
// previous input.
//
// Built for speed (the README's goal is 100k executions per second under
// ASan+UBSan, bench/fuzz_rate.sh): each input is parsed twice (plus its changed replies once),
// results are compared as digests rather than copies, parsers and buffers
// are reused so that steady-state checking does not allocate, and the
// harness itself is not instrumented.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "smtp/ehlo.h"
#include "smtp/reply.h"

namespace {

using gauntlet::fuzz::BytesEqual;
using gauntlet::fuzz::Cuts;
using gauntlet::fuzz::HashBytes;
using gauntlet::fuzz::HashMix;
using gauntlet::fuzz::InputRandom;
using gauntlet::smtp::EhloCapabilities;
using gauntlet::smtp::Reply;
using gauntlet::smtp::ReplyError;
using gauntlet::smtp::ReplyParser;
using gauntlet::smtp::ReplyParserOptions;
using gauntlet::smtp::ReplyResult;

// Folds in what a reply keeps through serialisation: its code, the text
// of its lines and its enhanced status code.
FUZZ_HARNESS std::uint64_t HashReplyText(std::uint64_t h, const Reply& r) {
  h = HashMix(h, static_cast<std::uint64_t>(r.code));
  h = HashMix(h, r.lines.size());
  for (const std::string& line : r.lines) h = HashBytes(line, h);
  if (!r.enhanced_code.has_value()) return h;
  return HashMix(h, r.enhanced_code->klass * 1000000 +
                        r.enhanced_code->subject * 1000 +
                        r.enhanced_code->detail);
}

// A digest of everything observable about a parse result.
FUZZ_HARNESS std::uint64_t Digest(std::uint64_t h, const ReplyResult& result) {
  if (!result.ok()) {
    const ReplyError& e = result.error();
    h = HashMix(h, 1 + static_cast<std::uint64_t>(e.kind));
    h = HashMix(h, e.line_offset);
    h = HashMix(h, e.reply_offset);
    h = HashMix(h, static_cast<std::uint64_t>(e.line_code) << 32 |
                       static_cast<std::uint32_t>(e.reply_code));
    h = HashMix(h, e.separator);
    return HashMix(h, e.limit);
  }
  const Reply& r = *result;
  h = HashReplyText(h, r);
  h = HashMix(h, (r.has_bare_lf ? 2 : 0) | (r.has_bare_cr ? 4 : 0));
  h = HashMix(h, r.offset);
  return HashMix(h, r.wire_length);
}

// Parsers live across executions (as they would across a connection's
// reads) so that steady-state parsing allocates nothing.
FUZZ_HARNESS ReplyParser& SharedParser(int which) {
  static ReplyParser* parsers[2] = {new ReplyParser, new ReplyParser};
  return *parsers[which];
}

// Capability extraction into one object reused across executions, as a
// client reading many EHLO replies would: each input also checks that
// nothing of the previous input's capabilities survives.
FUZZ_HARNESS void CheckEhlo(const Reply& reply) {
  static EhloCapabilities* const caps = new EhloCapabilities;
  FUZZ_CHECK(caps->Assign(reply).ok());
  FUZZ_CHECK(caps->capabilities().size() < reply.lines.size());
  for (const std::string& mech : caps->auth_mechanisms()) {
    FUZZ_CHECK(caps->SupportsAuth(mech));
  }
  if (caps->starttls()) FUZZ_CHECK(caps->Find("starttls") != nullptr);
  (void)caps->size_limit();
}

// What a reply and its serialisation must share with the reply parsed back
// from that serialisation (whose offset differs and which has no bare LF).
FUZZ_HARNESS std::uint64_t RoundTripDigest(std::uint64_t h, const Reply& r,
                                           std::size_t serialised_size) {
  h = HashReplyText(h, r);
  h = HashMix(h, r.has_bare_cr ? 1 : 0);
  return HashMix(h, serialised_size);
}

// The round trip for all of an input's replies: each is serialised, and
// those whose serialisation is not the very bytes they were parsed from
// (a bare LF made CRLF, a "250 " made "250") are parsed again, back to
// back in one read, and must come back the same. A serialisation equal to
// its input bytes is a round trip already.
class RoundTrip {
 public:
  // One buffer for every execution, so that steady-state checking does
  // not allocate.
  FUZZ_HARNESS RoundTrip() : serialised_(Buffer()) { serialised_.clear(); }

  FUZZ_HARNESS void Add(const Reply& reply, absl::string_view wire) {
    FUZZ_CHECK(!reply.lines.empty());
    FUZZ_CHECK(reply.code >= 200 && reply.code <= 559);
    const std::size_t start = serialised_.size();
    gauntlet::smtp::SerializeReplyTo(reply, &serialised_);
    const absl::string_view mine(serialised_.data() + start,
                                 serialised_.size() - start);
    if (BytesEqual(mine, wire)) {
      serialised_.resize(start);
      return;
    }
    expected_ = RoundTripDigest(expected_, reply, mine.size());
    ++count_;
    if (reply.lines.size() > max_lines_) max_lines_ = reply.lines.size();
  }

  FUZZ_HARNESS void Check(const ReplyParserOptions& options) {
    if (count_ == 0) return;
    // CRLF may replace a bare LF: allow one byte more per line.
    ReplyParserOptions relaxed = options;
    relaxed.max_line_length += 1;
    relaxed.max_reply_bytes += max_lines_;
    ReplyParser& parser = SharedParser(1);
    parser.Reset(relaxed);
    const std::size_t used = parser.Feed(
        serialised_, [this](const ReplyResult& r) { return OnReparsed(r); });
    FUZZ_CHECK(used == serialised_.size() && parser.idle());
    FUZZ_CHECK(reparsed_ == count_ && digest_ == expected_);
  }

 private:
  FUZZ_HARNESS FUZZ_NOINLINE bool OnReparsed(const ReplyResult& r) {
    FUZZ_CHECK(r.ok());
    FUZZ_CHECK(!r->has_bare_lf);
    digest_ = RoundTripDigest(digest_, *r, r->wire_length);
    ++reparsed_;
    return true;
  }

  FUZZ_HARNESS static std::string& Buffer() {
    static std::string* const buffer = new std::string;
    return *buffer;
  }

  std::string& serialised_;
  std::uint64_t expected_ = gauntlet::fuzz::kHashBasis;
  std::uint64_t digest_ = gauntlet::fuzz::kHashBasis;
  std::size_t count_ = 0;
  std::size_t reparsed_ = 0;
  std::size_t max_lines_ = 0;
};

// Renders `error` as the Status callers see: it must name the offending
// line's offset. Rendering allocates, so it runs for one input in eight.
FUZZ_HARNESS void CheckErrorMessage(const ReplyError& error) {
  const absl::Status status = error.ToStatus();
  FUZZ_CHECK(!status.ok() && status.code() == error.status_code());
  const std::string offset = absl::StrCat("byte offset ", error.line_offset);
  FUZZ_CHECK(absl::StrContains(status.message(), offset));
}

// One parse of the input: a digest of every result and, for the reference
// parse, the checks on each of them.
class Observer {
 public:
  // `round_trip` is null for a parse whose results are only compared.
  FUZZ_HARNESS Observer(absl::string_view input,
                        const ReplyParserOptions& options,
                        RoundTrip* round_trip, bool render_error)
      : input_(input),
        options_(options),
        round_trip_(round_trip),
        render_error_(render_error) {}

  // The sink's body, out of line: a lambda's body would be inlined into
  // FunctionRef's trampoline, which is instrumented like the parser.
  FUZZ_HARNESS FUZZ_NOINLINE bool OnResult(const ReplyResult& r) {
    digest_ = Digest(digest_, r);
    ++count_;
    if (round_trip_ == nullptr) return true;
    if (!r.ok()) {
      if (render_error_) CheckErrorMessage(r.error());
      render_error_ = false;
      return true;
    }
    round_trip_->Add(
        *r, absl::string_view(input_.data() + r->offset, r->wire_length));
    // The first 250 reply only: a session has one EHLO reply per
    // connection, and extraction is most of a reply's checking cost.
    if (!ehlo_checked_ && r->code == 250) {
      CheckEhlo(*r);
      ehlo_checked_ = true;
    }
    return true;
  }

  // Feeds the input in reads ending at each cut.
  FUZZ_HARNESS void Parse(const Cuts& cuts) {
    ReplyParser& parser = SharedParser(0);
    parser.Reset(options_);
    std::size_t start = 0;
    const auto feed = [&](std::size_t end) FUZZ_HARNESS {
      // string_view's own substr() is an instrumented call with a bounds
      // check; the harness stays out of the fuzzer's feedback.
      const absl::string_view read(input_.data() + start, end - start);
      const std::size_t used = parser.Feed(
          read, [this](const ReplyResult& r) { return OnResult(r); });
      FUZZ_CHECK(used == read.size());
      FUZZ_CHECK(parser.buffered_bytes() <=
                 options_.max_reply_bytes + options_.max_line_length);
      start = end;
    };
    for (std::size_t i = 0; i < cuts.count; ++i) feed(cuts.at[i]);
    feed(input_.size());
    FUZZ_CHECK(parser.offset() == input_.size());
  }

  std::uint64_t digest() const { return digest_; }
  std::size_t count() const { return count_; }

 private:
  const absl::string_view input_;
  const ReplyParserOptions options_;
  RoundTrip* const round_trip_;
  bool render_error_;
  bool ehlo_checked_ = false;
  std::uint64_t digest_ = gauntlet::fuzz::kHashBasis;
  std::size_t count_ = 0;
};

}  // namespace

extern "C" FUZZ_HARNESS int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                                   std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  InputRandom rng(input);
  ReplyParserOptions options;
  if (rng.OneIn(4)) {
    // Small limits so the fuzzer reaches every limit path quickly.
    options.max_line_length = 1 + rng.Below(64);
    options.max_lines = 1 + rng.Below(8);
    options.max_reply_bytes = rng.Below(256);
  }

  // The reference: everything in one read, every result checked.
  RoundTrip round_trip;
  Observer whole(input, options, &round_trip, /*render_error=*/rng.OneIn(8));
  whole.Parse(Cuts{});
  round_trip.Check(options);

  // The same bytes at other read boundaries. (One byte per read is the
  // line reader target's check; what is left to check here is replies and
  // errors that span reads.)
  Observer split(input, options, /*round_trip=*/nullptr,
                 /*render_error=*/false);
  split.Parse(Cuts::Random(rng, size, 4));
  FUZZ_CHECK(split.count() == whole.count() &&
             split.digest() == whole.digest());
  return 0;
}
