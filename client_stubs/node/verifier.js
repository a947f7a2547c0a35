'use strict';
// The receiving side: verify the bearer token of incoming calls through
// tokend, as middleware around a grpc-js service implementation.
//
//   const verifier = new TokenVerifier({tenant: 'app'});   // $TOKEND_TARGET
//   server.addService(def, wrapService(verifier, def, {
//     SayHello(call, callback) { callback(null, {text: call.verified.subject}); },
//   }));
//
// Each call must carry `authorization: Bearer <token>`; the wrapper asks
// tokend's VerifyToken first and refuses the call with UNAUTHENTICATED and
// "<REASON>: <detail>" (TOKEN_EXPIRED, REVOKED, MISSING_TOKEN, ...) when the
// token is missing or invalid, never echoing the token; when tokend cannot
// answer, with UNAVAILABLE. The handler finds the result in call.verified.
// Verdicts are not cached: a revocation applies to the next call.

const grpc = require('@grpc/grpc-js');
const {tokendPackage, defaultTarget, MARKER} = require('./token_source');

// The reason of a call without a bearer token (the stubs' own: tokend never
// sees such a call, so its catalogue has no such verdict).
const MISSING_TOKEN = 'MISSING_TOKEN';

class UnauthenticatedError extends Error {
  constructor(reason, detail) {
    // tokend's details already start with the reason.
    super(detail.startsWith(reason + ':') ? detail : `${reason}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
  }
}

// The token of "authorization: Bearer <token>" in a grpc.Metadata, or null.
function bearerToken(metadata) {
  for (const value of (metadata ? metadata.get('authorization') : [])) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(String(value));
    if (m) return m[1];
  }
  return null;
}

function seconds(ts) {
  return ts ? Number(ts.seconds) + (ts.nanos || 0) / 1e9 : 0;
}

class TokenVerifier {
  // tenant: the tenant that verifies; target (default $TOKEND_TARGET);
  // audience: one the token must have (default: the tenant's).
  constructor({tenant, target, audience = '', timeoutMs = 5000}) {
    const v1 = tokendPackage();
    this._client = new v1.TokenService(target || defaultTarget(),
        grpc.credentials.createInsecure());
    this._tenant = tenant;
    this._audience = audience;
    this._timeoutMs = timeoutMs;
  }

  // Resolves with {subject, tokenId, tenant, expiresAt, claims, response};
  // rejects with an UnauthenticatedError (missing or invalid token) or the
  // gRPC error of a VerifyToken tokend did not answer.
  verify(token) {
    if (!token) {
      return Promise.reject(new UnauthenticatedError(
          MISSING_TOKEN, 'no authorization: Bearer <token> metadata'));
    }
    const request = {tenant: this._tenant, token};
    if (this._audience) request.expectations = {audience: this._audience};
    const md = new grpc.Metadata();
    md.set(MARKER[0], MARKER[1]);
    return new Promise((resolve, reject) => {
      this._client.VerifyToken(request, md, {deadline: Date.now() + this._timeoutMs},
          (err, r) => {
            if (err) return reject(err);
            if (!r.valid) {
              return reject(new UnauthenticatedError(r.reason || 'INVALID', r.detail || ''));
            }
            resolve({subject: r.subject, tokenId: r.token_id, tenant: r.tenant,
                     expiresAt: seconds(r.expires_at), claims: r.claims, response: r});
          });
    });
  }

  close() { this._client.close(); }
}

function refusal(err) {
  if (err instanceof UnauthenticatedError) {
    return {code: grpc.status.UNAUTHENTICATED, details: err.message};
  }
  const name = grpc.status[err.code] || 'UNKNOWN';
  return {code: grpc.status.UNAVAILABLE,
          details: 'tokend could not verify the token: ' + name};
}

// Wraps one handler: verify, then run it with call.verified set, or refuse.
function guard(verifier, method, handler) {
  const hasCallback = !method.responseStream;
  return function guarded(call, callback) {
    verifier.verify(bearerToken(call.metadata)).then((verified) => {
      call.verified = verified;
      return hasCallback ? handler.call(this, call, callback) : handler.call(this, call);
    }, (err) => {
      if (hasCallback) {
        callback(refusal(err));
      } else {
        call.emit('error', refusal(err));
      }
    });
  };
}

// A copy of `implementation` whose handlers verify first. `definition` is
// the service definition given to server.addService (it says which methods
// stream). `skip`: method paths left alone.
function wrapService(verifier, definition, implementation, {skip = []} = {}) {
  const out = Object.assign({}, implementation);
  for (const [name, method] of Object.entries(definition)) {
    if (skip.includes(method.path)) continue;
    for (const key of [name, method.originalName]) {
      if (key && typeof implementation[key] === 'function') {
        out[key] = guard(verifier, method, implementation[key]);
      }
    }
  }
  return out;
}

module.exports = {TokenVerifier, UnauthenticatedError, bearerToken, wrapService,
                  MISSING_TOKEN};
