package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) issue(t *testing.T, cn string, usage x509.ExtKeyUsage, notAfter time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// writeP12 encodes a client certificate as the bank would hand it out.
func writeP12(t *testing.T, ca *testCA, cn, password string, notAfter time.Time) string {
	t.Helper()
	cert, key := ca.issue(t, cn, x509.ExtKeyUsageClientAuth, notAfter)
	data, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca.cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), cn+".p12")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// bankFake requires a client certificate from the bank CA and the
// X-IBM-Client-Id header, and answers with the certificate's CN.
func bankFake(t *testing.T, ca *testCA) *httptest.Server {
	srvCert, srvKey := ca.issue(t, "api.bank.test", x509.ExtKeyUsageServerAuth, time.Now().Add(24*time.Hour))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-IBM-Client-Id") != "bank-client-id" {
			http.Error(w, "missing client id", 401)
			return
		}
		fmt.Fprint(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool(),
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestMTLSWithPKCS12(t *testing.T) {
	ca := newCA(t, "bank CA")
	srv := bankFake(t, ca)
	p12 := writeP12(t, ca, "client-42", "P12-PASSWORD", time.Now().Add(24*time.Hour))

	get := func(rt http.RoundTripper) (string, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/accounts", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return string(b), nil
	}

	m := &MTLS{File: p12, Password: secret.New("P12-PASSWORD"), RootCAs: ca.pool(), ClientID: secret.New("bank-client-id")}
	rt, err := m.RoundTripper()
	if err != nil {
		t.Fatal(err)
	}
	if cn, err := get(rt); err != nil || cn != "client-42" {
		t.Fatalf("with certificate: %q %v", cn, err)
	}

	// From bytes too, and the chain travels with the leaf.
	data, _ := os.ReadFile(p12)
	cert, err := LoadPKCS12(data, secret.New("P12-PASSWORD"))
	if err != nil || len(cert.Certificate) != 2 || cert.Leaf.Subject.CommonName != "client-42" {
		t.Fatalf("LoadPKCS12: %v %v", cert.Leaf, err)
	}

	t.Run("no client certificate", func(t *testing.T) {
		plain := http.DefaultTransport.(*http.Transport).Clone()
		plain.TLSClientConfig = &tls.Config{RootCAs: ca.pool()}
		defer plain.CloseIdleConnections()
		if _, err := get(&Transport{Credential: APIKey{Name: "X-IBM-Client-Id", Key: secret.New("bank-client-id")}, Base: plain}); err == nil {
			t.Fatal("handshake without a client certificate succeeded")
		}
	})
	t.Run("certificate of another CA is reported as rejected", func(t *testing.T) {
		other := newCA(t, "other CA")
		m := &MTLS{File: writeP12(t, other, "intruder", "pw", time.Now().Add(time.Hour)), Password: secret.New("pw"), RootCAs: ca.pool(), ClientID: secret.New("bank-client-id")}
		rt, err := m.RoundTripper()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := get(rt); !errors.Is(err, ErrCertificateRejected) {
			t.Fatalf("err = %v, want ErrCertificateRejected", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		m := &MTLS{File: p12, Password: secret.New("nope"), RootCAs: ca.pool()}
		if _, err := m.Transport(); !errors.Is(err, pkcs12.ErrIncorrectPassword) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("expired certificate", func(t *testing.T) {
		m := &MTLS{Data: secret.New(string(data)), Password: secret.New("P12-PASSWORD"), Clock: clock.NewFake(time.Now().Add(48 * time.Hour))}
		if _, err := m.TLSConfig(); !errors.Is(err, ErrCertificateExpired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing input", func(t *testing.T) {
		if _, err := (&MTLS{}).Certificate(); err == nil {
			t.Fatal("no error without File or Data")
		}
		if _, err := (&MTLS{File: filepath.Join(t.TempDir(), "none.p12")}).Certificate(); err == nil {
			t.Fatal("no error for a missing file")
		}
	})
}
