// Daily interop for tokend's daily profile. Daily has no Node verifier; its
// "Self-signing meeting tokens" guide signs the short-name payload with any
// HS256 JWT library and the domain's API key. jsonwebtoken is used in both
// directions.
//
//   node daily.mjs verify   stdin {"token","apiKey"}
//     jsonwebtoken.verify with HS256 only; prints the claims as JSON, or
//     "error: ..." and exits 1.
//   node daily.mjs sign     stdin {"apiKey","claims":{...},"ttl"?,"nbf"?}
//     signs the guide's payload: the given short-name claims ("r", "d", "u",
//     "ud", "o", "p", ...) with "iat" now, and "exp" = iat + ttl when ttl is
//     given ("nbf" = now when nbf is true); prints the token.
//
// Secrets travel on stdin only.
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
    const claims = jwt.verify(req.token, req.apiKey, { algorithms: ['HS256'] });
    process.stdout.write(JSON.stringify(claims) + '\n');
  } else if (mode === 'sign') {
    const iat = Math.floor(Date.now() / 1000);
    const payload = { ...req.claims, iat };
    if (req.nbf) payload.nbf = iat;
    if (req.ttl) payload.exp = iat + req.ttl;
    const token = jwt.sign(payload, req.apiKey, { algorithm: 'HS256' });
    process.stdout.write(token + '\n');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
};

main().catch((e) => {
  process.stdout.write(`error: ${e.name}: ${e.message}\n`);
  process.exit(1);
});
