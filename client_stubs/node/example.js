'use strict';
// Example: node client_stubs/node/example.js [target] [tenant] [subject]
// Gets a token from tokend and shows how to attach it to a call.
const {TokenSource} = require('./token_source');

async function main() {
  const [target = 'unix:.tokend/tokend.sock', tenant = 'dev-jwt',
         subject = 'example'] = process.argv.slice(2);
  const source = new TokenSource({target, tenant, subject});
  const token = await source.waitForToken(10000);
  console.log(`token ${token.tokenId} (#${token.sequence}) expires ` +
              new Date(token.expiresAt * 1000).toISOString());
  // On every call to your service: client.method(req, source.metadata(), cb)
  // (or source.callCredentials() on a TLS channel).
  source.close();
}

main().catch((e) => { console.error(e.message); process.exit(1); });
