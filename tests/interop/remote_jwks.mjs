// Verifies tokens against a remote JWKS with npm jose's createRemoteJWKSet,
// the way a service that trusts tokend's HTTP endpoint would.
//
//   node remote_jwks.mjs JWKS_URL ISSUER AUDIENCE < tokens (one per line)
//
// Prints the kid of each verified token, one per line, and exits 0; on the
// first failure prints "error: ..." and exits 1.
import { readFileSync } from 'node:fs';

import * as jose from 'jose';

const [url, issuer, audience] = process.argv.slice(2);
const jwks = jose.createRemoteJWKSet(new URL(url));
const tokens = readFileSync(0, 'utf8').split('\n').filter((t) => t !== '');
try {
  for (const token of tokens) {
    const { protectedHeader } =
        await jose.jwtVerify(token, jwks, { issuer, audience });
    console.log(protectedHeader.kid);
  }
} catch (e) {
  console.log(`error: ${e.code ?? ''} ${e.message}`);
  process.exit(1);
}
