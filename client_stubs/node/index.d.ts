// Types of tokend-client (index.js).
import * as grpc from '@grpc/grpc-js';

export {grpc};

/** The marker header every call to tokend carries. */
export const MARKER: readonly ['tokend-request', '1'];
/** unix:/run/tokend/tokend.sock: where tokend is without $TOKEND_TARGET. */
export const DEFAULT_TARGET: string;
/** $TOKEND_TARGET, else DEFAULT_TARGET. */
export function defaultTarget(): string;
/** The loaded tokend.v1 package (TokenService, KeyService, messages). */
export function tokendPackage(): grpc.GrpcObject;

/** What TokenSource hands out. `token` is a secret: never log it. */
export interface SourceToken {
  token: string;
  tokenId: string;
  /** Unix seconds. */
  expiresAt: number;
  nextRefreshAt: number;
  sequence: number;
}

export interface TokenSourceOptions {
  /** "unix:/path" or "host:port"; default $TOKEND_TARGET. */
  target?: string;
  tenant: string;
  /** The user id of the default spec. */
  subject?: string;
  /** An IssueTokenRequest (proto field names) instead of tenant + subject. */
  spec?: Record<string, unknown>;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  expiryMarginMs?: number;
}

export class TokenSourceError extends Error {
  /** A grpc.status value. */
  code: grpc.status;
}

/** One SubscribeToken stream that keeps a fresh token. */
export class TokenSource {
  constructor(options: TokenSourceOptions);
  /** The current token; throws TokenSourceError at once when none is valid. */
  current(): SourceToken;
  /** Metadata with `authorization: Bearer <token>` for one call. */
  metadata(): grpc.Metadata;
  /** Call credentials (TLS channels only). */
  callCredentials(): grpc.CallCredentials;
  /** Resolves once a token is valid (start-up only). */
  waitForToken(timeoutMs: number): Promise<SourceToken>;
  readonly terminalError: {code: grpc.status; message: string} | null;
  attempts: number;
  events: number;
  streamsWithEvent: number;
  close(): void;
}

/** tokend's verdict on a valid token. Holds no token. */
export interface Verified {
  subject: string;
  tokenId: string;
  tenant: string;
  /** Unix seconds. */
  expiresAt: number;
  /** The verified claims (google.protobuf.Struct as loaded). */
  claims: unknown;
  /** The whole VerifyTokenResponse (proto field names). */
  response: Record<string, unknown>;
}

/** The reason of a call without a bearer token. */
export const MISSING_TOKEN: 'MISSING_TOKEN';

/** A missing or invalid token; neither field holds the token. */
export class UnauthenticatedError extends Error {
  reason: string;
  detail: string;
}

export interface TokenVerifierOptions {
  tenant: string;
  /** Default $TOKEND_TARGET. */
  target?: string;
  /** An audience the token must have (default: the tenant's). */
  audience?: string;
  timeoutMs?: number;
}

/** Asks tokend (VerifyToken) about bearer tokens. */
export class TokenVerifier {
  constructor(options: TokenVerifierOptions);
  /** Rejects with UnauthenticatedError, or tokend's gRPC error. */
  verify(token: string | null | undefined): Promise<Verified>;
  close(): void;
}

/** The token of `authorization: Bearer <token>`, or null. */
export function bearerToken(metadata: grpc.Metadata | undefined): string | null;

/** A call whose bearer token verified: the handler reads `call.verified`. */
export type VerifiedCall<Call> = Call & {verified: Verified};

/**
 * A copy of `implementation` whose handlers verify each call's bearer token
 * through tokend first, and refuse it with UNAUTHENTICATED "<REASON>:
 * <detail>" (or UNAVAILABLE when tokend cannot answer).
 */
export function wrapService<Impl extends grpc.UntypedServiceImplementation>(
    verifier: TokenVerifier, definition: grpc.ServiceDefinition, implementation: Impl,
    options?: {skip?: string[]}): Impl;
