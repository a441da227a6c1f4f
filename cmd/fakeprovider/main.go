// Command fakeprovider serves one of the fake provider servers of
// internal/fakes on a local address, for demos and for trying the
// examples by hand:
//
//	go run ./cmd/fakeprovider -provider raynet -addr 127.0.0.1:8080
//
// The fakes accept the demo credentials of their DefaultConfig and enforce
// the provider's documented auth, limits and error shapes.
package main

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/apigen-go/apigen/internal/fakes/boxnow"
	"github.com/apigen-go/apigen/internal/fakes/foxdeli"
	"github.com/apigen-go/apigen/internal/fakes/jtlffn"
	"github.com/apigen-go/apigen/internal/fakes/launchdarkly"
	"github.com/apigen-go/apigen/internal/fakes/pdfgenerator"
	"github.com/apigen-go/apigen/internal/fakes/petrosoft"
	"github.com/apigen-go/apigen/internal/fakes/productconfigurator"
	"github.com/apigen-go/apigen/internal/fakes/raiffeisen"
	"github.com/apigen-go/apigen/internal/fakes/raynet"
	"github.com/apigen-go/apigen/internal/fakes/segnivo"
	"github.com/apigen-go/apigen/internal/fakes/xsale"
)

// fakes builds each provider's fake with its documented defaults.
var fakes = map[string]func() http.Handler{
	"boxnow":              func() http.Handler { return boxnow.New(boxnow.DefaultConfig()) },
	"foxdeli":             func() http.Handler { return foxdeli.New(foxdeli.DefaultConfig()) },
	"jtlffn":              func() http.Handler { return jtlffn.New(jtlffn.DefaultConfig()) },
	"launchdarkly":        func() http.Handler { return launchdarkly.New(launchdarkly.DefaultConfig()) },
	"pdfgenerator":        func() http.Handler { return pdfgenerator.New(pdfgenerator.DefaultConfig()) },
	"petrosoft":           func() http.Handler { return petrosoft.New(petrosoft.DefaultConfig()) },
	"productconfigurator": func() http.Handler { return productconfigurator.New(productconfigurator.DefaultConfig()) },
	"raiffeisen":          func() http.Handler { return raiffeisen.New(raiffeisen.DefaultConfig()) },
	"raynet":              func() http.Handler { return raynet.New(raynet.DefaultConfig()) },
	"segnivo":             func() http.Handler { return segnivo.New(segnivo.DefaultConfig()) },
	"xsale":               func() http.Handler { return xsale.New(xsale.DefaultConfig()) },
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, interrupted()); err != nil {
		fmt.Fprintln(os.Stderr, "fakeprovider:", err)
		os.Exit(2)
	}
}

func interrupted() <-chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	return c
}

// run serves until stop delivers; it prints the base URL first.
func run[T any](args []string, stdout, stderr io.Writer, stop <-chan T) error {
	fs := flag.NewFlagSet("fakeprovider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	provider := fs.String("provider", "", "provider slug: "+strings.Join(slugs(), ", "))
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	useTLS := fs.Bool("tls", false, "serve https with a self-signed certificate")
	certOut := fs.String("cert-out", "", "with -tls: write the server certificate (PEM) here, for the client's root CAs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	newFake, ok := fakes[*provider]
	if !ok {
		return fmt.Errorf("unknown -provider %q; one of %s", *provider, strings.Join(slugs(), ", "))
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("-addr must be a loopback address: the fakes accept demo credentials")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := httptest.NewUnstartedServer(newFake())
	srv.Listener.Close()
	srv.Listener = ln
	if *useTLS {
		srv.StartTLS()
		if *certOut != "" {
			if err := writeCert(*certOut, srv.TLS); err != nil {
				srv.Close()
				return err
			}
		}
	} else {
		srv.Start()
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "%s fake listening on %s\n", *provider, srv.URL)
	<-stop
	return nil
}

func writeCert(path string, cfg *tls.Config) error {
	if cfg == nil || len(cfg.Certificates) == 0 || len(cfg.Certificates[0].Certificate) == 0 {
		return errors.New("no server certificate")
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cfg.Certificates[0].Certificate[0]})
	return os.WriteFile(path, pemBytes, 0o644)
}

func slugs() []string {
	var s []string
	for k := range fakes {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}
