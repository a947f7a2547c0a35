// The exchange policy as a caller and an attacker would try it: deny by
// default, rules that do not apply (wrong issuer, missing claim, claim
// values that try to inject template syntax or wildcards), requests beyond
// a rule's bounds for Agora, LiveKit and generic JWT, TTL caps, and
// delegation (act carried, never laundered; may_act). The end-to-end cases
// feed the decision to the real profiles, so what the policy resolves is
// what they issue.
#include "core/identity/exchange_policy.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "core/identity/trusted_issuers.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/livekit_profile.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/identity/identity_test_util.h"

namespace tokend::identity {
namespace {

using testing::ParseOrDie;

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

VerifiedIdentity Identity(const std::string& issuer_name,
                          absl::string_view claims_json,
                          absl::Duration valid_for = absl::Minutes(30)) {
  VerifiedIdentity id;
  id.issuer_name = issuer_name;
  id.claims = ParseOrDie(claims_json);
  const json::Value* sub = id.claims.Find("sub");
  id.subject = sub != nullptr && sub->is_string() ? sub->as_string() : "";
  const json::Value* iss = id.claims.Find("iss");
  id.issuer = iss != nullptr && iss->is_string() ? iss->as_string() : "";
  const json::Value* aud = id.claims.Find("aud");
  if (aud != nullptr && aud->is_string()) id.audiences = {aud->as_string()};
  id.expires_at = kNow + valid_for;
  return id;
}

ClaimMatcherSpec Claim(std::string path, MatchOp op,
                       std::vector<json::Value> values) {
  ClaimMatcherSpec spec;
  spec.path = std::move(path);
  spec.match.op = op;
  spec.match.values = std::move(values);
  return spec;
}

// "rtc-teams": corp users of a team may join their team's channels as
// publishers, with the uid their IdP gives them.
ExchangeRuleSpec RtcTeamsRule() {
  ExchangeRuleSpec rule;
  rule.name = "rtc-teams";
  rule.issuers = {"corp"};
  rule.claims = {Claim("claims.team", MatchOp::kGlob, {"*"}),
                 Claim("claims.email_verified", MatchOp::kEquals, {true})};
  rule.tenant = "agora-main";
  rule.subject = "{{claims.email}}";
  AgoraBoundsSpec agora;
  agora.rtc =
      AgoraRtcBoundsSpec{"team-{{claims.team}}-*", "{{claims.agora_uid}}", "",
                         AgoraRole::kPublisher};
  agora.rtm = AgoraRtmBoundsSpec{};
  rule.grants = agora;
  rule.ttl.max = absl::Hours(1);
  return rule;
}

// "rooms": pods of namespace media join the LiveKit room their token names,
// subscribe only.
ExchangeRuleSpec RoomsRule() {
  ExchangeRuleSpec rule;
  rule.name = "rooms";
  rule.issuers = {"cluster"};
  rule.claims = {Claim("k8s.namespace", MatchOp::kEquals, {"media"})};
  rule.tenant = "livekit-main";
  rule.subject = "{{k8s.service_account}}.{{k8s.namespace}}";
  LiveKitBoundsSpec livekit;
  livekit.room = "{{claims.room}}";
  livekit.can_publish = false;
  livekit.can_subscribe = true;
  livekit.name = "{{k8s.pod}}";
  rule.grants = livekit;
  rule.ttl.max = absl::Minutes(10);
  return rule;
}

// "api": corp users get a token for the reports API, optionally acting for
// someone else when a corp service vouches for them.
ExchangeRuleSpec ApiRule() {
  ExchangeRuleSpec rule;
  rule.name = "api";
  rule.issuers = {"corp"};
  rule.tenant = "api";
  JwtBoundsSpec jwt;
  jwt.audiences = {"reports", "billing"};
  jwt.set_claims = {{"team", "{{claims.team}}"}};
  JwtClaimBoundSpec scope;
  scope.name = "scope";
  scope.match.op = MatchOp::kOneOf;
  scope.match.values = {"read", "write"};
  jwt.allowed_claims = {scope};
  rule.grants = jwt;
  rule.delegation.allow_actor = true;
  rule.delegation.actor_issuers = {"services"};
  rule.delegation.actor_claims = {
      Claim("claims.sub", MatchOp::kPrefix, {"svc-"})};
  return rule;
}

PolicyEnvironment Env() {
  PolicyEnvironment env;
  env.issuer_names = {"corp", "cluster", "services"};
  env.tenant_profiles = {
      {"agora-main", "agora"}, {"livekit-main", "livekit"}, {"api", "jwt"}};
  return env;
}

std::shared_ptr<const ExchangePolicy> Compile(
    std::vector<ExchangeRuleSpec> rules) {
  absl::StatusOr<std::shared_ptr<const ExchangePolicy>> policy =
      ExchangePolicy::Compile(std::move(rules), Env());
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

const char kAlice[] =
    R"({"iss":"https://idp.test","sub":"u-1","aud":"tokend","team":"blue",)"
    R"("email":"alice@example.com","email_verified":true,"agora_uid":4711})";

AgoraService Rtc(std::string channel) {
  AgoraService service;
  service.type = kAgoraRtc;
  service.channel = std::move(channel);
  return service;
}

ExchangeRequest Request(const VerifiedIdentity& subject, Grants grants,
                        std::string tenant = "") {
  ExchangeRequest request;
  request.subject = &subject;
  request.grants = std::move(grants);
  request.tenant = std::move(tenant);
  return request;
}

TEST(ExchangePolicyTest, DenyByDefault) {
  auto policy = Compile({});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  const ExchangeDecision decision =
      policy->Decide(Request(alice, AgoraGrants{}), kNow);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.denial, ExchangeDenial::kNoMatchingRule);
  EXPECT_EQ(decision.outcome(), "no_matching_rule");
  EXPECT_EQ(decision.rule, "");
  EXPECT_EQ(decision.condition, "no rule accepts identities from issuer corp");
  const absl::Status status = decision.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetReason(status), Reason::kPermissionDenied);
  EXPECT_EQ(GetField(status), "match.issuers");
}

TEST(ExchangePolicyTest, AgoraTeamChannelWithTheMappedUid) {
  auto policy = Compile({RtcTeamsRule()});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-standup")};
  grants.services[0].privileges = {{1, 7200}, {2, 600}};
  const ExchangeDecision decision =
      policy->Decide(Request(alice, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(decision.rule, "rtc-teams");
  EXPECT_EQ(decision.tenant, "agora-main");
  EXPECT_EQ(decision.subject, "alice@example.com");
  EXPECT_EQ(decision.ttl, absl::Minutes(30));  // the subject token's expiry
  const AgoraService& rtc = std::get<AgoraGrants>(decision.grants).services[0];
  EXPECT_EQ(rtc.uid, 4711);                // filled from the claim
  EXPECT_EQ(rtc.privileges.at(1), 1800u);  // capped at the TTL
  EXPECT_EQ(rtc.privileges.at(2), 600u);
  EXPECT_TRUE(decision.ToStatus().ok());
}

TEST(ExchangePolicyTest, AgoraRequestsBeyondTheRuleAreRefused) {
  ExchangeRuleSpec subscriber = RtcTeamsRule();
  std::get<AgoraBoundsSpec>(subscriber.grants).rtc->max_role =
      AgoraRole::kSubscriber;
  auto policy = Compile({subscriber});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  struct Case {
    const char* why;
    std::function<void(AgoraGrants&)> edit;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"another team's channel",
       [](AgoraGrants& g) { g.services[0].channel = "team-red-standup"; },
       "grants.agora.services[0].channel"},
      {"a channel outside the pattern",
       [](AgoraGrants& g) { g.services[0].channel = "team-blue"; },
       "grants.agora.services[0].channel"},
      {"someone else's uid", [](AgoraGrants& g) { g.services[0].uid = 4712; },
       "grants.agora.services[0].uid"},
      {"any uid (0)", [](AgoraGrants& g) { g.services[0].uid = 0; },
       "grants.agora.services[0].uid"},
      {"an account instead of the uid",
       [](AgoraGrants& g) { g.services[0].account = "alice"; },
       "grants.agora.services[0].account"},
      {"publishing as a subscriber",
       [](AgoraGrants& g) {
         g.services[0].privileges = {{1, 0}, {3, 0}};
       },
       "grants.agora.services[0].privileges[3]"},
      {"an unknown privilege",
       [](AgoraGrants& g) {
         g.services[0].privileges = {{101, 0}};
       },
       "grants.agora.services[0].privileges[101]"},
      {"a Chat service",
       [](AgoraGrants& g) {
         AgoraService chat;
         chat.type = kAgoraChat;
         g.services.push_back(chat);
       },
       "grants.agora.services[1].type"},
      {"legacy 006", [](AgoraGrants& g) { g.legacy_006 = true; },
       "grants.agora.legacy_006"},
      {"no service", [](AgoraGrants& g) { g.services.clear(); },
       "grants.agora.services"},
  };
  for (const Case& c : cases) {
    AgoraGrants grants;
    grants.services = {Rtc("team-blue-standup")};
    c.edit(grants);
    const ExchangeDecision decision =
        policy->Decide(Request(alice, grants), kNow);
    EXPECT_FALSE(decision.allowed) << c.why;
    EXPECT_EQ(decision.denial, ExchangeDenial::kGrantNotAllowed) << c.why;
    EXPECT_EQ(decision.rule, "rtc-teams") << c.why;
    EXPECT_EQ(decision.field, c.field) << c.why << ": " << decision.condition;
  }
  // The same uid given explicitly, in either form, is fine.
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-standup")};
  grants.services[0].account = "4711";
  EXPECT_TRUE(policy->Decide(Request(alice, grants), kNow).allowed);
}

TEST(ExchangePolicyTest, AgoraRtmUserIsTheSubjectUnlessTheRuleSaysOtherwise) {
  auto policy = Compile({RtcTeamsRule()});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  AgoraService rtm;
  rtm.type = kAgoraRtm;
  AgoraGrants grants;
  grants.services = {rtm};
  ExchangeDecision decision = policy->Decide(Request(alice, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(std::get<AgoraGrants>(decision.grants).services[0].user_id,
            "alice@example.com");
  grants.services[0].user_id = "bob@example.com";
  decision = policy->Decide(Request(alice, grants), kNow);
  EXPECT_EQ(decision.field, "grants.agora.services[0].user_id");
  grants.services[0].user_id = "";
  grants.services[0].privileges = {{2, 0}};
  EXPECT_EQ(policy->Decide(Request(alice, grants), kNow).field,
            "grants.agora.services[0].privileges[2]");
}

TEST(ExchangePolicyTest, ClaimValuesCannotInjectWildcardsOrTemplates) {
  auto policy = Compile({RtcTeamsRule()});
  // team "*" would widen "team-{{claims.team}}-*" to every team's channels
  // if it were pasted into the pattern; it is a literal '*'.
  VerifiedIdentity mallory = Identity(
      "corp", R"({"sub":"m","team":"*","email":"{{claims.admin_email}}",)"
              R"("admin_email":"root@example.com","email_verified":true,)"
              R"("agora_uid":666})");
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-standup")};
  ExchangeDecision decision = policy->Decide(Request(mallory, grants), kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kGrantNotAllowed);
  EXPECT_TRUE(absl::StrContains(decision.condition, "team-\\*-*"))
      << decision.condition;
  grants.services = {Rtc("team-*-standup")};
  decision = policy->Decide(Request(mallory, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  // The email claim is substituted as text, never evaluated.
  EXPECT_EQ(decision.subject, "{{claims.admin_email}}");
}

TEST(ExchangePolicyTest, AMissingClaimFailsTheRule) {
  auto policy = Compile({RtcTeamsRule()});
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-standup")};
  struct Case {
    const char* claims;
    const char* field;
    const char* condition;
  };
  const std::vector<Case> cases = {
      {R"({"sub":"u","email":"a@x","email_verified":true,"agora_uid":1})",
       "match.claims[0]", "claims.team is missing"},
      {R"({"sub":"u","team":"blue","email":"a@x","agora_uid":1})",
       "match.claims[1]", "claims.email_verified is missing"},
      {R"({"sub":"u","team":"blue","email_verified":false,"agora_uid":1})",
       "match.claims[1]", "claims.email_verified does not match equals true"},
      {R"({"sub":"u","team":"blue","email_verified":true,"agora_uid":1})",
       "claims.email", "claims.email is missing"},
      {R"({"sub":"u","team":"blue","email":"","email_verified":true})",
       "claims.email", "claims.email is empty"},
      {R"({"sub":"u","team":"blue","email":"a@x","email_verified":true})",
       "claims.agora_uid", "claims.agora_uid is missing"},
      {R"({"sub":"u","team":"blue","email":"a@x","email_verified":true,)"
       R"("agora_uid":"12ab"})",
       "grants.agora.services[0].uid",
       "grants.agora.services[0].uid: the rule's uid does not render a "
       "decimal uid in [1, 4294967295]"},
  };
  for (const Case& c : cases) {
    const VerifiedIdentity id = Identity("corp", c.claims);
    const ExchangeDecision decision = policy->Decide(Request(id, grants), kNow);
    EXPECT_FALSE(decision.allowed) << c.claims;
    EXPECT_EQ(decision.rule, "rtc-teams");
    EXPECT_EQ(decision.field, c.field) << c.claims;
    EXPECT_EQ(decision.condition, c.condition) << c.claims;
  }
}

TEST(ExchangePolicyTest, TenantAndVendorMustBeTheRulesOwn) {
  auto policy = Compile({RtcTeamsRule()});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-x")};
  ExchangeDecision decision =
      policy->Decide(Request(alice, grants, "agora-other"), kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kTargetNotAllowed);
  EXPECT_EQ(decision.outcome(), "target_not_allowed");
  EXPECT_TRUE(
      policy->Decide(Request(alice, grants, "agora-main"), kNow).allowed);
  // Grants of another vendor target another tenant.
  decision = policy->Decide(Request(alice, VonageGrants{}), kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kTargetNotAllowed);
  EXPECT_EQ(decision.field, "grants");
  EXPECT_EQ(decision.condition,
            "the rule issues agora tokens; the request asks for vonage grants");
}

TEST(ExchangePolicyTest, LiveKitRoomFromAClaimAndWithheldRights) {
  auto policy = Compile({RoomsRule()});
  VerifiedIdentity pod = Identity("cluster", R"({"sub":"x","room":"standup"})");
  pod.attributes =
      ParseOrDie(R"({"k8s":{"namespace":"media","service_account":"recorder",)"
                 R"("pod":"recorder-7d9f"}})");
  LiveKitGrants grants;
  grants.video = LiveKitVideoGrant{};
  grants.video->room_join = true;
  grants.video->room = "standup";
  ExchangeDecision decision = policy->Decide(Request(pod, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(decision.subject, "recorder.media");
  EXPECT_EQ(decision.ttl, absl::Minutes(10));
  const LiveKitGrants& out = std::get<LiveKitGrants>(decision.grants);
  // LiveKit reads an unset canPublish as true: the rule withholds it, so it
  // is written false.
  EXPECT_EQ(out.video->can_publish, false);
  EXPECT_EQ(out.video->can_publish_data, false);
  EXPECT_EQ(out.video->can_update_own_metadata, false);
  EXPECT_EQ(out.video->can_subscribe, std::nullopt);  // allowed: as asked
  EXPECT_EQ(out.name, "recorder-7d9f");

  struct Case {
    const char* why;
    std::function<void(LiveKitGrants&)> edit;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"another room", [](LiveKitGrants& g) { g.video->room = "board"; },
       "grants.livekit.video.room"},
      {"publishing", [](LiveKitGrants& g) { g.video->can_publish = true; },
       "grants.livekit.video.can_publish"},
      {"room admin", [](LiveKitGrants& g) { g.video->room_admin = true; },
       "grants.livekit.video.room_admin"},
      {"hidden", [](LiveKitGrants& g) { g.video->hidden = true; },
       "grants.livekit.video.hidden"},
      {"metadata", [](LiveKitGrants& g) { g.metadata = R"({"role":"host"})"; },
       "grants.livekit.metadata"},
      {"attributes", [](LiveKitGrants& g) { g.attributes["role"] = "host"; },
       "grants.livekit.attributes"},
      {"another name", [](LiveKitGrants& g) { g.name = "CEO"; },
       "grants.livekit.name"},
      {"an egress kind", [](LiveKitGrants& g) { g.kind = "egress"; },
       "grants.livekit.kind"},
      {"sources",
       [](LiveKitGrants& g) { g.video->can_publish_sources = {"camera"}; },
       "grants.livekit.video.can_publish_sources"},
  };
  for (const Case& c : cases) {
    LiveKitGrants bad = grants;
    c.edit(bad);
    decision = policy->Decide(Request(pod, bad), kNow);
    EXPECT_EQ(decision.denial, ExchangeDenial::kGrantNotAllowed) << c.why;
    EXPECT_EQ(decision.field, c.field) << c.why << ": " << decision.condition;
  }
  // Another namespace does not match the rule at all.
  VerifiedIdentity other = pod;
  other.attributes = ParseOrDie(R"({"k8s":{"namespace":"default"}})");
  decision = policy->Decide(Request(other, grants), kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kNoMatchingRule);
  EXPECT_EQ(decision.condition,
            "k8s.namespace does not match equals \"media\"");
}

TEST(ExchangePolicyTest, LiveKitPublishSourcesWithinTheRulesList) {
  ExchangeRuleSpec rule = RoomsRule();
  auto& livekit = std::get<LiveKitBoundsSpec>(rule.grants);
  livekit.can_publish = true;
  livekit.can_publish_sources = {"camera", "microphone"};
  auto policy = Compile({rule});
  VerifiedIdentity pod = Identity("cluster", R"({"sub":"x","room":"r"})");
  pod.attributes = ParseOrDie(
      R"({"k8s":{"namespace":"media","service_account":"a","pod":"p"}})");
  LiveKitGrants grants;
  grants.video = LiveKitVideoGrant{};
  grants.video->room_join = true;
  grants.video->room = "r";
  ExchangeDecision decision = policy->Decide(Request(pod, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  // Publishing any source would be wider than the rule: the list is filled.
  EXPECT_EQ(std::get<LiveKitGrants>(decision.grants).video->can_publish_sources,
            (std::vector<std::string>{"camera", "microphone"}));
  grants.video->can_publish_sources = {"screen_share"};
  EXPECT_EQ(policy->Decide(Request(pod, grants), kNow).field,
            "grants.livekit.video.can_publish_sources");
}

TEST(ExchangePolicyTest, JwtAudiencesAndClaimsWithinBounds) {
  auto policy = Compile({ApiRule()});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  JwtGrants grants;
  grants.audiences = {"reports"};
  grants.extra_claims.Set("scope", "read");
  ExchangeDecision decision = policy->Decide(Request(alice, grants), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(decision.subject, "u-1");  // the default template: claims.sub
  EXPECT_EQ(json::Serialize(std::get<JwtGrants>(decision.grants).extra_claims),
            R"({"scope":"read","team":"blue"})");
  EXPECT_FALSE(decision.act.has_value());

  struct Case {
    const char* why;
    std::function<void(JwtGrants&)> edit;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"another audience", [](JwtGrants& g) { g.audiences = {"admin"}; },
       "grants.jwt.audiences[0]"},
      {"another scope",
       [](JwtGrants& g) { g.extra_claims.Set("scope", "admin"); },
       "grants.jwt.extra_claims.scope"},
      {"an allowed and a refused scope",
       [](JwtGrants& g) {
         g.extra_claims.Set("scope", json::Array{"read", "admin"});
       },
       "grants.jwt.extra_claims.scope"},
      {"another team", [](JwtGrants& g) { g.extra_claims.Set("team", "red"); },
       "grants.jwt.extra_claims.team"},
      {"a claim the rule does not name",
       [](JwtGrants& g) { g.extra_claims.Set("role", "admin"); },
       "grants.jwt.extra_claims.role"},
      {"a forged act",
       [](JwtGrants& g) {
         g.extra_claims.Set("act", ParseOrDie(R"({"sub":"svc-x"})"));
       },
       "grants.jwt.extra_claims.act"},
      {"an object value",
       [](JwtGrants& g) {
         g.extra_claims.Set("scope", ParseOrDie(R"({"a":"read"})"));
       },
       "grants.jwt.extra_claims.scope"},
  };
  for (const Case& c : cases) {
    JwtGrants bad = grants;
    c.edit(bad);
    decision = policy->Decide(Request(alice, bad), kNow);
    EXPECT_EQ(decision.denial, ExchangeDenial::kGrantNotAllowed) << c.why;
    EXPECT_EQ(decision.field, c.field) << c.why << ": " << decision.condition;
  }
  // Nothing asked: the rule's fixed claims only.
  decision = policy->Decide(Request(alice, std::monostate{}), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(json::Serialize(std::get<JwtGrants>(decision.grants).extra_claims),
            R"({"team":"blue"})");
}

TEST(ExchangePolicyTest, TtlIsCappedByTheRuleAndTheIncomingToken) {
  ExchangeRuleSpec rule = ApiRule();
  rule.ttl.max = absl::Hours(2);
  rule.ttl.default_ttl = absl::Minutes(15);
  auto policy = Compile({rule});
  const VerifiedIdentity alice =
      Identity("corp", kAlice, /*valid_for=*/absl::Hours(1));
  ExchangeRequest request = Request(alice, JwtGrants{});
  EXPECT_EQ(policy->Decide(request, kNow).ttl, absl::Minutes(15));
  request.ttl = absl::Minutes(40);
  EXPECT_EQ(policy->Decide(request, kNow).ttl, absl::Minutes(40));
  request.ttl = absl::Hours(5);
  EXPECT_EQ(policy->Decide(request, kNow).ttl, absl::Hours(1));  // token exp
  EXPECT_EQ(
      policy
          ->Decide(request, kNow + absl::Minutes(59) + absl::Milliseconds(500))
          .ttl,
      absl::Seconds(59));  // 59.5 s left, in whole seconds
  ExchangeDecision late =
      policy->Decide(request, kNow + absl::Hours(1) - absl::Milliseconds(500));
  EXPECT_EQ(late.denial, ExchangeDenial::kSubjectExpiring);
  // A rule may let the output outlive the incoming token, never its max.
  rule.ttl.cap_to_subject_expiry = false;
  policy = Compile({rule});
  EXPECT_EQ(policy->Decide(request, kNow).ttl, absl::Hours(2));
  request.ttl = -absl::Seconds(1);
  EXPECT_EQ(policy->Decide(request, kNow).denial,
            ExchangeDenial::kInvalidRequest);
}

TEST(ExchangePolicyTest, ADelegatedTokenKeepsItsActOrIsRefused) {
  auto policy = Compile({RtcTeamsRule(), ApiRule()});
  const VerifiedIdentity delegated = Identity(
      "corp", R"({"sub":"u-1","team":"blue","email":"alice@example.com",)"
              R"("email_verified":true,"agora_uid":4711,)"
              R"("act":{"sub":"svc-bot","act":{"sub":"svc-gateway"}}})");
  // Laundering: an Agora token cannot say who acts, so none is issued.
  AgoraGrants agora;
  agora.services = {Rtc("team-blue-x")};
  ExchangeDecision decision = policy->Decide(Request(delegated, agora), kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kDelegationRefused);
  EXPECT_EQ(decision.rule, "rtc-teams");
  EXPECT_EQ(decision.field, "act");
  // A JWT carries the same act.
  decision = policy->Decide(Request(delegated, JwtGrants{}), kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  ASSERT_TRUE(decision.act.has_value());
  EXPECT_EQ(json::Serialize(*decision.act),
            R"({"act":{"sub":"svc-gateway"},"sub":"svc-bot"})");
  EXPECT_EQ(json::Serialize(
                *std::get<JwtGrants>(decision.grants).extra_claims.Find("act")),
            json::Serialize(*decision.act));
  // A malformed act is not carried either.
  const VerifiedIdentity broken =
      Identity("corp", R"({"sub":"u-1","team":"blue","act":"svc-bot"})");
  EXPECT_EQ(policy->Decide(Request(broken, JwtGrants{}), kNow).denial,
            ExchangeDenial::kDelegationRefused);
}

TEST(ExchangePolicyTest, AnActorMustBeAllowedAndNamedByMayAct) {
  auto policy = Compile({ApiRule()});
  const VerifiedIdentity alice = Identity(
      "corp", R"({"sub":"u-1","team":"blue","may_act":{"sub":"svc-bot"}})");
  VerifiedIdentity bot =
      Identity("services", R"({"iss":"https://svc.test","sub":"svc-bot"})",
               absl::Minutes(5));
  ExchangeRequest request = Request(alice, JwtGrants{});
  request.actor = &bot;
  ExchangeDecision decision = policy->Decide(request, kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;
  EXPECT_EQ(json::Serialize(*decision.act),
            R"({"iss":"https://svc.test","sub":"svc-bot"})");
  EXPECT_EQ(decision.ttl, absl::Minutes(5));  // the actor token's expiry

  // may_act names someone else.
  const VerifiedIdentity guarded = Identity(
      "corp", R"({"sub":"u-1","team":"blue","may_act":{"sub":"svc-admin"}})");
  request.subject = &guarded;
  decision = policy->Decide(request, kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kDelegationRefused);
  EXPECT_EQ(decision.field, "may_act");
  // An actor from an issuer the rule does not name, or whose claims do not
  // match, or that is itself delegated.
  request.subject = &alice;
  VerifiedIdentity outsider = bot;
  outsider.issuer_name = "corp";
  request.actor = &outsider;
  EXPECT_EQ(policy->Decide(request, kNow).field, "actor_token");
  VerifiedIdentity user_actor = Identity("services", R"({"sub":"carol"})");
  request.actor = &user_actor;
  EXPECT_EQ(policy->Decide(request, kNow).field, "delegation.actor_claims[0]");
  VerifiedIdentity chained =
      Identity("services", R"({"sub":"svc-bot","act":{"sub":"svc-other"}})");
  request.actor = &chained;
  EXPECT_EQ(policy->Decide(request, kNow).field, "actor_token");
  // A rule without allow_actor refuses any actor.
  ExchangeRuleSpec no_actor = ApiRule();
  no_actor.delegation = DelegationSpec{};
  policy = Compile({no_actor});
  request.actor = &bot;
  decision = policy->Decide(request, kNow);
  EXPECT_EQ(decision.denial, ExchangeDenial::kDelegationRefused);
  EXPECT_EQ(decision.condition,
            "actor_token: the rule does not allow acting for others");
}

TEST(ExchangePolicyTest, TheFirstAllowingRuleWinsAndDenialsNameTheClosest) {
  ExchangeRuleSpec narrow = RtcTeamsRule();
  narrow.name = "narrow";
  std::get<AgoraBoundsSpec>(narrow.grants).rtc->max_role =
      AgoraRole::kSubscriber;
  ExchangeRuleSpec other_issuer = RoomsRule();
  auto policy = Compile({other_issuer, narrow, RtcTeamsRule()});
  const VerifiedIdentity alice = Identity("corp", kAlice);
  AgoraGrants grants;
  grants.services = {Rtc("team-blue-x")};
  grants.services[0].privileges = {{1, 0}, {2, 0}};
  ExchangeDecision decision = policy->Decide(Request(alice, grants), kNow);
  ASSERT_TRUE(decision.allowed);
  EXPECT_EQ(decision.rule, "rtc-teams");
  // Without the wide rule, the denial names the one that got furthest.
  policy = Compile({other_issuer, narrow});
  decision = policy->Decide(Request(alice, grants), kNow);
  EXPECT_EQ(decision.rule, "narrow");
  EXPECT_EQ(decision.denial, ExchangeDenial::kGrantNotAllowed);
  EXPECT_EQ(decision.ToStatus().message(),
            "PERMISSION_DENIED: grant_not_allowed: rule narrow: "
            "grants.agora.services[0].privileges[2]: publishing needs role "
            "publisher; the rule allows subscriber");
}

TEST(ExchangePolicyTest, CompileErrorsNameTheField) {
  struct Case {
    const char* field;
    std::function<void(std::vector<ExchangeRuleSpec>&)> edit;
  };
  const std::vector<Case> cases = {
      {"exchange.rules[0].name", [](auto& r) { r[0].name = "rtc teams"; }},
      {"exchange.rules[1].name", [](auto& r) { r[1].name = "rtc-teams"; }},
      {"exchange.rules[0].match.issuers",
       [](auto& r) { r[0].issuers.clear(); }},
      {"exchange.rules[0].match.issuers[0]",
       [](auto& r) { r[0].issuers = {"nobody"}; }},
      {"exchange.rules[0].match.claims[0].path",
       [](auto& r) { r[0].claims[0].path = "team"; }},
      {"exchange.rules[0].match.claims[0].glob",
       [](auto& r) { r[0].claims[0].match.values = {"{{claims"}; }},
      {"exchange.rules[0].tenant", [](auto& r) { r[0].tenant.clear(); }},
      {"exchange.rules[0].tenant", [](auto& r) { r[0].tenant = "nope"; }},
      {"exchange.rules[0].grants", [](auto& r) { r[0].tenant = "api"; }},
      {"exchange.rules[0].grants",
       [](auto& r) { r[0].grants = std::monostate{}; }},
      {"exchange.rules[0].subject", [](auto& r) { r[0].subject = "{{sub}}"; }},
      {"exchange.rules[0].subject", [](auto& r) { r[0].subject.clear(); }},
      {"exchange.rules[0].grants.agora.rtc.channel",
       [](auto& r) {
         std::get<AgoraBoundsSpec>(r[0].grants).rtc->channel.clear();
       }},
      {"exchange.rules[0].grants.agora.rtc.uid",
       [](auto& r) {
         std::get<AgoraBoundsSpec>(r[0].grants).rtc->account = "{{claims.x}}";
       }},
      {"exchange.rules[0].grants.agora",
       [](auto& r) { r[0].grants = AgoraBoundsSpec{}; }},
      {"exchange.rules[1].grants.livekit.room",
       [](auto& r) { std::get<LiveKitBoundsSpec>(r[1].grants).room.clear(); }},
      {"exchange.rules[1].grants.livekit.can_publish_sources",
       [](auto& r) {
         std::get<LiveKitBoundsSpec>(r[1].grants).can_publish_sources = {
             "camera"};
       }},
      {"exchange.rules[2].grants.jwt.set_claims.sub",
       [](auto& r) {
         std::get<JwtBoundsSpec>(r[2].grants).set_claims = {{"sub", "x"}};
       }},
      {"exchange.rules[2].grants.jwt.allowed_claims.act",
       [](auto& r) {
         std::get<JwtBoundsSpec>(r[2].grants).allowed_claims[0].name = "act";
       }},
      {"exchange.rules[0].ttl.max",
       [](auto& r) { r[0].ttl.max = absl::Hours(48); }},
      {"exchange.rules[0].ttl.default",
       [](auto& r) { r[0].ttl.default_ttl = absl::Hours(2); }},
      {"exchange.rules[0].delegation.allow_actor",
       [](auto& r) {
         r[0].delegation.allow_actor = true;
         r[0].delegation.actor_issuers = {"services"};
       }},
      {"exchange.rules[2].delegation.actor_issuers",
       [](auto& r) { r[2].delegation.actor_issuers.clear(); }},
      {"exchange.rules[2].delegation.actor_issuers[0]",
       [](auto& r) { r[2].delegation.actor_issuers = {"nobody"}; }},
  };
  for (const Case& c : cases) {
    std::vector<ExchangeRuleSpec> rules = {RtcTeamsRule(), RoomsRule(),
                                           ApiRule()};
    c.edit(rules);
    absl::StatusOr<std::shared_ptr<const ExchangePolicy>> policy =
        ExchangePolicy::Compile(rules, Env());
    EXPECT_EQ(GetReason(policy.status()), Reason::kInvalidArgument) << c.field;
    EXPECT_EQ(GetField(policy.status()), c.field) << policy.status();
  }
  auto policy = Compile({RtcTeamsRule(), RoomsRule(), ApiRule()});
  EXPECT_EQ(policy->rule_names(),
            (std::vector<std::string>{"rtc-teams", "rooms", "api"}));
}

// ---- End to end: token in, vendor token out --------------------------------

TEST(ExchangeEndToEndTest, AKubernetesPodGetsAnAgoraTokenForItsChannel) {
  testing::FakeFetcher fetcher;
  FakeClock clock(kNow);
  auto cluster_key = testing::NewKey(Algorithm::kES256, "k8s-1");
  fetcher.SetBody("https://k8s.test/jwks", testing::Jwks({cluster_key}));
  IssuerSpec spec = KubernetesIssuer(
      "cluster", "https://kubernetes.default.svc.cluster.local", {"tokend"});
  spec.keys.location = "https://k8s.test/jwks";
  IssuerDeps deps;
  deps.http = &fetcher;
  deps.clock = &clock;
  auto issuers = *TrustedIssuers::Create({spec}, deps);
  issuers->key_sets()[0]->Fetch();

  ExchangeRuleSpec rule;
  rule.name = "recorders";
  rule.issuers = {"cluster"};
  rule.claims = {Claim("k8s.service_account", MatchOp::kEquals, {"recorder"})};
  rule.tenant = "agora-main";
  rule.subject = "{{k8s.pod}}";
  AgoraBoundsSpec agora;
  agora.rtc = AgoraRtcBoundsSpec{"rec-{{k8s.namespace}}-*", "", "",
                                 AgoraRole::kSubscriber};
  rule.grants = agora;
  auto policy = Compile({rule});

  const std::string token = testing::Sign(
      *cluster_key,
      ParseOrDie(absl::StrCat(
          R"({"aud":["tokend"],"exp":)", absl::ToUnixSeconds(kNow) + 600,
          R"(,"iat":)", absl::ToUnixSeconds(kNow),
          R"(,"iss":"https://kubernetes.default.svc.cluster.local",)"
          R"("kubernetes.io":{"namespace":"media",)"
          R"("pod":{"name":"recorder-0","uid":"p1"},)"
          R"("serviceaccount":{"name":"recorder","uid":"s1"}},)"
          R"("sub":"system:serviceaccount:media:recorder"})")));
  absl::StatusOr<VerifiedIdentity> identity = issuers->Verify(token, kNow);
  ASSERT_TRUE(identity.ok()) << identity.status();
  AgoraGrants grants;
  grants.services = {Rtc("rec-media-42")};
  ExchangeRequest request;
  request.subject = &*identity;
  request.grants = grants;
  const ExchangeDecision decision = policy->Decide(request, kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;

  AgoraProfileConfig config;
  config.app_id = "970CA35de60c44645bbae8a215061b33";
  config.app_certificate = "5CFd2fd1755d40ecb72977518be15d3b";
  auto profile = *NewAgoraProfile(config);
  IssueInput input;
  input.subject = decision.subject;
  input.ttl = decision.ttl;
  input.grants = decision.grants;
  absl::StatusOr<TokenInfo> issued = profile->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_at, kNow + absl::Minutes(10));
  VerifyExpectations expect;
  expect.channel = "rec-media-42";
  expect.account = "recorder-0";
  expect.privileges = {{kAgoraRtc, 1}};
  EXPECT_TRUE(profile->Verify(issued->token, expect, kNow).ok());
  expect.privileges = {{kAgoraRtc, 2}};  // no publishing
  EXPECT_FALSE(profile->Verify(issued->token, expect, kNow).ok());
}

TEST(ExchangeEndToEndTest, ADelegatedJwtCarriesActAndLiveKitGetsTheRoom) {
  auto policy = Compile({ApiRule(), RoomsRule()});
  const VerifiedIdentity alice = Identity(
      "corp", R"({"sub":"u-1","team":"blue","may_act":{"sub":"svc-bot"}})");
  const VerifiedIdentity bot = Identity("services", R"({"sub":"svc-bot"})");
  ExchangeRequest request = Request(alice, JwtGrants{});
  request.actor = &bot;
  const ExchangeDecision decision = policy->Decide(request, kNow);
  ASSERT_TRUE(decision.allowed) << decision.condition;

  JwtProfileConfig config;
  config.issuer = "https://tokend.test";
  config.audiences = {"reports"};
  config.signing_key = testing::NewKey(Algorithm::kES256, "t1");
  config.verification_keys =
      std::make_shared<const KeySet>(*KeySet::Create({config.signing_key}));
  auto jwt = *NewJwtProfile(config);
  IssueInput input;
  input.subject = decision.subject;
  input.ttl = decision.ttl;
  input.grants = decision.grants;
  absl::StatusOr<TokenInfo> issued = jwt->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<TokenInfo> verified =
      jwt->Verify(issued->token, VerifyExpectations{}, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "u-1");
  EXPECT_EQ(json::Serialize(*verified->claims.Find("act")),
            R"({"sub":"svc-bot"})");
  EXPECT_EQ(verified->claims.Find("team")->as_string(), "blue");

  VerifiedIdentity pod = Identity("cluster", R"({"sub":"x","room":"standup"})");
  pod.attributes =
      ParseOrDie(R"({"k8s":{"namespace":"media","service_account":"recorder",)"
                 R"("pod":"recorder-0"}})");
  LiveKitGrants room;
  room.video = LiveKitVideoGrant{};
  room.video->room_join = true;
  room.video->room = "standup";
  const ExchangeDecision lk = policy->Decide(Request(pod, room), kNow);
  ASSERT_TRUE(lk.allowed) << lk.condition;
  LiveKitProfileConfig lk_config;
  lk_config.api_key = "APIkey123";
  lk_config.api_secret = std::string(32, 's');
  auto livekit = *NewLiveKitProfile(lk_config);
  input.subject = lk.subject;
  input.ttl = lk.ttl;
  input.grants = lk.grants;
  issued = livekit->Issue(input, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status();
  verified = livekit->Verify(issued->token, VerifyExpectations{}, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  const LiveKitGrants& out = std::get<LiveKitGrants>(verified->grants);
  EXPECT_EQ(out.video->room, "standup");
  EXPECT_EQ(out.video->can_publish, false);
  EXPECT_EQ(verified->subject, "recorder.media");
}

}  // namespace
}  // namespace tokend::identity
