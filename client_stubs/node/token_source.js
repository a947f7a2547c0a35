'use strict';
// tokend token source for Node.js: one SubscribeToken stream that keeps a
// fresh token; same behaviour as every tokend stub (client_stubs/README.md).
//
// Attaching: grpc-js sends call credentials only over TLS, and it cannot
// compose them with an insecure unix-socket or loopback channel, so this
// module hands out per-call Metadata (source.metadata()) to pass to each
// call instead; over TLS, source.callCredentials() composes as usual.

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const MARKER = ['tokend-request', '1'];
// Where tokend is when no target is given and $TOKEND_TARGET is unset: the
// socket the Kubernetes manifests share with the app.
const DEFAULT_TARGET = 'unix:/run/tokend/tokend.sock';

// $TOKEND_TARGET (the manifests set it), else DEFAULT_TARGET.
function defaultTarget() {
  return process.env.TOKEND_TARGET || DEFAULT_TARGET;
}

// The protos: inside the package (npm pack copies them there), else the
// repository's proto/ when running from a checkout.
function protoRoot() {
  if (process.env.TOKEND_PROTO_DIR) return process.env.TOKEND_PROTO_DIR;
  const packaged = path.join(__dirname, 'proto');
  return fs.existsSync(path.join(packaged, 'tokend', 'v1', 'token_service.proto')) ?
      packaged : path.join(__dirname, '..', '..', 'proto');
}

let cachedPackage = null;
// The loaded tokend.v1 package (TokenService, KeyService and the messages).
// google/protobuf's well-known types come with protobufjs.
function tokendPackage() {
  if (!cachedPackage) {
    const def = protoLoader.loadSync(
        ['tokend/v1/token_service.proto', 'tokend/v1/key_service.proto'], {
      includeDirs: [protoRoot()],
      keepCase: true, longs: Number, enums: String, defaults: true,
      oneofs: true,
    });
    cachedPackage = grpc.loadPackageDefinition(def).tokend.v1;
  }
  return cachedPackage;
}

class TokenSourceError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;  // a grpc.status value
  }
}

function seconds(ts) {
  return ts ? Number(ts.seconds) + (ts.nanos || 0) / 1e9 : 0;
}

// The ErrorInfo reason in a failed call's google.rpc.Status details.
function errorReason(err) {
  const bins = err && err.metadata ? err.metadata.get('grpc-status-details-bin') : [];
  if (!bins || !bins.length) return '';
  // Without google.rpc types at hand, look for the reason string where
  // ErrorInfo puts it; tokend's reasons are upper-case words.
  const m = bins[0].toString('latin1').match(/type\.googleapis\.com\/google\.rpc\.ErrorInfo[\s\S]{2,4}?\n.([A-Z_]+)/);
  return m ? m[1] : '';
}

class TokenSource {
  // target: "unix:/path" or "host:port" (default $TOKEND_TARGET, else
  // unix:/run/tokend/tokend.sock); tenant; subject (user id).
  constructor({target, tenant, subject, spec, initialBackoffMs = 100,
               maxBackoffMs = 30000, expiryMarginMs = 1000}) {
    const v1 = tokendPackage();
    this._client = new v1.TokenService(target || defaultTarget(),
        grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': initialBackoffMs,
      'grpc.max_reconnect_backoff_ms': maxBackoffMs,
    });
    this._request = {tenant, spec: spec || {tenant, subject: {user_id: subject}}};
    this._initial = initialBackoffMs;
    this._max = maxBackoffMs;
    this._ceiling = initialBackoffMs;
    this._margin = expiryMarginMs;
    this._current = null;
    this._terminal = null;
    this._lastError = '';
    this._closing = false;
    this._call = null;
    this._timer = null;
    this._waiters = [];
    this.attempts = 0;
    this.events = 0;
    this.streamsWithEvent = 0;
    this._connect();
  }

  _valid() {
    return this._current && Date.now() < this._current.expiresAt * 1000 - this._margin;
  }

  // The current token; throws TokenSourceError at once when none is valid.
  current() {
    if (this._valid()) return this._current;
    if (this._terminal) {
      throw new TokenSourceError(this._terminal.code,
          'tokend token source stopped: ' + this._terminal.message);
    }
    throw new TokenSourceError(grpc.status.UNAVAILABLE,
        'tokend token source holds no valid token (' +
        (this._current ? 'the last one expired' : 'none received yet') + ')' +
        (this._lastError ? '; last error: ' + this._lastError : ''));
  }

  // Per-call metadata with the bearer token (throws when none is valid).
  metadata() {
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer ' + this.current().token);
    return md;
  }

  // Call credentials for TLS channels.
  callCredentials() {
    return grpc.credentials.createFromMetadataGenerator((_params, cb) => {
      try { cb(null, this.metadata()); } catch (e) { cb(e); }
    });
  }

  get terminalError() { return this._terminal; }

  // Resolves with the token once one is valid (start-up only).
  waitForToken(timeoutMs) {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        try { resolve(this.current()); } catch (e) { reject(e); }
      };
      const timer = setTimeout(done, timeoutMs);
      if (this._valid() || this._terminal) return done();
      this._waiters.push(done);
    });
  }

  close() {
    this._closing = true;
    clearTimeout(this._timer);
    if (this._call) this._call.cancel();
    this._client.close();
    this._wake();
  }

  _wake() {
    const w = this._waiters;
    this._waiters = [];
    w.forEach((f) => f());
  }

  _connect() {
    if (this._closing) return;
    this.attempts++;
    const request = Object.assign({}, this._request);
    if (this._current && Date.now() < this._current.expiresAt * 1000) {
      delete request.spec;
      request.current_token = this._current.token;
    }
    const md = new grpc.Metadata();
    md.set(MARKER[0], MARKER[1]);
    let hadEvent = false;
    const call = this._client.SubscribeToken(request, md);
    this._call = call;
    call.on('data', (event) => {
      const expires = seconds(event.expires_at);
      let token = event.token;
      // A resumed stream may confirm the presented token by its id alone.
      if (!token && this._current && event.token_id === this._current.tokenId) {
        token = this._current.token;
      }
      if (!token || expires * 1000 <= Date.now()) return;
      this._current = {token, tokenId: event.token_id, expiresAt: expires,
                       nextRefreshAt: seconds(event.next_refresh_at),
                       sequence: Number(event.sequence)};
      this.events++;
      if (!hadEvent) this.streamsWithEvent++;
      hadEvent = true;
      this._wake();
    });
    call.on('error', (err) => this._ended(err, hadEvent));
    call.on('end', () => this._ended(null, hadEvent));
  }

  _ended(err, hadEvent) {
    if (this._call === null) return;  // 'end' after 'error'
    this._call = null;
    if (this._closing) return;
    if (err) {
      this._lastError = (grpc.status[err.code] || err.code) + ': ' + err.details;
      const reason = errorReason(err);
      if (err.code === grpc.status.INVALID_ARGUMENT ||
          err.code === grpc.status.PERMISSION_DENIED || reason === 'REVOKED') {
        this._terminal = {code: err.code, message: this._lastError};
        if (reason === 'REVOKED') this._current = null;
        this._wake();
        return;
      }
    } else {
      this._lastError = 'stream ended';
    }
    // Full jitter; the ceiling restarts only after a valid event.
    if (hadEvent) this._ceiling = this._initial;
    const delay = Math.random() * this._ceiling;
    this._ceiling = Math.min(this._ceiling * 2, this._max);
    this._timer = setTimeout(() => this._connect(), delay);
  }
}

module.exports = {TokenSource, TokenSourceError, tokendPackage, defaultTarget,
                  DEFAULT_TARGET, MARKER};
