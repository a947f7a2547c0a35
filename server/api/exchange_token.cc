#include "server/api/exchange_token.h"

#include "absl/status/status.h"

namespace tokend {

absl::StatusOr<ExchangeResult> DoExchange(const CallContext& call,
                                          const ExchangeInput& input) {
  (void)call;
  (void)input;
  return absl::UnimplementedError("identity exchange is not built yet");
}

}  // namespace tokend
