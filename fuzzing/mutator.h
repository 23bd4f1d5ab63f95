// Grammar-aware, deterministic mutations of server scripts (server_script.h).
//
// A mutation is a record -- its kind, the step it applies to, and a 64-bit
// seed of its own -- and applying it is a pure function of the script and
// the record. So a run is replayed from the seed script and its list of
// records, a finding names the mutations that produced it (MutationName),
// and a minimiser can drop one record and replay the rest (ReplayWithout):
// each record's choices come from its own seed, so dropping one changes
// no other's.
//
// The kinds follow SMTP's grammar (RFC 5321 §4.2: "NNN-text" continuation
// lines and a final "NNN text" line; EHLO keywords, §4.1.1.1): reply lines
// split, joined, duplicated, dropped, reordered; extreme line lengths and
// capability counts; codes outside 200-599 and codes that are not three
// digits; wrong continuation markers and replies whose last line never
// comes; bare LF, bare CR, NUL and 8-bit bytes; AUTH mechanism lists, SIZE
// values and unknown keywords; empty reply text; bytes glued after a
// reply; tiny segments and delays; TLS faults at chosen points; and
// AFL-style byte-level havoc on top. Step bytes are split into lines with
// the SMTP core's line reader and put back together byte for byte, so a
// mutation changes only what it claims to.
//
// Every result stays within the caps of server_script.h (kMaxStepBytes per
// step): growth is budgeted, and ClampToLimits is applied after each
// mutation as a backstop.

#ifndef GAUNTLET_FUZZING_MUTATOR_H_
#define GAUNTLET_FUZZING_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzzing/prng.h"
#include "fuzzing/server_script.h"

namespace gauntlet::fuzzing {

enum class MutationKind : std::uint8_t {
  kSplitLine,          // one reply line becomes two
  kJoinLines,          // two adjacent reply lines become one
  kDuplicateLine,      // a reply line appears twice
  kDropLine,           // a reply line disappears
  kReorderLines,       // two reply lines' texts change places
  kLongLine,           // a line's text grows past 512, 1000, 4096, 65535...
  kManyLines,          // hundreds to tens of thousands of capability lines
  kBadCode,            // a code outside 200-599, or not three digits
  kWrongContinuation,  // '-' and ' ' swapped or replaced; no final line
  kBareLf,             // a CRLF becomes LF
  kBareCr,             // a CRLF becomes CR, or a CR inside the text
  kNul,                // a NUL byte inside a line
  kEightBit,           // bytes 0x80-0xFF inside a line
  kAuthMechanisms,     // an AUTH capability with odd mechanism lists
  kSizeValue,          // a SIZE capability with odd values
  kUnknownKeyword,     // unknown, near-miss or repeated capability keywords
  kEmptyText,          // a reply line with no text at all
  kGlueBytes,          // extra bytes glued after the reply
  kTinySegments,       // the step written in segments of 1-8 bytes
  kDelay,              // delays before the step's first segments
  kTlsFault,           // a TLS fault of some kind at some point
  kHavoc,              // byte-level havoc: flips, sets, inserts, deletes
};
inline constexpr std::size_t kMutationKindCount = 22;

// "split-line", "join-lines", ..., "havoc".
std::string_view MutationName(MutationKind kind);
std::optional<MutationKind> MutationFromName(std::string_view name);

struct Mutation {
  MutationKind kind = MutationKind::kHavoc;
  Step step = Step::kGreeting;
  std::uint64_t seed = 0;

  friend bool operator==(const Mutation&, const Mutation&) = default;
};

// Applies `m` to `*script`. Returns whether the script changed: a mutation
// that does not fit its step (joining lines of a one-line reply, say)
// leaves it as it was.
bool ApplyMutation(const Mutation& m, ServerScript* script);

// `base` with `mutations` applied in order.
ServerScript Replay(const ServerScript& base,
                    std::span<const Mutation> mutations);

// Minimisation: the same without the mutation at `index` (which must be
// valid).
ServerScript ReplayWithout(const ServerScript& base,
                           std::span<const Mutation> mutations,
                           std::size_t index);

// Minimisation: removes `count` bytes at `offset` of one step's bytes
// (clipped to the step). Returns whether anything was removed.
bool ShortenStep(ServerScript* script, Step step, std::size_t offset,
                 std::size_t count);

// Draws mutations from its own generator: the same seed gives the same
// sequence of mutations, and so the same scripts, on every run.
class Mutator {
 public:
  // At most this many mutations are stacked on one input.
  static constexpr std::size_t kMaxStack = 6;

  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  // A new mutation record: a kind, a step that suits it, a seed.
  Mutation Draw();
  // Draws 1 to kMaxStack mutations, applies them to a copy of `base`, and
  // appends the records to `*applied` (those that changed nothing are not
  // kept).
  ServerScript Mutate(const ServerScript& base, std::vector<Mutation>* applied);

 private:
  Prng rng_;
};

}  // namespace gauntlet::fuzzing

#endif  // GAUNTLET_FUZZING_MUTATOR_H_
