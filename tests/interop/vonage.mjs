// Cross-checks tokend's vonage profile with Vonage's own @vonage/jwt.
//
//   node vonage.mjs verify    stdin {"token", "public_key"}
//     verifySignature() must accept the token; prints {"header","claims"}.
//   node vonage.mjs generate  stdin {"application_id", "private_key", "options"}
//     prints the token tokenGenerate() mints with those options.
//
// A Video client token is minted the way @vonage/video generateClientToken
// does it (that package is not installed here): tokenGenerate() with the
// video claims as options, since it copies every option into the payload.
// Keys travel on stdin, never in argv.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { tokenGenerate, verifySignature } = require('@vonage/jwt');
const jsonwebtoken = require('jsonwebtoken');

const mode = process.argv[2];
const input = JSON.parse(readFileSync(0, 'utf8'));

if (mode === 'verify') {
  if (!verifySignature(input.token, input.public_key)) {
    console.error('verifySignature refused the token');
    process.exit(1);
  }
  const decoded = jsonwebtoken.decode(input.token, { complete: true });
  console.log(JSON.stringify({ header: decoded.header, claims: decoded.payload }));
} else if (mode === 'generate') {
  console.log(tokenGenerate(input.application_id, input.private_key,
                            input.options || {}));
} else {
  console.error('usage: vonage.mjs verify|generate');
  process.exit(2);
}
