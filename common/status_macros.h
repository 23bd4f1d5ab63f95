// Early-return helpers for absl::Status and absl::StatusOr.
//
// Gauntlet reports every failure as a value: no exception crosses a module
// boundary. These two macros keep the resulting call chains readable:
//
//   GAUNTLET_RETURN_IF_ERROR(server.Start());
//   GAUNTLET_ASSIGN_OR_RETURN(Reply reply, parser.Parse(bytes));
//
// Both evaluate their argument exactly once.

#ifndef GAUNTLET_COMMON_STATUS_MACROS_H_
#define GAUNTLET_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define GAUNTLET_RETURN_IF_ERROR(expr)                         \
  do {                                                         \
    ::absl::Status gauntlet_status_ = (expr);                  \
    if (!gauntlet_status_.ok()) return gauntlet_status_;       \
  } while (0)

#define GAUNTLET_STATUS_CONCAT_INNER_(a, b) a##b
#define GAUNTLET_STATUS_CONCAT_(a, b) GAUNTLET_STATUS_CONCAT_INNER_(a, b)

#define GAUNTLET_ASSIGN_OR_RETURN(lhs, rexpr)                                \
  GAUNTLET_ASSIGN_OR_RETURN_IMPL_(                                           \
      GAUNTLET_STATUS_CONCAT_(gauntlet_statusor_, __LINE__), lhs, rexpr)

#define GAUNTLET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = *std::move(statusor)

#endif  // GAUNTLET_COMMON_STATUS_MACROS_H_
