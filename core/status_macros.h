// Early returns on absl::Status / absl::StatusOr, written once:
//
//   TOKEND_RETURN_IF_ERROR(WriteFile(path, text));
//   TOKEND_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//   TOKEND_ASSIGN_OR_RETURN(config.key, LoadKey(text));
//
// The returned status is the callee's, unchanged (its reason, field and
// message). Where an error needs the caller's context (a field name, a
// wrapped message), write the `if (!x.ok())` out instead.
//
// Prefixed TOKEND_ so they never collide with a dependency's macros of the
// same name.
#ifndef TOKEND_CORE_STATUS_MACROS_H_
#define TOKEND_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) once; returns it if it is not OK.
#define TOKEND_RETURN_IF_ERROR(expr)                                  \
  do {                                                                \
    if (absl::Status tokend_status_ = (expr); !tokend_status_.ok()) { \
      return tokend_status_;                                          \
    }                                                                 \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; returns its status if it
// is not OK, else moves its value into `lhs` (a declaration or an lvalue).
// A statement, not an expression: one per line.
#define TOKEND_ASSIGN_OR_RETURN(lhs, rexpr) \
  TOKEND_ASSIGN_OR_RETURN_IMPL_(            \
      TOKEND_STATUS_MACROS_CONCAT_(tokend_statusor_, __LINE__), lhs, rexpr)

// `lhs` may be a declaration (`auto x`) and `statusor` is a name this file
// makes: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define TOKEND_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = *std::move(statusor)
// NOLINTEND(bugprone-macro-parentheses)

#define TOKEND_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define TOKEND_STATUS_MACROS_CONCAT_(x, y) \
  TOKEND_STATUS_MACROS_CONCAT_INNER_(x, y)

#endif  // TOKEND_CORE_STATUS_MACROS_H_
