'use strict';
// The Node receiving side for run_verifier_test.py: a grpc-js server whose
// service goes through tokend-client's wrapService; the handlers answer with
// call.verified. Loads the package from TOKEND_CLIENT_MODULE (the checkout)
// or, as an installed package, by its name.
const client = require(process.env.TOKEND_CLIENT_MODULE || 'tokend-client');
const {grpc, TokenVerifier, wrapService} = client;

const raw = (b) => b;
const method = (name, responseStream) => ({
  path: '/tokend.test.Echo/' + name, requestStream: false, responseStream,
  requestSerialize: raw, requestDeserialize: raw,
  responseSerialize: raw, responseDeserialize: raw,
});
const definition = {Hello: method('Hello', false), Stream: method('Stream', true)};
const hello = (call) => Buffer.from('hello ' + call.verified.subject);

const verifier = new TokenVerifier({tenant: process.env.VERIFIER_TENANT});
const server = new grpc.Server();
server.addService(definition, wrapService(verifier, definition, {
  Hello(call, callback) { callback(null, hello(call)); },
  Stream(call) {
    call.write(hello(call));
    call.write(hello(call));
    call.end();
  },
}));
server.bindAsync(process.env.VERIFIER_ADDRESS, grpc.ServerCredentials.createInsecure(),
    (err) => {
      if (err) throw err;
      process.stdout.write('LISTENING\n');
    });
// Until the harness closes our stdin.
process.stdin.on('end', () => { server.forceShutdown(); verifier.close(); });
process.stdin.resume();
