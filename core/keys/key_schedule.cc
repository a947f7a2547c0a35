#include "core/keys/key_schedule.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr int64_t kMaxNumericDate = 253402300799;  // 9999-12-31T23:59:59Z

absl::Status ReadDate(const json::Object& jwk, absl::string_view member,
                      absl::string_view prefix, absl::Time* out) {
  const json::Value* value = jwk.Find(member);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_int() || value->as_int() < 1 ||
      value->as_int() > kMaxNumericDate) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat("\"", member,
                              "\" must be an integer NumericDate (seconds "
                              "since the epoch, 1..",
                              kMaxNumericDate, ")"),
                 absl::StrCat(prefix, member));
  }
  *out = absl::FromUnixSeconds(value->as_int());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KeySchedule> ScheduleFromJwk(const json::Object& jwk,
                                            absl::string_view prefix) {
  KeySchedule schedule;
  if (absl::Status s =
          ReadDate(jwk, kActivateAtMember, prefix, &schedule.activate_at);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ReadDate(jwk, kRetireAtMember, prefix, &schedule.retire_at);
      !s.ok()) {
    return s;
  }
  if (schedule.retire_at <= schedule.activate_at) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat("\"", kRetireAtMember, "\" must be after \"",
                              kActivateAtMember, "\""),
                 absl::StrCat(prefix, kRetireAtMember));
  }
  return schedule;
}

void SetScheduleMembers(const KeySchedule& schedule, json::Object* jwk) {
  jwk->Erase(kActivateAtMember);
  jwk->Erase(kRetireAtMember);
  if (schedule.activate_at != absl::InfinitePast()) {
    jwk->Set(std::string(kActivateAtMember),
             json::Value(absl::ToUnixSeconds(schedule.activate_at)));
  }
  if (schedule.retire_at != absl::InfiniteFuture()) {
    jwk->Set(std::string(kRetireAtMember),
             json::Value(absl::ToUnixSeconds(schedule.retire_at)));
  }
}

}  // namespace tokend
