// Zoom Video SDK interop for tokend's zoom profile. Zoom publishes no Node
// verifier; its videosdk-auth-endpoint-sample builds the payload below and
// signs it with jsrsasign, which is not among the pinned packages, so
// jsonwebtoken signs the identical header and payload instead (HS256 over
// the same JSON is the same token format). Both directions use jsonwebtoken.
//
//   node zoom.mjs verify   stdin {"token","secret"}
//     jsonwebtoken.verify with HS256 only; prints the claims as JSON, or
//     "error: ..." and exits 1.
//   node zoom.mjs sign     stdin {"secret","appKey","role","sessionName",
//                                 "expirationSeconds"?,"userIdentity"?,
//                                 "userKey"?,"sessionKey"?,"geoRegions"?,
//                                 "cloudRecordingOption"?,
//                                 "cloudRecordingElection"?}
//     the sample's request body (plus the key and secret); prints the token.
//     Zoom's current auth docs rename the sample's user_identity claim to
//     user_key ("previously named user_identity"): userKey writes it in the
//     same place, as a generator following today's docs does.
//
// Secrets travel on stdin only.
import jwt from 'jsonwebtoken';

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

const joinGeoRegions = (geo) =>
  geo === undefined ? undefined : (Array.isArray(geo) ? geo : [geo]).join(',');

const main = async () => {
  const mode = process.argv[2];
  const req = await readStdin();
  if (mode === 'verify') {
    const claims = jwt.verify(req.token, req.secret, { algorithms: ['HS256'] });
    process.stdout.write(JSON.stringify(claims) + '\n');
  } else if (mode === 'sign') {
    // The sample's claim set and order; undefined members are dropped by
    // JSON serialisation, exactly as in the sample.
    const iat = Math.floor(Date.now() / 1000);
    const exp = req.expirationSeconds ? iat + req.expirationSeconds
                                      : iat + 60 * 60 * 2;
    const payload = JSON.parse(JSON.stringify({
      app_key: req.appKey,
      role_type: req.role,
      tpc: req.sessionName,
      version: 1,
      iat,
      exp,
      user_identity: req.userIdentity,
      user_key: req.userKey,
      session_key: req.sessionKey,
      geo_regions: joinGeoRegions(req.geoRegions),
      cloud_recording_option: req.cloudRecordingOption,
      cloud_recording_election: req.cloudRecordingElection,
    }));
    const token = jwt.sign(payload, req.secret, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'JWT' },
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
