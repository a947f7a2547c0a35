'use strict';
// tokend's Node.js client: TokenSource (the calling side) and
// TokenVerifier + wrapService (the receiving side). See index.d.ts.
const grpc = require('@grpc/grpc-js');
const source = require('./token_source');
const verifier = require('./verifier');

module.exports = Object.assign({grpc}, source, verifier);
