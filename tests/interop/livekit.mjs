// Cross-checks tokend's livekit profile with livekit-server-sdk.
//
//   node livekit.mjs verify    stdin {"token", "api_key", "api_secret"}
//     TokenVerifier.verify() must accept the token; prints its claims.
//   node livekit.mjs generate  stdin {"api_key", "api_secret", "identity",
//                                     "ttl", "name", "metadata", "attributes",
//                                     "kind", "video", "sip", "roomPreset"}
//     prints the token AccessToken.toJwt() mints from those options.
//     video.canPublishSources holds the JSON names ("camera", ...), mapped
//     to the SDK's TrackSource values here.
//   node livekit.mjs service   stdin {"api_key", "api_secret", "video"?,
//                                     "sip"?}
//     prints the token a RoomServiceClient mints for its own server-API
//     calls (ServiceBase.authHeader: no identity, ttl 10 min, the grants
//     given), without the "Bearer " prefix. No request is sent.
// Secrets travel on stdin, never in argv.
import { readFileSync } from 'node:fs';
import {
  AccessToken, RoomServiceClient, TokenVerifier, TrackSource,
} from 'livekit-server-sdk';

const SOURCES = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

const mode = process.argv[2];
const input = JSON.parse(readFileSync(0, 'utf8'));

try {
  if (mode === 'verify') {
    const verifier = new TokenVerifier(input.api_key, input.api_secret);
    console.log(JSON.stringify(await verifier.verify(input.token)));
  } else if (mode === 'generate') {
    const token = new AccessToken(input.api_key, input.api_secret, {
      identity: input.identity,
      ttl: input.ttl,
      name: input.name,
      metadata: input.metadata,
      attributes: input.attributes,
    });
    if (input.video) {
      const video = { ...input.video };
      if (video.canPublishSources) {
        video.canPublishSources = video.canPublishSources.map((s) => SOURCES[s]);
      }
      token.addGrant(video);
    }
    if (input.sip) token.addSIPGrant(input.sip);
    if (input.kind) token.kind = input.kind;
    if (input.roomPreset) token.roomPreset = input.roomPreset;
    console.log(await token.toJwt());
  } else if (mode === 'service') {
    // The client is only built: authHeader signs locally, no call is made.
    const client = new RoomServiceClient('http://127.0.0.1:9', input.api_key,
                                         input.api_secret);
    const header = await client.authHeader(input.video, input.sip);
    console.log(header.Authorization.replace(/^Bearer /, ''));
  } else {
    console.error('usage: livekit.mjs verify|generate|service');
    process.exit(2);
  }
} catch (e) {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
}
