// ApiRTC interop for tokend's apirtc profile. ApiRTC publishes no verifier,
// only its generator (apizee/apiRTC_JSON_Token_generator, AccessToken.js),
// which signs with jsonwebtoken: so jsonwebtoken is the vendor library here,
// used in both directions.
//
//   node apirtc.mjs verify   stdin {"token","secret","apiKey"}
//     jsonwebtoken.verify with HS256 only, audience "apiRTC" and subject =
//     apiKey; prints the claims as JSON, or "error: ..." and exits 1.
//   node apirtc.mjs sign     stdin {"secret","apiKey","userAgentId","ttl"?}
//     mints a token with the same call AccessToken.toJwt() makes; prints it.
//
// Secrets travel on stdin only.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

const main = async () => {
  const mode = process.argv[2];
  const req = await readStdin();
  if (mode === 'verify') {
    const claims = jwt.verify(req.token, req.secret, {
      algorithms: ['HS256'],
      audience: 'apiRTC',
      subject: req.apiKey,
    });
    process.stdout.write(JSON.stringify(claims) + '\n');
  } else if (mode === 'sign') {
    // AccessToken.js: payload {grants:{apiRTC_UserAgent_Id}}, header typ JWT,
    // sub = apiKey, aud = "apiRTC", expiresIn = ttl (default 3600), jwtid =
    // a UUID v4.
    const token = jwt.sign(
      { grants: { apiRTC_UserAgent_Id: req.userAgentId } },
      req.secret,
      {
        header: { typ: 'JWT' },
        algorithm: 'HS256',
        subject: req.apiKey,
        audience: 'apiRTC',
        expiresIn: req.ttl || 3600,
        jwtid: randomUUID(),
      });
    process.stdout.write(token + '\n');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
};

main().catch((e) => {
  process.stdout.write(`error: ${e.name}: ${e.message}\n`);
  process.exit(1);
});
