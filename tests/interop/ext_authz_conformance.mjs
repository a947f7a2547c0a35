// Envoy ext_authz conformance: tokend's Authorization/Check against Envoy's
// own API protos (the copies @grpc/grpc-js-xds ships under deps/envoy-api,
// loaded with @grpc/proto-loader), through a real tokend on a unix socket.
//
//   node ext_authz_conformance.mjs <tokend binary> <repo root>
//
// 1. Schema: every message and field of tokend's subset (proto/envoy/...)
//    exists in Envoy's protos with the same number, type and label, and the
//    enums' values agree.
// 2. Wire: CheckRequests built with Envoy's protos (including fields
//    tokend's subset omits: peer addresses, metadata_context, header_map)
//    get CheckResponses that Envoy's protos read as Envoy expects: an allow
//    (status OK, ok_response headers with append_action, headers_to_remove,
//    dynamic_metadata) and denials (401 + WWW-Authenticate, 403, 400).
// Exits 0 when all pass, 1 with the failures otherwise. No sleeps: the
// server is awaited with waitForReady and a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const [tokendBin, repo] = process.argv.slice(2);
if (!tokendBin || !repo) {
  console.error('usage: node ext_authz_conformance.mjs <tokend> <repo root>');
  process.exit(2);
}
const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const envoyIncludes = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
  .map((d) => join(deps, d));
const wkt = '/usr/include';
const failures = [];
const check = (cond, what) => { if (!cond) failures.push(what); };

// --- 1. Schema -------------------------------------------------------------
function loadRoot(files, includes) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includes) {
      const p = join(dir, target);
      try { require('node:fs').accessSync(p); return p; } catch { /* next */ }
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}
const subsetFiles = [
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/service/auth/v3/attribute_context.proto',
  'envoy/config/core/v3/base.proto',
  'envoy/type/v3/http_status.proto',
];
const ours = loadRoot(subsetFiles, [join(repo, 'proto'), wkt]);
const envoy = loadRoot(subsetFiles, [...envoyIncludes, wkt]);
function walk(ns, fn) {
  for (const nested of ns.nestedArray || []) {
    fn(nested);
    if (nested.nestedArray) walk(nested, fn);
  }
}
let compared = 0;
// The one allowed difference: a map<string, string> of Envoy's read by
// tokend as `repeated` of a message {bytes key = 1; bytes value = 2}
// (HttpRequest.headers), which is the same bytes on the wire (string and
// bytes are both length-delimited).
const lengthDelimited = (f) => f && (f.type === 'string' || f.type === 'bytes') && !f.repeated;
const isMapEntryStandIn = (t) => t instanceof protobuf.Type &&
  t.fieldsArray.length === 2 &&
  lengthDelimited(t.fields.key) && t.fields.key.id === 1 &&
  lengthDelimited(t.fields.value) && t.fields.value.id === 2;
const standIns = new Set();
walk(ours.lookup('envoy'), (t) => {
  if (!(t instanceof protobuf.Type)) return;
  for (const f of t.fieldsArray) {
    const real = envoy.lookup(t.fullName);
    const rf = real && real.fields && real.fields[f.name];
    if (rf && rf.map && rf.keyType === 'string' && rf.type === 'string' &&
        f.repeated && !f.map && isMapEntryStandIn(f.resolvedType)) {
      standIns.add(f.resolvedType.fullName);
      f.mapStandIn = true;
    }
  }
});
check(standIns.has('.envoy.service.auth.v3.AttributeContext.HttpRequest.HeaderEntry'),
  `HttpRequest.headers is not read as a map's wire form: ${[...standIns]}`);
walk(ours.lookup('envoy'), (t) => {
  const name = t.fullName;
  if (standIns.has(name)) { compared++; return; }
  const real = envoy.lookup(name);
  if (t instanceof protobuf.Type) {
    if (!(real instanceof protobuf.Type)) { check(false, `${name}: no such message in Envoy`); return; }
    for (const f of t.fieldsArray) {
      const rf = real.fields[f.name];
      compared++;
      if (!rf) { check(false, `${name}.${f.name}: no such field in Envoy`); continue; }
      check(rf.id === f.id, `${name}.${f.name}: number ${f.id}, Envoy ${rf.id}`);
      if (f.mapStandIn) continue;  // checked above: map<string, string> on the wire
      const ourType = f.resolvedType ? f.resolvedType.fullName : f.type;
      const realType = rf.resolvedType ? rf.resolvedType.fullName : rf.type;
      check(ourType === realType, `${name}.${f.name}: type ${ourType}, Envoy ${realType}`);
      check(f.repeated === rf.repeated && f.map === rf.map,
        `${name}.${f.name}: repeated/map differs`);
      check((f.partOf && f.partOf.name) === (rf.partOf && rf.partOf.name) ||
            (rf.partOf && rf.partOf.name.startsWith('_')) || !f.partOf,
        `${name}.${f.name}: oneof differs`);
    }
  } else if (t instanceof protobuf.Enum) {
    if (!(real instanceof protobuf.Enum)) { check(false, `${name}: no such enum in Envoy`); return; }
    for (const [k, v] of Object.entries(t.values)) {
      compared++;
      check(real.values[k] === v, `${name}.${k}: ${v}, Envoy ${real.values[k]}`);
    }
  } else if (t instanceof protobuf.Service) {
    for (const m of t.methodsArray) {
      const rm = real && real.methods[m.name];
      check(rm && rm.requestType === m.requestType && rm.responseType === m.responseType,
        `${name}.${m.name}: differs from Envoy`);
    }
  }
});
check(compared > 80, `only ${compared} fields/values compared`);

// --- 2. Wire ----------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'tokend-ea-'));
mkdirSync(join(dir, 'run'));
writeFileSync(join(dir, 'hs.secret'), '0123456789abcdef0123456789abcdef-conformance');
writeFileSync(join(dir, 'tokend.yaml'), `
listeners:
  unix_socket: ${dir}/run/tokend.sock
tenants:
  - name: demo
    profile: jwt
    issuer: https://issuer.test
    audience: [api.test]
    algorithm: HS256
    credentials: {secret: hs.secret}
callers:
  - name: me
    uid: ${process.getuid()}
    issue: ["*"]
    verify: ["*"]
ext_authz:
  claim_headers: {role: x-user-role}
  remove_token: true
  claims_metadata: true
`);
const tokend = spawn(tokendBin, [`--config=${dir}/tokend.yaml`],
  { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
tokend.stderr.on('data', (d) => { log += d; });
const target = `unix:${dir}/run/tokend.sock`;

const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const envoyPkg = grpc.loadPackageDefinition(protoLoader.loadSync(
  'envoy/service/auth/v3/external_auth.proto', { ...loaderOptions, includeDirs: envoyIncludes }));
const tokendPkg = grpc.loadPackageDefinition(protoLoader.loadSync(
  'tokend/v1/token_service.proto', { ...loaderOptions, includeDirs: [join(repo, 'proto'), wkt] }));
const authz = new envoyPkg.envoy.service.auth.v3.Authorization(target, grpc.credentials.createInsecure());
const tokens = new tokendPkg.tokend.v1.TokenService(target, grpc.credentials.createInsecure());

const deadline = () => new Date(Date.now() + 20000);
const call = (client, method, req, md = new grpc.Metadata()) => new Promise((resolve, reject) => {
  client[method](req, md, { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res)));
});
const ready = (client) => new Promise((resolve, reject) => {
  client.waitForReady(deadline(), (err) => (err ? reject(err) : resolve()));
});

function request(auth, extra = {}) {
  // As Envoy sends them: every request header, the token among them.
  const headers = {
    ':authority': 'app.test', ':path': '/v1/x?y=1', ':method': 'GET', ':scheme': 'https',
    accept: 'application/json', 'user-agent': 'conformance/1.0',
    'x-forwarded-proto': 'https', 'x-request-id': '9f1c2b7e-4d3a-4e8b-9a61-0c2f5d7e8b14',
  };
  if (auth) headers.authorization = auth;
  return {
    attributes: {
      source: {
        address: { socket_address: { address: '10.0.0.7', port_value: 51234 } },
        principal: 'spiffe://cluster.local/ns/a/sa/client',
        labels: { app: 'client' },
      },
      destination: { address: { socket_address: { address: '10.0.0.8', port_value: 8080 } } },
      request: {
        time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
        http: {
          id: '42', method: 'GET', headers, path: '/v1/x?y=1', host: 'app.test',
          scheme: 'https', protocol: 'HTTP/2', size: '0',
          ...extra,
        },
      },
      context_extensions: { tokend_tenant: 'demo' },
      metadata_context: { filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: {} } } },
      tls_session: { sni: 'app.test' },
    },
  };
}
const header = (list, name) => {
  const h = (list || []).find((x) => x.header.key === name);
  return h ? h.header.value : undefined;
};

try {
  await ready(tokens);
  const md = new grpc.Metadata();
  md.set('tokend-request', '1');
  const issued = await call(tokens, 'IssueToken', {
    tenant: 'demo', subject: { user_id: 'alice' },
    jwt: { extra_claims: { fields: { role: { stringValue: 'admin' } } } },
  }, md);

  // Allowed.
  const ok = await call(authz, 'Check', request(`Bearer ${issued.token}`));
  if (process.env.DEBUG) console.error(JSON.stringify(ok, null, 1));
  check(ok.status && ok.status.code === 0, `allow: status ${JSON.stringify(ok.status)}`);
  check(ok.http_response === 'ok_response', `allow: oneof ${ok.http_response}`);
  const okh = ok.ok_response && ok.ok_response.headers;
  check(header(okh, 'x-tokend-subject') === 'alice', 'allow: x-tokend-subject');
  check(header(okh, 'x-tokend-tenant') === 'demo', 'allow: x-tokend-tenant');
  check(header(okh, 'x-tokend-token-id') === issued.token_id, 'allow: x-tokend-token-id');
  check(header(okh, 'x-user-role') === 'admin', 'allow: claim header');
  check((okh || []).every((h) => h.append_action === 'OVERWRITE_IF_EXISTS_OR_ADD'),
    'allow: append_action');
  check(ok.ok_response.headers_to_remove.includes('authorization'), 'allow: headers_to_remove');
  const dm = ok.dynamic_metadata && ok.dynamic_metadata.fields;
  check(dm && dm.subject.stringValue === 'alice', 'allow: dynamic_metadata.subject');
  check(dm && dm.claims.structValue.fields.role.stringValue === 'admin',
    'allow: dynamic_metadata.claims.role');
  check(!JSON.stringify(ok).includes(issued.token), 'allow: the token is echoed');

  // Allowed with Envoy's encode_raw_headers (header_map, raw_value bytes).
  const raw = request('', {
    headers: {},
    header_map: { headers: [{ key: 'authorization', raw_value: Buffer.from(`Bearer ${issued.token}`) }] },
  });
  const rawOk = await call(authz, 'Check', raw);
  check(rawOk.http_response === 'ok_response', `header_map: ${rawOk.http_response}`);

  // Denied: a tampered token.
  const bad = `${issued.token.slice(0, -2)}AA`;
  const denied = await call(authz, 'Check', request(`Bearer ${bad}`));
  check(denied.status.code === 16, `deny: status ${denied.status.code}`);
  check(denied.http_response === 'denied_response', `deny: oneof ${denied.http_response}`);
  check(denied.denied_response.status.code === 'Unauthorized',
    `deny: http ${denied.denied_response.status.code}`);
  check(header(denied.denied_response.headers, 'www-authenticate') ===
    'Bearer error="invalid_token", error_description="BAD_SIGNATURE"',
    `deny: www-authenticate ${header(denied.denied_response.headers, 'www-authenticate')}`);
  check(!JSON.stringify(denied).includes(bad), 'deny: the token is echoed');
  const body = JSON.parse(denied.denied_response.body);
  check(body.error === 'invalid_token' && body.error_description === 'BAD_SIGNATURE', 'deny: body');

  // Forbidden: an unknown tenant; Bad request: two Authorization headers.
  const forbidden = await call(authz, 'Check', {
    ...request(`Bearer ${issued.token}`),
    attributes: { ...request(`Bearer ${issued.token}`).attributes, context_extensions: { tokend_tenant: 'nope' } },
  });
  check(forbidden.status.code === 7 && forbidden.denied_response.status.code === 'Forbidden',
    `unknown tenant: ${forbidden.status.code} ${forbidden.denied_response.status.code}`);
  const twice = await call(authz, 'Check', request(`Bearer ${issued.token},Bearer ${issued.token}`));
  check(twice.status.code === 3 && twice.denied_response.status.code === 'BadRequest',
    `two authorization headers: ${twice.status.code} ${twice.denied_response.status.code}`);
  // No attributes at all.
  const empty = await call(authz, 'Check', {});
  check(empty.status.code === 3 && empty.denied_response.status.code === 'BadRequest',
    'no attributes');
} catch (err) {
  failures.push(`error: ${err.stack || err}`);
} finally {
  authz.close();
  tokens.close();
  tokend.kill('SIGTERM');
  await new Promise((r) => { if (tokend.exitCode !== null) r(); else tokend.on('exit', r); });
  rmSync(dir, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`FAIL (${failures.length}):\n  ${failures.join('\n  ')}`);
  if (log) console.error(`tokend log:\n${log}`);
  process.exit(1);
}
console.log(`ok: ${compared} fields/enum values match Envoy's protos; allow/deny round trips read with Envoy's protos`);
