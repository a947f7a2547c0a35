'use strict';
// The Node token-source driver for run_stub_test.py (see its protocol).
const path = require('path');
const readline = require('readline');
const {TokenSource} = require(path.join(__dirname, '../../client_stubs/node/token_source'));
const grpc = require(path.join(__dirname, '../../client_stubs/node/node_modules/@grpc/grpc-js'));

const env = process.env;
const out = (...f) => process.stdout.write(f.join(' ') + '\n');
const lines = readline.createInterface({input: process.stdin});
const it = lines[Symbol.asyncIterator]();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (pred()) return true; await sleep(20); }
  return pred();
}
const src = (target, tenant) => new TokenSource({target, tenant, subject: 'alice',
  initialBackoffMs: 50, maxBackoffMs: 1000});

function echo(source) {
  // Per-call metadata over an insecure unix socket (see token_source.js).
  const client = new grpc.Client(env.ECHO_TARGET, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    let md;
    try { md = source.metadata(); } catch (e) { return resolve('error ' + e.message); }
    client.makeUnaryRequest('/tokend.test.Echo/Echo', (b) => b, (b) => b,
        Buffer.from('hi'), md, (err, res) => {
          client.close();
          resolve(err ? 'error ' + err.details : res.toString());
        });
  });
}

async function terminal(label, tenant) {
  const s = src(env.TOKEND_TARGET, tenant);
  await waitUntil(() => s.terminalError, 10000);
  await sleep(500);
  const t = s.terminalError;
  out(label, t ? grpc.status[t.code] : 'NONE', s.attempts);
  s.close();
}

async function full() {
  const dead = src(env.TOKEND_DEAD_TARGET, 'app');
  const t0 = process.hrtime.bigint();
  try { dead.current(); out('FAILFAST 9999 got-a-token'); } catch (e) {
    out('FAILFAST', Number(process.hrtime.bigint() - t0) / 1e6, e.message);
  }
  dead.close();
  await terminal('NORETRY_DENIED', 'other');
  await terminal('NORETRY_INVALID', '');
  const s = src(env.TOKEND_TARGET, 'app');
  const tok = await s.waitForToken(15000);
  out('TOKEN', tok.tokenId, tok.sequence);
  out('ECHO', await echo(s));
  out('STOP_TOKEND');
  await it.next();
  let worst = 0, same = true;
  for (let i = 0; i < 50; i++) {
    const a = process.hrtime.bigint();
    same = same && s.current().tokenId === tok.tokenId;
    worst = Math.max(worst, Number(process.hrtime.bigint() - a) / 1e6);
  }
  out('DOWN', same ? 1 : 0, worst);
  out('START_TOKEND');
  await it.next();
  await waitUntil(() => s.streamsWithEvent >= 2, 40000);
  out('RESUMED', s.streamsWithEvent, s.attempts);
  out('ECHO2', await echo(s));
  const c0 = process.hrtime.bigint();
  s.close();
  out('CLOSED', Number(process.hrtime.bigint() - c0) / 1e6);
}

async function renewal() {
  const s = src(env.TOKEND_TARGET, 'short');
  const tok = await s.waitForToken(15000);
  out('TOKEN', tok.tokenId, tok.expiresAt);
  const renewed = await waitUntil(() => s._current && s._current.tokenId !== tok.tokenId,
      Math.max(0, tok.expiresAt * 1000 - Date.now()));
  out('RENEWAL', renewed ? 1 : 0, s._current ? s._current.tokenId : '-',
      s._current ? s._current.sequence : 0);
  s.close();
}

(env.STUB_MODE === 'full' ? full() : renewal()).then(() => {
  out('DONE');
  lines.close();
}).catch((e) => { console.error(e); process.exit(1); });
