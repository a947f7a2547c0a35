// Agora interop helper for tests/profiles/agora/agora_profile_test.cc, running
// Agora's own npm library (agora-token 2.0.6). Secrets come on stdin (JSON),
// never argv. Commands:
//   parse     {token, certificate}: AccessToken2.from_string + verifySignature;
//             prints the parsed fields as JSON.
//   parse_many {items: [{token, certificate}, ...]}: the same for each,
//             as {results: [...]} (one process for many tokens).
//   build     {app_id, certificate, expire, services: [...]}: low-level
//             AccessToken2 with the library's Service classes; prints the token.
//   builder   {name, app_id, certificate, ...args}: one public builder
//             (RtcTokenBuilder, RtmTokenBuilder, ChatTokenBuilder,
//             ApaasTokenBuilder, FpaTokenBuilder, ConvoAITokenBuilder); prints
//             the token. With `issue_ts` and `salt`, the builder's clock and
//             salt are pinned to them, so its payload can be compared byte
//             for byte with another token's.
//   reencode  {token, level}: inflates a 007 token's payload and deflates it
//             again with Node's zlib at `level`; prints the new token.
//   parse006  {token}: the bundled legacy AccessToken.fromString.
//   build006  {app_id, certificate, channel, uid, ts, salt, privileges}.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const agora = require('agora-token');
const at2 = require('agora-token/src/AccessToken2');
const at006 = require('agora-token/src/AccessToken');

const input = JSON.parse(readFileSync(0, 'utf8'));
const command = process.argv[2];

const str = (v) => (v === undefined || v === null ? '' : Buffer.from(v).toString('utf8'));

function describeService(s) {
  const out = { type: s.service_type(), privileges: {} };
  for (const [k, v] of Object.entries(s.__privileges)) out.privileges[k] = v;
  if ('__channel_name' in s) out.channel = str(s.__channel_name);
  if ('__uid' in s) out.account = str(s.__uid);
  if ('__account' in s) out.account = str(s.__account);
  if ('__user_id' in s) out.user_id = str(s.__user_id);
  if ('__room_uuid' in s) {
    out.room_uuid = str(s.__room_uuid);
    out.user_uuid = str(s.__user_uuid);
    out.role = s.__role;
  }
  if ('__permissions' in s) out.permissions = s.__permissions.details;
  return out;
}

function makeService(spec) {
  let s;
  switch (spec.type) {
    case at2.kRtcServiceType: s = new at2.ServiceRtc(spec.channel, spec.uid); break;
    case at2.kRtmServiceType: s = new at2.ServiceRtm(spec.user_id); break;
    case at2.kStreamingServiceType: s = new at2.ServiceStreaming(spec.channel, spec.uid); break;
    case at2.kFpaServiceType: s = new at2.ServiceFpa(); break;
    case at2.kChatServiceType: s = new at2.ServiceChat(spec.user_id); break;
    case at2.kFCdnServiceType: s = new at2.ServiceFCdn(spec.channel, spec.uid); break;
    case at2.kApaasServiceType: s = new at2.ServiceApaas(spec.room_uuid, spec.user_uuid, spec.role); break;
    case at2.kRtm2ServiceType: {
      const perms = new at2.Rtm2Permissions();
      for (const [rt, byPerm] of Object.entries(spec.permissions || {})) {
        for (const [p, names] of Object.entries(byPerm)) perms.add(Number(rt), Number(p), names);
      }
      s = new at2.ServiceRtm2(spec.user_id, perms);
      break;
    }
    default: throw new Error(`unknown service type ${spec.type}`);
  }
  for (const [k, v] of Object.entries(spec.privileges || {})) s.add_privilege(Number(k), v);
  return s;
}

function runBuilder(a) {
  switch (a.name) {
    case 'rtc_uid':
      return agora.RtcTokenBuilder.buildTokenWithUid(a.app_id, a.certificate, a.channel, a.uid,
        a.role, a.expire, a.privilege_expire);
    case 'rtc_account':
      return agora.RtcTokenBuilder.buildTokenWithUserAccount(a.app_id, a.certificate, a.channel,
        a.account, a.role, a.expire, a.privilege_expire);
    case 'rtc_uid_privileges':
      return agora.RtcTokenBuilder.buildTokenWithUidAndPrivilege(a.app_id, a.certificate, a.channel,
        a.uid, a.expire, a.join, a.audio, a.video, a.data);
    case 'rtc_rtm':
      return agora.RtcTokenBuilder.buildTokenWithRtm(a.app_id, a.certificate, a.channel, a.account,
        a.role, a.expire, a.privilege_expire);
    case 'rtm':
      return agora.RtmTokenBuilder.buildToken(a.app_id, a.certificate, a.user_id, a.expire);
    case 'chat_user':
      return agora.ChatTokenBuilder.buildUserToken(a.app_id, a.certificate, a.user_id, a.expire);
    case 'chat_app':
      return agora.ChatTokenBuilder.buildAppToken(a.app_id, a.certificate, a.expire);
    case 'apaas_room_user':
      return agora.ApaasTokenBuilder.buildRoomUserToken(a.app_id, a.certificate, a.room_uuid,
        a.user_uuid, a.role, a.expire);
    case 'apaas_user':
      return agora.ApaasTokenBuilder.buildUserToken(a.app_id, a.certificate, a.user_uuid, a.expire);
    case 'apaas_app':
      return agora.ApaasTokenBuilder.buildAppToken(a.app_id, a.certificate, a.expire);
    case 'fpa':
      return agora.FpaTokenBuilder.buildToken(a.app_id, a.certificate);
    case 'convoai':
      return agora.ConvoAITokenBuilder.buildToken(a.app_id, a.certificate, a.channel, a.account,
        a.role, a.expire, a.join, a.audio, a.video, a.data, a.user_id, a.expire);
    default:
      throw new Error(`unknown builder ${a.name}`);
  }
}

// Runs a public builder with its clock at `issue_ts` and its salt at `salt`
// (AccessToken2 reads `new Date().getTime()` and draws
// floor(Math.random() * 99999999) + 1).
function runPinnedBuilder(a) {
  if (a.issue_ts === undefined) return runBuilder(a);
  const getTime = Date.prototype.getTime;
  const random = Math.random;
  Date.prototype.getTime = () => a.issue_ts * 1000;
  Math.random = () => (a.salt - 1 + 0.5) / 99999999;
  try {
    return runBuilder(a);
  } finally {
    Date.prototype.getTime = getTime;
    Math.random = random;
  }
}

function parse(item) {
  const token = new at2.AccessToken2();
  const parsed = token.from_string(item.token);
  return {
    parsed,
    verified: parsed && token.verifySignature(item.certificate),
    app_id: str(token.appId),
    issue_ts: token.issueTs,
    expire: token.expire,
    salt: token.salt,
    services: token.services.map(describeService),
    payload_hex: parsed ? zlib.inflateSync(Buffer.from(item.token.substring(3), 'base64')).toString('hex') : '',
  };
}

let out;
switch (command) {
  case 'parse':
    out = parse(input);
    break;
  case 'parse_many':
    out = { results: input.items.map(parse) };
    break;
  case 'build': {
    const token = new at2.AccessToken2(input.app_id, input.certificate, input.issue_ts, input.expire);
    if (input.salt !== undefined) token.salt = input.salt;
    for (const spec of input.services) token.add_service(makeService(spec));
    out = { token: token.build() };
    break;
  }
  case 'builder':
    out = { token: runPinnedBuilder(input) };
    break;
  case 'reencode': {
    const payload = zlib.inflateSync(Buffer.from(input.token.substring(3), 'base64'));
    const again = zlib.deflateSync(payload, { level: input.level });
    out = { token: `007${again.toString('base64')}` };
    break;
  }
  case 'parse006': {
    const token = new at006.AccessToken();
    const parsed = token.fromString(input.token);
    out = { parsed, app_id: token.appID, salt: token.salt, ts: token.ts, privileges: token.messages };
    break;
  }
  case 'build006': {
    const token = new at006.AccessToken(input.app_id, input.certificate, input.channel, input.uid);
    if (input.salt !== undefined) token.salt = input.salt;
    if (input.ts !== undefined) token.ts = input.ts;
    for (const [k, v] of Object.entries(input.privileges)) token.addPriviledge(Number(k), v);
    out = { token: token.build() };
    break;
  }
  default:
    process.stderr.write(`unknown command ${command}\n`);
    process.exit(2);
}
process.stdout.write(JSON.stringify(out) + '\n');
