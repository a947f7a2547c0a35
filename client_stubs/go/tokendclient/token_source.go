// Package tokendclient keeps a fresh tokend token for a Go service: one
// SubscribeToken stream, reconnected with exponential backoff and full
// jitter (reset only after a valid event), resumed with the current token.
// Current never blocks on the network; it returns the token while valid,
// even with tokend down, and fails at once when there is none.
// INVALID_ARGUMENT, PERMISSION_DENIED and reason REVOKED are terminal.
package tokendclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/example/tokend/client_stubs/go/tokendv1"
)

// Token is what Current hands out. Token.Token is a secret: never log it.
type Token struct {
	Token         string
	TokenID       string
	ExpiresAt     time.Time
	NextRefreshAt time.Time
	Sequence      uint64
}

// DefaultTarget is where tokend is when no target is given and
// $TOKEND_TARGET is unset: the socket the manifests share with the app.
const DefaultTarget = "unix:/run/tokend/tokend.sock"

// Target is $TOKEND_TARGET (the Kubernetes manifests set it), else
// DefaultTarget.
func Target() string {
	if t := os.Getenv("TOKEND_TARGET"); t != "" {
		return t
	}
	return DefaultTarget
}

// Dial opens a plaintext connection to tokend at target ("" means
// Target()): a unix socket or loopback TCP.
func Dial(target string) (*grpc.ClientConn, error) {
	if target == "" {
		target = Target()
	}
	return grpc.Dial(target, grpc.WithInsecure())
}

// Options configure a TokenSource.
type Options struct {
	// Conn to tokend; nil: Start dials Target (or $TOKEND_TARGET) and
	// closes that connection on Close.
	Conn           *grpc.ClientConn
	Target         string
	Tenant         string
	Spec           *pb.IssueTokenRequest // default: Tenant + Subject
	Subject        string
	InitialBackoff time.Duration // default 100ms
	MaxBackoff     time.Duration // default 30s
	ExpiryMargin   time.Duration // default 1s
}

// TokenSource keeps the current token. Create with Start; Close when done.
type TokenSource struct {
	opts   Options
	client pb.TokenServiceClient
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	owned  *grpc.ClientConn // dialled by Start, closed by Close

	mu               sync.Mutex
	changed          chan struct{} // closed and replaced on every change
	current          *Token
	terminal         error
	lastErr          error
	Attempts         int64
	Events           int64
	StreamsWithEvent int64
}

// Start subscribes in the background. It fails only when it has to dial
// and the target is malformed.
func Start(opts Options) (*TokenSource, error) {
	var owned *grpc.ClientConn
	if opts.Conn == nil {
		conn, err := Dial(opts.Target)
		if err != nil {
			return nil, err
		}
		opts.Conn, owned = conn, conn
	}
	if opts.InitialBackoff == 0 {
		opts.InitialBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.ExpiryMargin == 0 {
		opts.ExpiryMargin = time.Second
	}
	if opts.Spec == nil {
		opts.Spec = &pb.IssueTokenRequest{Tenant: opts.Tenant,
			Subject: &pb.Subject{Kind: &pb.Subject_UserId{UserId: opts.Subject}}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &TokenSource{opts: opts, client: pb.NewTokenServiceClient(opts.Conn),
		ctx: ctx, cancel: cancel, done: make(chan struct{}), changed: make(chan struct{}),
		owned: owned}
	go s.run()
	return s, nil
}

// ErrNoToken wraps every "no valid token" error.
var ErrNoToken = errors.New("tokend token source holds no valid token")

func (s *TokenSource) validLocked() bool {
	return s.current != nil && time.Now().Before(s.current.ExpiresAt.Add(-s.opts.ExpiryMargin))
}

// Current returns the current token without waiting on the network.
func (s *TokenSource) Current() (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.validLocked() {
		return *s.current, nil
	}
	if s.terminal != nil {
		return Token{}, fmt.Errorf("%w: source stopped: %v", ErrNoToken, s.terminal)
	}
	why := "none received yet"
	if s.current != nil {
		why = "the last one expired"
	}
	if s.lastErr != nil {
		return Token{}, fmt.Errorf("%w (%s); last error: %v", ErrNoToken, why, s.lastErr)
	}
	return Token{}, fmt.Errorf("%w (%s)", ErrNoToken, why)
}

// WaitForToken waits up to timeout for a valid token (start-up only).
func (s *TokenSource) WaitForToken(timeout time.Duration) (Token, error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ready := s.validLocked() || s.terminal != nil
		ch := s.changed
		s.mu.Unlock()
		if ready {
			return s.Current()
		}
		select {
		case <-ch:
		case <-deadline:
			return s.Current()
		case <-s.done:
			return s.Current()
		}
	}
}

// Terminal is the error that stopped the source, or nil.
func (s *TokenSource) Terminal() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.terminal
}

// Stats returns attempts and streams that delivered a valid event.
func (s *TokenSource) Stats() (attempts, streamsWithEvent int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Attempts, s.StreamsWithEvent
}

// Close cancels the stream and waits for the background goroutine.
func (s *TokenSource) Close() {
	s.cancel()
	<-s.done
	if s.owned != nil {
		s.owned.Close()
	}
}

func (s *TokenSource) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ErrorReason is the ErrorInfo reason of a failed call, e.g. "REVOKED".
func ErrorReason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.Reason
		}
	}
	return ""
}

func (s *TokenSource) stream() (err error, hadEvent bool) {
	req := &pb.SubscribeTokenRequest{Tenant: s.opts.Tenant,
		Source: &pb.SubscribeTokenRequest_Spec{Spec: s.opts.Spec}}
	s.mu.Lock()
	s.Attempts++
	if s.current != nil && time.Now().Before(s.current.ExpiresAt) {
		req.Source = &pb.SubscribeTokenRequest_CurrentToken{CurrentToken: s.current.Token}
	}
	s.mu.Unlock()
	ctx := metadata.AppendToOutgoingContext(s.ctx, "tokend-request", "1")
	st, err := s.client.SubscribeToken(ctx, req, grpc.ForceCodec(codec{}))
	if err != nil {
		return err, false
	}
	for {
		ev, err := st.Recv()
		if err != nil {
			return err, hadEvent
		}
		expires := ev.GetExpiresAt().AsTime()
		s.mu.Lock()
		token := ev.GetToken()
		// A resumed stream may confirm the presented token by its id alone.
		if token == "" && s.current != nil && ev.GetTokenId() == s.current.TokenID {
			token = s.current.Token
		}
		if token != "" && expires.After(time.Now()) {
			s.current = &Token{Token: token, TokenID: ev.GetTokenId(), ExpiresAt: expires,
				NextRefreshAt: ev.GetNextRefreshAt().AsTime(), Sequence: ev.GetSequence()}
			s.Events++
			if !hadEvent {
				s.StreamsWithEvent++
			}
			hadEvent = true
			s.notifyLocked()
		}
		s.mu.Unlock()
	}
}

func (s *TokenSource) run() {
	defer close(s.done)
	ceiling := s.opts.InitialBackoff
	for {
		err, hadEvent := s.stream()
		if s.ctx.Err() != nil {
			return
		}
		code := status.Code(err)
		reason := ErrorReason(err)
		s.mu.Lock()
		s.lastErr = err
		if code == codes.InvalidArgument || code == codes.PermissionDenied || reason == "REVOKED" {
			s.terminal = err
			if reason == "REVOKED" {
				s.current = nil
			}
			s.notifyLocked()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		// Full jitter; the ceiling restarts only after a valid event.
		if hadEvent {
			ceiling = s.opts.InitialBackoff
		}
		delay := time.Duration(rand.Int63n(int64(ceiling) + 1))
		if ceiling *= 2; ceiling > s.opts.MaxBackoff {
			ceiling = s.opts.MaxBackoff
		}
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return
		}
	}
}

// PerRPCCredentials attaches "authorization: Bearer <token>" to calls.
type PerRPCCredentials struct {
	Source *TokenSource
	// Insecure allows plaintext channels (only for loopback or unix sockets
	// without local credentials).
	Insecure bool
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (c PerRPCCredentials) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	t, err := c.Source.Current()
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return map[string]string{"authorization": "Bearer " + t.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (c PerRPCCredentials) RequireTransportSecurity() bool { return !c.Insecure }

// codec marshals the generated (protobuf APIv2) messages directly: Debian's
// grpc 1.33 in GOPATH mode would otherwise use github.com/golang/protobuf
// 1.3, which cannot marshal them.
type codec struct{}

func (codec) Marshal(v interface{}) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }
func (codec) Unmarshal(data []byte, v interface{}) error {
	return proto.Unmarshal(data, v.(proto.Message))
}
func (codec) Name() string { return "proto" }
