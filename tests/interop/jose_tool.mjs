// Signs and verifies JWTs with npm `jose` or `jsonwebtoken`, for the interop
// tests. Everything, keys included, arrives on stdin as JSON; nothing secret
// is taken from argv.
//
//   node jose_tool.mjs verify   stdin {token, key, alg, lib, audience?,
//                                      issuer?, key_encoding?}
//                               stdout {header, claims}
//   node jose_tool.mjs sign     stdin {claims, header?, key, alg, lib,
//                                      key_encoding?}
//                               stdout the compact token
//
// `lib` is "jose" or "jsonwebtoken". `key` is a PEM (SPKI to verify, PKCS#8
// to sign) or, for HS*, the secret: its UTF-8 bytes, or hex when
// key_encoding is "hex". A single request that fails prints "error: ..." and
// exits 1. A JSON array of requests is answered with an array of the same
// length, each entry the result or {"error": "..."}, so one Node start-up
// serves a whole batch.
import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';

function secretKey(request) {
  const bytes = request.key_encoding === 'hex'
    ? Buffer.from(request.key, 'hex')
    : Buffer.from(request.key, 'utf8');
  return createSecretKey(bytes);
}

const isHmac = (alg) => alg.startsWith('HS');

async function joseVerify(request) {
  const key = isHmac(request.alg)
    ? secretKey(request)
    : await jose.importSPKI(request.key, request.alg);
  const options = { algorithms: [request.alg] };
  if (request.audience !== undefined) options.audience = request.audience;
  if (request.issuer !== undefined) options.issuer = request.issuer;
  const { payload, protectedHeader } =
      await jose.jwtVerify(request.token, key, options);
  return { header: protectedHeader, claims: payload };
}

async function joseSign(request) {
  const key = isHmac(request.alg)
    ? secretKey(request)
    : await jose.importPKCS8(request.key, request.alg);
  const header = { ...(request.header ?? {}), alg: request.alg };
  return new jose.SignJWT(request.claims).setProtectedHeader(header).sign(key);
}

function jsonwebtokenKey(request, isPrivate) {
  if (isHmac(request.alg)) return secretKey(request);
  return isPrivate ? createPrivateKey(request.key)
                   : createPublicKey(request.key);
}

function jsonwebtokenVerify(request) {
  const options = { algorithms: [request.alg], complete: true };
  if (request.audience !== undefined) options.audience = request.audience;
  if (request.issuer !== undefined) options.issuer = request.issuer;
  const decoded = jsonwebtoken.verify(
      request.token, jsonwebtokenKey(request, false), options);
  return { header: decoded.header, claims: decoded.payload };
}

function jsonwebtokenSign(request) {
  // jsonwebtoken keeps a given iat (noTimestamp would delete it).
  return jsonwebtoken.sign(request.claims, jsonwebtokenKey(request, true), {
    algorithm: request.alg,
    header: { ...(request.header ?? {}), alg: request.alg },
  });
}

async function handle(command, request) {
  const lib = request.lib;
  if (lib !== 'jose' && lib !== 'jsonwebtoken') {
    throw new Error(`unknown lib ${JSON.stringify(lib)}`);
  }
  if (lib === 'jsonwebtoken' && request.alg === 'EdDSA') {
    throw new Error('jsonwebtoken 9 does not implement EdDSA');
  }
  if (command === 'verify') {
    return lib === 'jose' ? joseVerify(request) : jsonwebtokenVerify(request);
  }
  if (command === 'sign') {
    return lib === 'jose' ? joseSign(request) : jsonwebtokenSign(request);
  }
  throw new Error(`unknown command ${JSON.stringify(command)}`);
}

// Error text names the library's error code and message only: never the
// token or key.
const describe = (e) => (e.code ? `${e.code}: ${e.message}` : e.message);

async function main() {
  const command = process.argv[2];
  const input = JSON.parse(readFileSync(0, 'utf8'));
  if (Array.isArray(input)) {
    const results = [];
    for (const request of input) {
      try {
        results.push(await handle(command, request));
      } catch (e) {
        results.push({ error: describe(e) });
      }
    }
    process.stdout.write(JSON.stringify(results) + '\n');
    return;
  }
  try {
    const result = await handle(command, input);
    process.stdout.write(
        (typeof result === 'string' ? result : JSON.stringify(result)) + '\n');
  } catch (e) {
    process.stdout.write(`error: ${describe(e)}\n`);
    process.exitCode = 1;
  }
}

await main();
