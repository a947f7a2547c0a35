// End-to-end tests of the tokenctl binary (TOKENCTL_BINARY) against the real
// tokend (TokendBinary()) on a temp unix socket: exit codes, what goes to
// stdout and stderr, and that tokens are not echoed where they must not be.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct CtlResult {
  int code = -1;
  std::string out;
  std::string err;
};

class TokenctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                    "ec_paramgen_curve:P-256 -out " +
                    dir_->File("demo.pem") + " 2>/dev/null"),
              0);
    dir_->Write("tokend.yaml", absl::StrCat(R"(
listeners:
  unix_socket: )",
                                            dir_->File("tokend.sock"), R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    audience: [svc]
    algorithm: ES256
    kid: demo-1
    credentials:
      private_key: file:demo.pem
    ttl: {default: 10m, max: 1h}
callers:
  - name: me
    uid: )",
                                            getuid(), R"(
    issue: ["*"]
    revoke: ["*"]
    verify: ["*"]
)"));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Addr())) << process_->Log();
  }
  static void TearDownTestSuite() {
    delete process_;
    delete dir_;
  }

  static std::string Addr() { return "unix:" + dir_->File("tokend.sock"); }

  // Runs tokenctl with `args` (shell words) against the test server, with
  // `stdin_text` on its stdin.
  static CtlResult Ctl(const std::string& args,
                       const std::string& stdin_text = "",
                       const std::string& addr = Addr()) {
    dir_->Write("stdin.txt", stdin_text);
    CtlResult run;
    run.code = Shell(absl::StrCat(TOKENCTL_BINARY, " --addr='", addr, "' ",
                                  args, " < ", dir_->File("stdin.txt"), " > ",
                                  dir_->File("stdout.txt"), " 2> ",
                                  dir_->File("stderr.txt")));
    run.out = ReadFile(dir_->File("stdout.txt"));
    run.err = ReadFile(dir_->File("stderr.txt"));
    return run;
  }

  // Issues a token for `sub` and returns it (without the newline).
  static std::string IssueFor(const std::string& sub) {
    CtlResult issued = Ctl("issue --tenant=demo --sub=" + sub);
    EXPECT_EQ(issued.code, 0) << issued.err;
    return std::string(absl::StripTrailingAsciiWhitespace(issued.out));
  }

  static TempDir* dir_;
  static TokendProcess* process_;
};

TempDir* TokenctlTest::dir_ = nullptr;
TokendProcess* TokenctlTest::process_ = nullptr;

TEST_F(TokenctlTest, IssueVerifyRevokeThenVerifyRefused) {
  CtlResult issued = Ctl("issue --tenant=demo --sub=alice --ttl=5m");
  ASSERT_EQ(issued.code, 0) << issued.err;
  const std::string token(absl::StripTrailingAsciiWhitespace(issued.out));
  // The token alone on stdout: one line, three JWS segments.
  EXPECT_EQ(issued.out, token + "\n");
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(token, '.')).size(), 3u);
  EXPECT_THAT(issued.err, StartsWith("token id "));
  EXPECT_THAT(issued.err, Not(HasSubstr(token)));

  CtlResult verified = Ctl("verify --tenant=demo", token + "\n");
  ASSERT_EQ(verified.code, 0) << verified.err;
  EXPECT_THAT(verified.out, StartsWith("valid token_id="));
  EXPECT_THAT(verified.out, HasSubstr(" subject=alice "));
  EXPECT_THAT(verified.out + verified.err, Not(HasSubstr(token)));
  const size_t id_at = verified.out.find("token_id=") + 9;
  const std::string token_id =
      verified.out.substr(id_at, verified.out.find(' ', id_at) - id_at);
  ASSERT_FALSE(token_id.empty());
  EXPECT_THAT(issued.err, HasSubstr(token_id));

  CtlResult revoked = Ctl("revoke --tenant=demo --token_id=" + token_id);
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_THAT(revoked.out, StartsWith("revoked at "));

  CtlResult refused = Ctl("verify --tenant=demo --token=" + token);
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_THAT(refused.out, StartsWith("invalid reason=REVOKED "));
  EXPECT_THAT(refused.out + refused.err, Not(HasSubstr(token)));
}

TEST_F(TokenctlTest, RevokeBySubjectRefusesItsTokens) {
  const std::string token = IssueFor("bob");
  CtlResult revoked = Ctl("revoke --tenant=demo --subject=bob");
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  CtlResult refused = Ctl("verify --tenant=demo", token);
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.out, StartsWith("invalid reason=REVOKED "));
}

TEST_F(TokenctlTest, BadTokenExitsTwo) {
  CtlResult run = Ctl("verify --tenant=demo --token=not-a-token");
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_THAT(run.out, StartsWith("invalid reason=MALFORMED "));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST_F(TokenctlTest, UnknownTenantExitsThreeWithTheReason) {
  CtlResult run = Ctl("issue --tenant=nope --sub=alice");
  EXPECT_EQ(run.code, 3);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr("tokenctl: issue: INVALID_ARGUMENT "
                                 "reason=INVALID_ARGUMENT field=tenant: "));
  EXPECT_THAT(run.err, HasSubstr("unknown tenant 'nope'"));
  // The error names the tenants this caller could have meant.
  EXPECT_THAT(run.err, HasSubstr("unknown tenant 'nope'; configured tenants "
                                 "you may issue for: demo"));
  EXPECT_THAT(Ctl("verify --tenant=nope --token=x.y.z").err,
              HasSubstr("configured tenants you may verify for: demo"));
  EXPECT_THAT(Ctl("revoke --tenant=nope --token_id=x").err,
              HasSubstr("configured tenants you may revoke for: demo"));
  EXPECT_THAT(Ctl("jwks --tenant=nope").err,
              HasSubstr("unknown tenant 'nope'; tenants with published keys: "
                        "demo"));
}

// This tokend has no `issuers`: ExchangeToken answers FAILED_PRECONDITION
// over the real socket, and neither the subject token nor the actor token
// is echoed anywhere. The allowed exchange is tested in process
// (tests/server/api/exchange_token_test.cc) until the config parser for
// `issuers` lands.
TEST_F(TokenctlTest, ExchangeWithoutIssuersIsAFailedPrecondition) {
  const std::string subject = IssueFor("alice");  // a real, signed JWT
  dir_->Write("subject.jwt", subject + "\n");
  dir_->Write("actor.jwt", "actor.secret.token\n");
  CtlResult run = Ctl(
      absl::StrCat("exchange --subject_token_file=", dir_->File("subject.jwt"),
                   " --actor_token_file=", dir_->File("actor.jwt"),
                   " --tenant=demo --aud=svc --ttl=5m"));
  EXPECT_EQ(run.code, 3) << run.err;
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr("tokenctl: exchange: FAILED_PRECONDITION "
                                 "reason=PERMISSION_DENIED"));
  EXPECT_THAT(run.err, HasSubstr("identity exchange is not configured"));
  EXPECT_THAT(run.err, Not(HasSubstr(subject)));
  EXPECT_THAT(run.err, Not(HasSubstr("actor.secret.token")));
  // The audit line names the outcome, never the tokens.
  const std::string log = process_->Log();
  EXPECT_THAT(log, HasSubstr(R"("outcome":"not_configured")"));
  EXPECT_THAT(log, Not(HasSubstr(subject)));
  EXPECT_THAT(log, Not(HasSubstr("actor.secret.token")));

  // The subject token from stdin works the same.
  run = Ctl("exchange --subject_token_file=-", subject + "\n");
  EXPECT_EQ(run.code, 3) << run.err;
  EXPECT_THAT(run.err, HasSubstr("FAILED_PRECONDITION"));

  // Usage errors exit 1 before any call, naming what is wrong.
  run = Ctl("exchange --tenant=demo");
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("--subject_token_file is required"));
  run = Ctl("exchange --subject_token_file=" + dir_->File("missing.jwt"));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot read"));
  dir_->Write("empty.jwt", "\n");
  run = Ctl("exchange --subject_token_file=" + dir_->File("empty.jwt"));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("holds no token"));
}

TEST_F(TokenctlTest, HealthExitCodes) {
  CtlResult serving = Ctl("health");
  EXPECT_EQ(serving.code, 0) << serving.err;
  EXPECT_EQ(serving.out, "SERVING\n");

  CtlResult down =
      Ctl("health --timeout=2s", "", "unix:" + dir_->File("no-such.sock"));
  EXPECT_EQ(down.code, 3);
  EXPECT_THAT(down.err, StartsWith("tokenctl: health: UNAVAILABLE"));
}

TEST_F(TokenctlTest, ClaimsAndJsonOutput) {
  CtlResult issued =
      Ctl("issue --tenant=demo --sub=carol --aud=svc --claim=role=admin "
          "--claim level=3 --json");
  ASSERT_EQ(issued.code, 0) << issued.err;
  EXPECT_THAT(issued.out, StartsWith("{"));
  const size_t at = issued.out.find("\"token\":\"");
  ASSERT_NE(at, std::string::npos) << issued.out;
  const size_t start = at + 9;
  const std::string token =
      issued.out.substr(start, issued.out.find('"', start) - start);

  CtlResult verified = Ctl("verify --tenant=demo --json", token);
  ASSERT_EQ(verified.code, 0) << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("\"valid\":true"));
  EXPECT_THAT(verified.out, HasSubstr("\"role\":\"admin\""));
  EXPECT_THAT(verified.out, HasSubstr("\"level\":3"));
  EXPECT_THAT(verified.out, Not(HasSubstr(token)));
}

TEST_F(TokenctlTest, RenewPrintsANewToken) {
  const std::string token = IssueFor("dave");
  CtlResult renewed = Ctl("renew --tenant=demo", token);
  ASSERT_EQ(renewed.code, 0) << renewed.err;
  const std::string fresh(absl::StripTrailingAsciiWhitespace(renewed.out));
  EXPECT_NE(fresh, token);
  EXPECT_EQ(Ctl("verify --tenant=demo", fresh).code, 0);
}

TEST_F(TokenctlTest, SubscribePrintsEventsWithoutTheToken) {
  CtlResult run = Ctl("subscribe --tenant=demo --sub=erin --count=1");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("sequence=1 reason=INITIAL token_id="));
  EXPECT_THAT(run.out, HasSubstr(" expires="));
  EXPECT_THAT(run.out, Not(HasSubstr("token=ey")));

  CtlResult shown =
      Ctl("subscribe --tenant=demo --sub=erin --count=1 --show_token");
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr(" token=ey"));
}

TEST_F(TokenctlTest, JwksPrintsThePublicKeys) {
  CtlResult run = Ctl("jwks --tenant=demo");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"kid\":\"demo-1\""));
  EXPECT_THAT(run.out, Not(HasSubstr("\"d\":")));
}

TEST_F(TokenctlTest, UsageErrorsExitOne) {
  EXPECT_EQ(Ctl("revoke --tenant=demo").code, 1);
  EXPECT_EQ(Ctl("revoke --tenant=demo --subject=x --tenant-wide").code, 1);
  EXPECT_EQ(Ctl("issue --tenant=demo --claim=novalue").code, 1);
  EXPECT_EQ(Ctl("verify --tenant=demo", "").code, 1);
  EXPECT_EQ(Ctl("frobnicate").code, 1);
}

TEST_F(TokenctlTest, TenantWideDashSpellingIsAccepted) {
  const std::string token = IssueFor("frank");
  CtlResult revoked = Ctl("revoke --tenant=demo --tenant-wide");
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_EQ(Ctl("verify --tenant=demo", token).code, 2);
}

TEST_F(TokenctlTest, LocalDemoStillWorks) {
  CtlResult run = Ctl("demo");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("  valid: jti="));
  EXPECT_THAT(run.out, HasSubstr("  invalid: reason="));
}

TEST_F(TokenctlTest, HelpForEveryCommandExitsZero) {
  for (const std::string command :
       {"issue", "exchange", "verify", "renew", "revoke", "subscribe", "jwks",
        "health", "decode", "keygen", "rotate", "demo", "completion"}) {
    for (const std::string& args :
         {command + " --help", command + " -h", "help " + command}) {
      CtlResult run = Ctl(args);
      EXPECT_EQ(run.code, 0) << args << ": " << run.err;
      EXPECT_THAT(run.out, StartsWith("tokenctl " + command + ": ")) << args;
    }
  }
  CtlResult issue = Ctl("issue --help");
  EXPECT_THAT(issue.out, HasSubstr("\n  --tenant\n"));
  EXPECT_THAT(issue.out, HasSubstr("\n  --grants\n"));
  EXPECT_THAT(issue.out, Not(HasSubstr("--show_token")));
  for (const std::string& args : {"--help", "-h", "help"}) {
    CtlResult general = Ctl(args);
    EXPECT_EQ(general.code, 0) << args;
    EXPECT_THAT(general.out, HasSubstr("\n  decode "));
  }
}

TEST_F(TokenctlTest, MistypedCommandsAndFlagsSuggestTheClosest) {
  CtlResult command = Ctl("isue --tenant=demo");
  EXPECT_EQ(command.code, 1);
  EXPECT_THAT(command.err,
              HasSubstr("unknown command 'isue'; did you mean 'issue'?"));
  CtlResult flag = Ctl("issue --tenat=demo --sub=alice");
  EXPECT_EQ(flag.code, 1);
  EXPECT_THAT(flag.err,
              HasSubstr("unknown flag '--tenat'; did you mean --tenant?"));
  EXPECT_THAT(flag.out, IsEmpty());
  CtlResult far = Ctl("issue --zzzzzzzz=1");
  EXPECT_EQ(far.code, 1);
  EXPECT_THAT(far.err, Not(HasSubstr("did you mean")));
  EXPECT_THAT(Ctl("help isue").err, HasSubstr("did you mean 'issue'?"));
  // A flag's value given as the next argument is not taken for a command.
  CtlResult spaced = Ctl("issue --tenant demo --sub alice");
  EXPECT_EQ(spaced.code, 0) << spaced.err;
}

TEST_F(TokenctlTest, KeygenListsTheValidAlgorithms) {
  CtlResult run = Ctl("keygen --alg=ES257");
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err,
              HasSubstr("unknown algorithm 'ES257'; valid: HS256, HS384, "
                        "HS512, RS256, RS384, RS512, PS256, PS384, PS512, "
                        "ES256, ES384, ES512, EdDSA"));
}

TEST_F(TokenctlTest, JwksJsonPrintsTheKeySetAsAnObject) {
  CtlResult run = Ctl("jwks --tenant=demo --json");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("{"));
  EXPECT_THAT(run.out, HasSubstr("\"jwks\":{\"keys\":[{"));
  EXPECT_THAT(run.out, HasSubstr("\"jwk\":{"));
  EXPECT_THAT(run.out, HasSubstr("\"kid\":\"demo-1\""));
  EXPECT_THAT(run.out, HasSubstr("\"tenant\":\"demo\""));
  EXPECT_THAT(run.out, Not(HasSubstr("_json")));
  EXPECT_THAT(run.out, Not(HasSubstr("\"{\\\"")));  // no JSON in a string
  EXPECT_THAT(run.out, Not(HasSubstr("\"d\":")));
}

TEST_F(TokenctlTest, DecodeShowsTheTokenOfflineSayingNotVerified) {
  const std::string token = IssueFor("grace");
  // Decode needs no server: the address points nowhere.
  CtlResult run = Ctl("decode", token, "unix:" + dir_->File("no-such.sock"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("*** NOT VERIFIED"));
  EXPECT_THAT(run.out, HasSubstr("\"verified\": false"));
  EXPECT_THAT(run.out, HasSubstr("\"kid\": \"demo-1\""));
  EXPECT_THAT(run.out, HasSubstr("\"sub\": \"grace\""));
  EXPECT_THAT(run.out, HasSubstr("\"iss\": \"https://issuer.test\""));
  EXPECT_THAT(run.out, Not(HasSubstr(token)));

  CtlResult json = Ctl("decode --json --token=" + token);
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, StartsWith("{"));
  EXPECT_THAT(json.out, HasSubstr("\"verified\":false"));
  EXPECT_THAT(json.err, HasSubstr("NOT VERIFIED"));

  CtlResult bad = Ctl("decode --token=eyJhbGciOi.x");
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("a JWT has 3 dot-separated parts"));
  EXPECT_THAT(Ctl("decode --token=007notbase64!").err,
              HasSubstr("not an Agora 007 token"));
}

TEST_F(TokenctlTest, BashCompletionLoadsAndCompletes) {
  // bash calls the -F function with the command, the word being completed
  // and the word before it, COMP_WORDS and COMP_CWORD set: as here.
  dir_->Write("run-completion.sh",
              absl::StrCat("source <(", TOKENCTL_BINARY,
                           " completion bash) || exit 9\n",
                           R"(complete -p tokenctl || exit 8
COMP_WORDS=(tokenctl is); COMP_CWORD=1; _tokenctl tokenctl is tokenctl
echo "1:${COMPREPLY[*]}"
COMP_WORDS=(tokenctl issue --gra); COMP_CWORD=2; _tokenctl tokenctl --gra issue
echo "2:${COMPREPLY[*]}"
COMP_WORDS=(tokenctl help de); COMP_CWORD=2; _tokenctl tokenctl de help
echo "3:${COMPREPLY[*]}"
COMP_WORDS=(tokenctl --json ve); COMP_CWORD=2; _tokenctl tokenctl ve --json
echo "4:${COMPREPLY[*]}"
)"));
  const std::string out = dir_->File("completion.out");
  ASSERT_EQ(
      Shell("bash " + dir_->File("run-completion.sh") + " > " + out + " 2>&1"),
      0)
      << ReadFile(out);
  EXPECT_EQ(ReadFile(out),
            "complete -F _tokenctl tokenctl\n"
            "1:issue\n"
            "2:--grants\n"
            "3:decode demo\n"
            "4:verify\n");
  EXPECT_EQ(Ctl("completion tcsh").code, 1);
}

// Runs `script` in `shell` with tokenctl on the PATH; its output.
std::string InShell(TempDir& dir, const std::string& shell,
                    const std::string& script) {
  const std::string bin = dir.File("bin");
  Shell("mkdir -p " + bin + " && ln -sf " + TOKENCTL_BINARY + " " + bin +
        "/tokenctl");
  dir.Write("script", script);
  const std::string out = dir.File("shell.out");
  const int code =
      Shell(absl::StrCat("PATH=", bin, ":$PATH HOME=", dir.path(), " ", shell,
                         " ", dir.File("script"), " > ", out, " 2>&1"));
  return absl::StrCat("exit=", code, "\n", ReadFile(out));
}

TEST_F(TokenctlTest, ZshCompletionLoadsAndCompletes) {
  if (Shell("command -v zsh > /dev/null") != 0) {
    GTEST_SKIP() << "zsh is not installed (./setup.sh installs it)";
  }
  // The script registers itself through zsh's bashcompinit; the function
  // is called as zsh's _bash_complete calls it (1-based COMP_WORDS), and
  // zsh filters COMPREPLY by the prefix itself.
  const std::string out =
      InShell(*dir_, "zsh -f",
              "autoload -U compinit && compinit -u -D\n"
              "source <(tokenctl completion zsh) || exit 9\n"
              "echo \"reg:$_comps[tokenctl]\"\n"
              "COMP_WORDS=(tokenctl issue --gra)\n"
              "COMP_CWORD=2; _tokenctl tokenctl --gra issue\n"
              "echo \"2:${COMPREPLY[*]}\"\n");
  EXPECT_THAT(out, StartsWith("exit=0\n"));
  EXPECT_THAT(out, HasSubstr("reg:_bash_complete -F _tokenctl\n"));
  EXPECT_THAT(out, HasSubstr(" --grants "));
  EXPECT_THAT(out, Not(HasSubstr("--show_token")));
}

TEST_F(TokenctlTest, FishCompletionLoadsAndCompletes) {
  if (Shell("command -v fish > /dev/null") != 0) {
    GTEST_SKIP() << "fish is not installed (./setup.sh installs it)";
  }
  const std::string out =
      InShell(*dir_, "fish -N",
              "tokenctl completion fish | source; or exit 9\n"
              "complete -C'tokenctl is'\n"
              "complete -C'tokenctl issue --gra'\n"
              "complete -C'tokenctl help de'\n");
  EXPECT_EQ(out,
            "exit=0\n"
            "issue\tissue a token; prints the token alone to stdout\n"
            "--grants\n"
            "decode\n"
            "demo\n");
}

}  // namespace
}  // namespace tokend::testing
