package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Every provider's fake starts and answers on the printed URL.
func TestServesEveryProvider(t *testing.T) {
	for _, slug := range slugs() {
		t.Run(slug, func(t *testing.T) {
			pr, pw := io.Pipe()
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() { done <- run([]string{"-provider", slug}, pw, io.Discard, stop); pw.Close() }()
			line, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatalf("no startup line: %v (run: %v)", err, <-done)
			}
			url := strings.TrimSpace(line[strings.LastIndex(line, " "):])
			if !strings.HasPrefix(url, "http://127.0.0.1:") {
				t.Fatalf("startup line %q", line)
			}
			// Some fakes redirect plain http to https, as their provider does.
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noRedirect.Get(url + "/")
			if err != nil {
				t.Fatalf("GET %s: %v", url, err)
			}
			resp.Body.Close()
			close(stop)
			go io.Copy(io.Discard, pr)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"-provider", "nope"},
		{"-provider", "raynet", "-addr", "0.0.0.0:0"},
	} {
		if err := run(args, io.Discard, io.Discard, make(chan struct{})); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
