// core/status_macros.h: the early returns pass the callee's status through
// unchanged and evaluate their argument once.
#include "core/status_macros.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

absl::Status Step(bool ok, int* calls) {
  ++*calls;
  return ok ? absl::OkStatus() : absl::NotFoundError("step failed");
}

absl::StatusOr<std::unique_ptr<std::string>> Make(bool ok, int* calls) {
  ++*calls;
  if (!ok) return absl::PermissionDeniedError("make failed");
  return std::make_unique<std::string>("value");
}

absl::Status TwoSteps(bool first, bool second, int* calls, int* reached) {
  TOKEND_RETURN_IF_ERROR(Step(first, calls));
  TOKEND_RETURN_IF_ERROR(Step(second, calls));
  ++*reached;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Assign(bool ok, int* calls) {
  // A move-only value, and two uses in one scope.
  TOKEND_ASSIGN_OR_RETURN(std::unique_ptr<std::string> a, Make(ok, calls));
  std::string b;
  TOKEND_ASSIGN_OR_RETURN(b, absl::StatusOr<std::string>(*a + "!"));
  return b;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstErrorUnchanged) {
  int calls = 0, reached = 0;
  EXPECT_TRUE(TwoSteps(true, true, &calls, &reached).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(reached, 1);

  calls = reached = 0;
  absl::Status s = TwoSteps(false, true, &calls, &reached);
  EXPECT_EQ(s, absl::NotFoundError("step failed"));
  EXPECT_EQ(calls, 1);  // evaluated once, and the second step never ran
  EXPECT_EQ(reached, 0);
}

TEST(StatusMacrosTest, AssignOrReturnMovesTheValueOrReturnsTheStatus) {
  int calls = 0;
  absl::StatusOr<std::string> ok = Assign(true, &calls);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "value!");
  EXPECT_EQ(calls, 1);

  calls = 0;
  absl::StatusOr<std::string> bad = Assign(false, &calls);
  EXPECT_EQ(bad.status(), absl::PermissionDeniedError("make failed"));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tokend
