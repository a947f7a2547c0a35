#include "core/token_facts.h"

#include <cstdint>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tokend {
namespace {

constexpr absl::string_view kFactsUrl = "tokend.dev/token-facts";

// "<seconds>" or "-" for an infinite time.
std::string TimeText(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "-";
  return absl::StrCat(absl::ToUnixSeconds(t));
}

bool ParseTime(absl::string_view text, absl::Time none, absl::Time* out) {
  if (text == "-") {
    *out = none;
    return true;
  }
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(text, &seconds)) return false;
  *out = absl::FromUnixSeconds(seconds);
  return true;
}

}  // namespace

absl::Status WithTokenFacts(absl::Status status, const TokenFacts& facts) {
  if (status.ok()) return status;
  // "<iat> <exp> <token id>": the id goes last, so any byte in it survives.
  status.SetPayload(kFactsUrl,
                    absl::Cord(absl::StrCat(TimeText(facts.issued_at), " ",
                                            TimeText(facts.expires_at), " ",
                                            facts.token_id)));
  return status;
}

std::optional<TokenFacts> GetTokenFacts(const absl::Status& status) {
  const auto payload = status.GetPayload(kFactsUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string text(*payload);
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits(' ', 2));
  TokenFacts facts;
  if (parts.size() != 3 ||
      !ParseTime(parts[0], absl::InfinitePast(), &facts.issued_at) ||
      !ParseTime(parts[1], absl::InfiniteFuture(), &facts.expires_at)) {
    return std::nullopt;
  }
  facts.token_id = std::string(parts[2]);
  return facts;
}

}  // namespace tokend
