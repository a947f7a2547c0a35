package tokendclient

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/example/tokend/client_stubs/go/tokendv1"
)

// MissingToken is the reason of a call without a bearer token (the stubs'
// own: tokend never sees such a call, so its catalogue has no such verdict).
const MissingToken = "MISSING_TOKEN"

// Verified is what tokend said about a valid token. It holds no token.
type Verified struct {
	Subject   string
	TokenID   string
	Tenant    string
	ExpiresAt time.Time
	Response  *pb.VerifyTokenResponse
}

// UnauthenticatedError is a missing or invalid token: the reason (e.g.
// "TOKEN_EXPIRED") and tokend's detail, neither of which holds the token.
type UnauthenticatedError struct {
	Reason, Detail string
}

func (e *UnauthenticatedError) Error() string {
	if strings.HasPrefix(e.Detail, e.Reason+":") { // tokend's details start with it
		return e.Detail
	}
	return e.Reason + ": " + e.Detail
}

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// Conn to tokend; nil: NewVerifier dials Target (or $TOKEND_TARGET).
	Conn   *grpc.ClientConn
	Target string
	// Tenant that verifies the tokens (required).
	Tenant string
	// Audience the token must have; "": the tenant's.
	Audience string
	// Timeout of each VerifyToken call (default 5s).
	Timeout time.Duration
	// SkipMethods are full method-name prefixes the interceptors let
	// through unverified (default: "/grpc.health.v1.Health/").
	SkipMethods []string
}

// Verifier asks tokend about the bearer tokens of incoming calls. Safe for
// concurrent use. Verdicts are not cached: a revocation applies to the next
// call.
type Verifier struct {
	opts   VerifierOptions
	client pb.TokenServiceClient
	owned  *grpc.ClientConn
}

// NewVerifier fails only when it has to dial and the target is malformed.
func NewVerifier(opts VerifierOptions) (*Verifier, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.SkipMethods == nil {
		opts.SkipMethods = []string{"/grpc.health.v1.Health/"}
	}
	v := &Verifier{opts: opts}
	if opts.Conn == nil {
		conn, err := Dial(opts.Target)
		if err != nil {
			return nil, err
		}
		v.opts.Conn, v.owned = conn, conn
	}
	v.client = pb.NewTokenServiceClient(v.opts.Conn)
	return v, nil
}

// Close closes the connection NewVerifier dialled, if any.
func (v *Verifier) Close() error {
	if v.owned != nil {
		return v.owned.Close()
	}
	return nil
}

// Verify asks tokend about token. It returns *UnauthenticatedError for a
// missing or invalid token, or tokend's gRPC error when it did not answer.
func (v *Verifier) Verify(ctx context.Context, token string) (*Verified, error) {
	if token == "" {
		return nil, &UnauthenticatedError{MissingToken, "no authorization: Bearer <token> metadata"}
	}
	req := &pb.VerifyTokenRequest{Tenant: v.opts.Tenant, Token: token}
	if v.opts.Audience != "" {
		req.Expectations = &pb.VerifyExpectations{Audience: v.opts.Audience}
	}
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	// Only the marker header goes to tokend, not the caller's metadata.
	ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs("tokend-request", "1"))
	r, err := v.client.VerifyToken(ctx, req, grpc.ForceCodec(codec{}))
	if err != nil {
		return nil, err
	}
	if !r.GetValid() {
		reason := r.GetReason()
		if reason == "" {
			reason = "INVALID"
		}
		return nil, &UnauthenticatedError{reason, r.GetDetail()}
	}
	return &Verified{Subject: r.GetSubject(), TokenID: r.GetTokenId(), Tenant: r.GetTenant(),
		ExpiresAt: r.GetExpiresAt().AsTime(), Response: r}, nil
}

// BearerToken is the token of "authorization: Bearer <token>" in the
// incoming metadata of ctx, or "".
func BearerToken(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, value := range md.Get("authorization") {
		scheme, token, ok := strings.Cut(value, " ")
		if ok && strings.EqualFold(scheme, "bearer") && strings.TrimSpace(token) != "" {
			return strings.TrimSpace(token)
		}
	}
	return ""
}

type verifiedKey struct{}

// FromContext is the Verified of the call being handled behind the
// interceptors.
func FromContext(ctx context.Context) (*Verified, bool) {
	v, ok := ctx.Value(verifiedKey{}).(*Verified)
	return v, ok
}

// authenticate returns ctx carrying the Verified, or the status to refuse
// the call with: UNAUTHENTICATED "<REASON>: <detail>", or UNAVAILABLE when
// tokend did not answer (never let through unverified).
func (v *Verifier) authenticate(ctx context.Context, method string) (context.Context, error) {
	for _, prefix := range v.opts.SkipMethods {
		if strings.HasPrefix(method, prefix) {
			return ctx, nil
		}
	}
	verified, err := v.Verify(ctx, BearerToken(ctx))
	if err != nil {
		if u, ok := err.(*UnauthenticatedError); ok {
			return nil, status.Error(codes.Unauthenticated, u.Error())
		}
		return nil, status.Errorf(codes.Unavailable, "tokend could not verify the token: %s",
			status.Code(err))
	}
	return context.WithValue(ctx, verifiedKey{}, verified), nil
}

// UnaryServerInterceptor verifies each unary call's bearer token through
// tokend; the handler reads the result with FromContext.
func UnaryServerInterceptor(v *Verifier) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo,
		handler grpc.UnaryHandler) (interface{}, error) {
		ctx, err := v.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor verifies each stream's bearer token before the
// handler runs; the handler reads the result with FromContext(ss.Context()).
func StreamServerInterceptor(v *Verifier) grpc.StreamServerInterceptor {
	return func(srv interface{}, ss grpc.ServerStream, info *grpc.StreamServerInfo,
		handler grpc.StreamHandler) error {
		ctx, err := v.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &verifiedStream{ServerStream: ss, ctx: ctx})
	}
}

type verifiedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *verifiedStream) Context() context.Context { return s.ctx }
