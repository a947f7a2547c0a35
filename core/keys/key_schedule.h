// A key's signing schedule, carried by the key file itself so that every
// replica, and every restart, computes the same signer from the same files
// and the clock (never from process memory or file mtimes).
//
// In a JWK (a .jwk file, or an entry with a "kid" in a JWK Set) the members
//   "tokend_activate_at": NumericDate (integer seconds since the epoch): the
//                         key may sign from this instant; before it the key
//                         is published (pending) and verifies, but does not
//                         sign.
//   "tokend_retire_at":   NumericDate: the key stops signing at this instant;
//                         it keeps verifying (and stays published) until
//                         every token it could have signed has expired.
// Both are optional; a key with neither keeps the unscheduled behaviour
// (core/keys/key_manager.h). `tokenctl keygen`/`tokenctl rotate` write them.
// These members are private to tokend: the published JWKS never carries
// them.
//
// Pure functions; any thread.
#ifndef TOKEND_CORE_KEYS_KEY_SCHEDULE_H_
#define TOKEND_CORE_KEYS_KEY_SCHEDULE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/json/json.h"

namespace tokend {

inline constexpr absl::string_view kActivateAtMember = "tokend_activate_at";
inline constexpr absl::string_view kRetireAtMember = "tokend_retire_at";

struct KeySchedule {
  absl::Time activate_at = absl::InfinitePast();  // unset: InfinitePast
  absl::Time retire_at = absl::InfiniteFuture();  // unset: InfiniteFuture
  bool scheduled() const {
    return activate_at != absl::InfinitePast() ||
           retire_at != absl::InfiniteFuture();
  }
};

// Reads the schedule members of one JWK. A member that is not an integer
// NumericDate in [1, 253402300799] (year 9999), or a retirement not after
// the activation, fails with kKeyInvalid; the status's field is
// `prefix` + the member name.
absl::StatusOr<KeySchedule> ScheduleFromJwk(const json::Object& jwk,
                                            absl::string_view prefix = "");

// Writes the set members of `schedule` into `jwk` (whole seconds) and
// removes the unset ones.
void SetScheduleMembers(const KeySchedule& schedule, json::Object* jwk);

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_KEY_SCHEDULE_H_
