// Cross-checks tokend's twilio profile with twilio-node.
//
//   node twilio.mjs verify    stdin {"token", "secret", "api_key_sid",
//                                    "account_sid", "alg"}
//     twilio-node has no verifier, so this decodes with the secret through
//     jsonwebtoken (twilio-node's own dependency), holds the token to the
//     Access Token rules (cty, iss, sub, grants.identity) and prints
//     {"header", "claims"}.
//   node twilio.mjs generate  stdin {"account_sid", "api_key_sid", "secret",
//                                    "identity", "ttl", "region", "alg",
//                                    "grants": {"chat": {...}, ...}}
//     prints the token twilio.jwt.AccessToken mints. Grant options use the
//     SDK's camelCase names (serviceSid, room, incomingAllow, ...).
// Secrets travel on stdin, never in argv.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const twilio = require('twilio');
const jsonwebtoken = require('jsonwebtoken');
const { AccessToken } = twilio.jwt;

const GRANTS = {
  chat: AccessToken.ChatGrant,
  video: AccessToken.VideoGrant,
  data_sync: AccessToken.SyncGrant,
  voice: AccessToken.VoiceGrant,
  task_router: AccessToken.TaskRouterGrant,
  player: AccessToken.PlaybackGrant,
};

function fail(message) {
  console.error(message);
  process.exit(1);
}

const mode = process.argv[2];
const input = JSON.parse(readFileSync(0, 'utf8'));

if (mode === 'verify') {
  let decoded;
  try {
    decoded = jsonwebtoken.verify(input.token, input.secret, {
      algorithms: [input.alg || 'HS256'],
      issuer: input.api_key_sid,
      subject: input.account_sid,
      complete: true,
    });
  } catch (e) {
    fail(`${e.name}: ${e.message}`);
  }
  if (decoded.header.cty !== 'twilio-fpa;v=1') fail('cty is not twilio-fpa;v=1');
  const grants = decoded.payload.grants;
  if (typeof grants !== 'object' || typeof grants.identity !== 'string' ||
      grants.identity === '') {
    fail('grants.identity is missing');
  }
  console.log(JSON.stringify({ header: decoded.header, claims: decoded.payload }));
} else if (mode === 'generate') {
  const token = new AccessToken(input.account_sid, input.api_key_sid,
                                input.secret, {
                                  identity: input.identity,
                                  ttl: input.ttl,
                                  region: input.region,
                                });
  for (const [name, options] of Object.entries(input.grants || {})) {
    token.addGrant(new GRANTS[name](options));
  }
  console.log(token.toJwt(input.alg));
} else {
  console.error('usage: twilio.mjs verify|generate');
  process.exit(2);
}
