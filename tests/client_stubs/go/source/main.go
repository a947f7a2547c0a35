// The Go token-source driver for run_stub_test.py (see its protocol).
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/status"

	"github.com/example/tokend/client_stubs/go/tokendclient"

	"tokend.test/drivers/rawcodec"
)

var stdin = bufio.NewReader(os.Stdin)

func newSource(target, tenant string) (*tokendclient.TokenSource, *grpc.ClientConn) {
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		panic(err)
	}
	src, err := tokendclient.Start(tokendclient.Options{Conn: conn, Tenant: tenant, Subject: "alice",
		InitialBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		panic(err)
	}
	return src, conn
}

func waitUntil(f func() bool, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if f() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f()
}

func echo(src *tokendclient.TokenSource) string {
	conn, err := grpc.Dial(os.Getenv("ECHO_TARGET"),
		grpc.WithTransportCredentials(local.NewCredentials()),
		grpc.WithPerRPCCredentials(tokendclient.PerRPCCredentials{Source: src}))
	if err != nil {
		return "error " + err.Error()
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in, out := []byte("hi"), []byte{}
	if err := conn.Invoke(ctx, "/tokend.test.Echo/Echo", &in, &out, grpc.ForceCodec(rawcodec.Codec{})); err != nil {
		return "error " + status.Convert(err).Message()
	}
	return string(out)
}

func terminal(label, tenant string) {
	src, conn := newSource(os.Getenv("TOKEND_TARGET"), tenant)
	waitUntil(func() bool { return src.Terminal() != nil }, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	code := "NONE"
	if err := src.Terminal(); err != nil {
		code = map[int]string{3: "INVALID_ARGUMENT", 7: "PERMISSION_DENIED"}[int(status.Code(err))]
	}
	attempts, _ := src.Stats()
	fmt.Println(label, code, attempts)
	src.Close()
	conn.Close()
}

func full() {
	dead, dconn := newSource(os.Getenv("TOKEND_DEAD_TARGET"), "app")
	t0 := time.Now()
	if _, err := dead.Current(); err != nil {
		fmt.Println("FAILFAST", float64(time.Since(t0).Microseconds())/1000, err.Error())
	} else {
		fmt.Println("FAILFAST 9999 got-a-token")
	}
	dead.Close()
	dconn.Close()
	terminal("NORETRY_DENIED", "other")
	terminal("NORETRY_INVALID", "")
	src, conn := newSource(os.Getenv("TOKEND_TARGET"), "app")
	defer conn.Close()
	tok, err := src.WaitForToken(15 * time.Second)
	if err != nil {
		fmt.Println("TOKEN none", err)
		return
	}
	fmt.Println("TOKEN", tok.TokenID, tok.Sequence)
	fmt.Println("ECHO", echo(src))
	fmt.Println("STOP_TOKEND")
	stdin.ReadString('\n')
	worst, same := 0.0, true
	for i := 0; i < 50; i++ {
		a := time.Now()
		t, err := src.Current()
		same = same && err == nil && t.TokenID == tok.TokenID
		if ms := float64(time.Since(a).Microseconds()) / 1000; ms > worst {
			worst = ms
		}
	}
	b := 0
	if same {
		b = 1
	}
	fmt.Println("DOWN", b, worst)
	fmt.Println("START_TOKEND")
	stdin.ReadString('\n')
	waitUntil(func() bool { _, s := src.Stats(); return s >= 2 }, 40*time.Second)
	attempts, streams := src.Stats()
	fmt.Println("RESUMED", streams, attempts)
	fmt.Println("ECHO2", echo(src))
	c0 := time.Now()
	src.Close()
	fmt.Println("CLOSED", float64(time.Since(c0).Microseconds())/1000)
}

func renewal() {
	src, conn := newSource(os.Getenv("TOKEND_TARGET"), "short")
	defer conn.Close()
	tok, err := src.WaitForToken(15 * time.Second)
	if err != nil {
		fmt.Println("TOKEN none 0")
		return
	}
	fmt.Println("TOKEN", tok.TokenID, tok.ExpiresAt.Unix())
	var cur tokendclient.Token
	renewed := waitUntil(func() bool {
		t, err := src.Current()
		cur = t
		return err == nil && t.TokenID != tok.TokenID
	}, time.Until(tok.ExpiresAt))
	r := 0
	if renewed {
		r = 1
	}
	fmt.Println("RENEWAL", r, cur.TokenID, cur.Sequence)
	src.Close()
}

func main() {
	if os.Getenv("STUB_MODE") == "full" {
		full()
	} else {
		renewal()
	}
	fmt.Println("DONE")
}
