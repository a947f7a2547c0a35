#include "core/profiles/agora/agora_limits.h"

#include <cstddef>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tokend::agora {
namespace {

bool IsAgoraNameChar(char c) {
  static constexpr absl::string_view kPunctuation =
      " !#$%&()+-:;<=.>?@[]^_{}|~,";
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains(kPunctuation, c);
}

bool IsChatUserChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7E; }

struct NameRule {
  const char* what;  // "a channel name"
  size_t max_bytes;
  bool required;  // may not be empty
  bool (*allowed)(char);
  const char* characters;  // the allowed set, in words
};

constexpr char kAgoraNameChars[] =
    "a-z A-Z 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,";

constexpr NameRule kChannel = {"a channel name", 64, true, IsAgoraNameChar,
                               kAgoraNameChars};
constexpr NameRule kAccount = {"a user account", 255, false, IsAgoraNameChar,
                               kAgoraNameChars};
constexpr NameRule kRtmUser = {"an RTM user id", 64, true, IsAgoraNameChar,
                               kAgoraNameChars};
constexpr NameRule kChatUser = {"a Chat user id", 64, false, IsChatUserChar,
                                "a-z A-Z 0-9 _ - ."};
constexpr NameRule kRoomUuid = {"an APaaS room uuid", 64, false,
                                IsAgoraNameChar, kAgoraNameChars};
constexpr NameRule kUserUuid = {"an APaaS user uuid", 64, false,
                                IsAgoraNameChar, kAgoraNameChars};
constexpr NameRule kRtm2Resource = {"an RTM2 resource name", 64, true,
                                    IsPrintableAscii, "printable ASCII"};

absl::Status Check(absl::string_view value, const NameRule& rule, Reason reason,
                   absl::string_view prefix, absl::string_view field) {
  const std::string path = absl::StrCat(prefix, ".", field);
  if (value.empty()) {
    if (!rule.required) return absl::OkStatus();
    return Error(reason, absl::StrCat("Agora requires ", rule.what), path);
  }
  if (value.size() > rule.max_bytes) {
    return Error(
        reason,
        absl::StrCat("Agora allows at most ", rule.max_bytes, " bytes in ",
                     rule.what, " (this one has ", value.size(), ")"),
        path);
  }
  for (char c : value) {
    if (!rule.allowed(c)) {
      return Error(reason,
                   absl::StrCat("Agora allows only the characters ",
                                rule.characters, " in ", rule.what),
                   path);
    }
  }
  return absl::OkStatus();
}

// The account an RTC/Streaming/FCDN service names (uid in decimal, 0: "").
std::string AccountOf(const AgoraService& s) {
  if (!s.uid.has_value()) return s.account;
  return *s.uid == 0 ? std::string() : absl::StrCat(*s.uid);
}

}  // namespace

absl::Status CheckAgoraLimits(const AgoraService& s, Reason reason,
                              absl::string_view prefix) {
  switch (s.type) {
    case kAgoraRtc:
    case kAgoraStreaming:
    case kAgoraFcdn: {
      const std::string account = AccountOf(s);
      if (s.type == kAgoraRtc && s.channel == kWildcardChannel) {
        if (account.empty()) {
          return Error(reason,
                       "Agora's wildcard channel \"*\" is for one named user, "
                       "not for any uid",
                       absl::StrCat(prefix, ".account"));
        }
      } else if (absl::Status st =
                     Check(s.channel, kChannel, reason, prefix, "channel");
                 !st.ok()) {
        return st;
      }
      return Check(account, kAccount, reason, prefix, "account");
    }
    case kAgoraRtm:
      return Check(s.user_id, kRtmUser, reason, prefix, "user_id");
    case kAgoraRtm2: {
      if (absl::Status st =
              Check(s.user_id, kRtmUser, reason, prefix, "user_id");
          !st.ok()) {
        return st;
      }
      for (const auto& [type, by_permission] : s.rtm2_permissions) {
        for (const auto& [permission, names] : by_permission) {
          for (const std::string& name : names) {
            if (absl::Status st = Check(name, kRtm2Resource, reason, prefix,
                                        "rtm2_permissions");
                !st.ok()) {
              return st;
            }
          }
        }
      }
      return absl::OkStatus();
    }
    case kAgoraChat:
      if (s.user_id.empty() && s.privileges.count(1) != 0) {
        return Error(reason, "a Chat user token (privilege 1) names its user",
                     absl::StrCat(prefix, ".user_id"));
      }
      return Check(s.user_id, kChatUser, reason, prefix, "user_id");
    case kAgoraApaas:
      if (absl::Status st =
              Check(s.room_uuid, kRoomUuid, reason, prefix, "room_uuid");
          !st.ok()) {
        return st;
      }
      return Check(s.user_uuid, kUserUuid, reason, prefix, "user_uuid");
    default:
      return absl::OkStatus();
  }
}

}  // namespace tokend::agora
