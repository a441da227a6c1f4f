package downstream_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/downstream/segnivo"
	"github.com/apigen-go/apigen/runtime/secret"
)

// startFake runs cmd/fakeprovider (a tool of this module too) serving the
// Segnivo fake over https on a loopback port, and returns its base URL and
// an HTTP client that trusts its certificate.
func startFake(t *testing.T) (string, *http.Client) {
	t.Helper()
	// "go tool -n" builds the tool and prints its path: the test runs the
	// binary itself, so that killing it at the end stops the server.
	bin, err := exec.Command("go", "tool", "-n", "fakeprovider").Output()
	if err != nil {
		t.Fatalf("go tool -n fakeprovider: %v", err)
	}
	cert := filepath.Join(t.TempDir(), "cert.pem")
	cmd := exec.Command(strings.TrimSpace(string(bin)), "-provider", "segnivo", "-addr", "127.0.0.1:0", "-tls", "-cert-out", cert)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("fakeprovider printed no address: %v", err)
	}
	_, url, ok := strings.Cut(strings.TrimSpace(line), " listening on ")
	if !ok {
		t.Fatalf("fakeprovider said %q", line)
	}
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	return url, hc
}

func TestClientAgainstFake(t *testing.T) {
	url, hc := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	client, err := segnivo.New(url+"/v1", segnivo.WithHTTPClient(hc),
		segnivo.WithCredentials(segnivo.Credentials{APIKey: secret.New("fake-segnivo-key")}))
	if err != nil {
		t.Fatal(err)
	}
	created, err := client.CreateMailingList(ctx, &segnivo.MailingListRequest{
		Name: "Newsletter", FromName: "Shop", FromEmail: "news@shop.example",
		Contact: segnivo.ListContact{Company: "Shop Ltd", Email: "office@shop.example"},
	})
	if err != nil {
		t.Fatalf("CreateMailingList: %v", err)
	}
	uid, ok := created.ListUID.Get()
	if !ok || uid == "" {
		t.Fatalf("CreateMailingList returned no list_uid: %+v", created)
	}
	one, err := client.GetMailingList(ctx, uid)
	if err != nil {
		t.Fatalf("GetMailingList(%q): %v", uid, err)
	}
	if one.UID != uid || one.Name != "Newsletter" {
		t.Errorf("GetMailingList = %+v, want the list just created", one)
	}
	lists, err := client.ListMailingLists(ctx)
	if err != nil {
		t.Fatalf("ListMailingLists: %v", err)
	}
	if len(lists) != 1 || lists[0].UID != uid {
		t.Errorf("ListMailingLists = %+v, want the one list created", lists)
	}

	// A wrong key is the provider's 401, as the one *APIError type.
	bad, err := segnivo.New(url+"/v1", segnivo.WithHTTPClient(hc),
		segnivo.WithCredentials(segnivo.Credentials{APIKey: secret.New("wrong")}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.ListMailingLists(ctx)
	var apiErr *segnivo.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: err = %v, want a 401 *APIError", err)
	}
}
