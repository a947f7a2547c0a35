// Exhaustive single-mutation sweep: for one valid token per algorithm family,
// every bit flip of every decoded segment (re-encoded), every bit flip of the
// encoded text, and every truncation of every segment must be rejected.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"

namespace tokend {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

struct Family {
  Algorithm alg;
  const char* name;
};

class MutationSweep : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const Key>> key =
        GenerateKey(GetParam().alg, "k1");
    ASSERT_TRUE(key.ok()) << key.status();
    absl::StatusOr<KeySet> keys = KeySet::Create({*key});
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    JwtSpec spec;
    spec.issuer = "iss";
    spec.subject = "sub";
    spec.audiences = {"aud"};
    spec.ttl = absl::Minutes(5);
    absl::StatusOr<IssuedJwt> issued = IssueJwt(**key, spec, kNow);
    ASSERT_TRUE(issued.ok()) << issued.status();
    token_ = issued->token;
    policy_.issuer = "iss";
    policy_.audiences = {"aud"};
    ASSERT_TRUE(Verify(token_).ok());
    const size_t dot1 = token_.find('.');
    const size_t dot2 = token_.find('.', dot1 + 1);
    segments_ = {token_.substr(0, dot1),
                 token_.substr(dot1 + 1, dot2 - dot1 - 1),
                 token_.substr(dot2 + 1)};
  }

  std::string Join(const std::vector<std::string>& segments) const {
    return absl::StrCat(segments[0], ".", segments[1], ".", segments[2]);
  }

  // Cold, and twice through a cached TokenService (cached_verify.h).
  absl::Status Verify(const std::string& token) const {
    return testing::VerifyColdAndWarm(token, keys_, policy_, kNow);
  }

  KeySet keys_;
  ValidationPolicy policy_;
  std::string token_;
  std::vector<std::string> segments_;  // header, payload, signature
};

bool IsSignatureFailure(Reason reason) {
  return reason == Reason::kBadSignature || reason == Reason::kBadBase64;
}

TEST_P(MutationSweep, EveryDecodedBitFlipIsRejected) {
  size_t mutants = 0;
  for (int segment = 0; segment < 3; ++segment) {
    absl::StatusOr<std::string> decoded = Base64UrlDecode(segments_[segment]);
    ASSERT_TRUE(decoded.ok());
    for (size_t byte = 0; byte < decoded->size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = *decoded;
        flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
        std::vector<std::string> segments = segments_;
        segments[segment] = Base64UrlEncode(flipped);
        absl::Status status = Verify(Join(segments));
        ++mutants;
        ASSERT_FALSE(status.ok())
            << "segment " << segment << " byte " << byte << " bit " << bit;
        if (segment == 2) {
          ASSERT_EQ(GetReason(status), Reason::kBadSignature)
              << "byte " << byte << " bit " << bit << ": " << status;
        }
      }
    }
  }
  EXPECT_GT(mutants, 8 * 64u);
}

TEST_P(MutationSweep, EveryEncodedBitFlipIsRejected) {
  const size_t signature_start = token_.rfind('.') + 1;
  for (size_t i = 0; i < token_.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string mutant = token_;
      mutant[i] = static_cast<char>(mutant[i] ^ (1 << bit));
      absl::Status status = Verify(mutant);
      ASSERT_FALSE(status.ok()) << "char " << i << " bit " << bit;
      if (i >= signature_start) {
        const Reason reason = GetReason(status);
        // Flipping a signature character into '.' adds a fourth part.
        if (mutant[i] == '.') {
          ASSERT_EQ(reason, Reason::kMalformed);
        } else {
          ASSERT_TRUE(IsSignatureFailure(reason))
              << "char " << i << " bit " << bit << ": " << status;
        }
      }
    }
  }
}

TEST_P(MutationSweep, EveryTruncationIsRejected) {
  for (int segment = 0; segment < 3; ++segment) {
    for (size_t len = 0; len < segments_[segment].size(); ++len) {
      std::vector<std::string> segments = segments_;
      segments[segment].resize(len);
      absl::Status status = Verify(Join(segments));
      ASSERT_FALSE(status.ok()) << "segment " << segment << " len " << len;
      if (segment == 2) {
        const Reason reason = GetReason(status);
        if (len == 0) {
          ASSERT_EQ(reason, Reason::kMalformed);
        } else {
          ASSERT_TRUE(IsSignatureFailure(reason)) << len << ": " << status;
        }
      }
    }
  }
  // Truncating the whole token at every length.
  for (size_t len = 0; len < token_.size(); ++len) {
    ASSERT_FALSE(Verify(token_.substr(0, len)).ok()) << len;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, MutationSweep,
                         ::testing::Values(Family{Algorithm::kHS256, "HS256"},
                                           Family{Algorithm::kRS256, "RS256"},
                                           Family{Algorithm::kPS256, "PS256"},
                                           Family{Algorithm::kES256, "ES256"},
                                           Family{Algorithm::kEdDSA, "EdDSA"}),
                         [](const ::testing::TestParamInfo<Family>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tokend
