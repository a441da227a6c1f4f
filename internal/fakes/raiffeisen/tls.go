package raiffeisen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// TLSOptions configures NewTLSServer.
type TLSOptions struct {
	// ClientCAs verifies client certificates: the bank's issuing CA.
	ClientCAs *x509.CertPool
	// ClientAuth is the handshake policy. The zero value (NoClientCert)
	// means tls.VerifyClientCertIfGiven, which matches §8.2: the FX-rates
	// operations work without a certificate and the handler refuses every
	// other operation without a verified one. tls.RequireAndVerifyClientCert
	// refuses certificate-less clients at the handshake instead, FX included.
	ClientAuth tls.ClientAuthType
	// Certificate is the server's certificate; nil uses httptest's built-in
	// one (trusted by the returned server's Client()).
	Certificate *tls.Certificate
}

// NewTLSServer starts h (normally a *Server) on 127.0.0.1 over TLS that
// asks for a client certificate (§8.2 mTLS). Close it when done.
//
// A client trusts the server through srv.Client().Transport's RootCAs (or
// the CA of opts.Certificate) and presents its certificate in
// TLSClientConfig.Certificates.
func NewTLSServer(h http.Handler, opts TLSOptions) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	auth := opts.ClientAuth
	if auth == tls.NoClientCert {
		auth = tls.VerifyClientCertIfGiven
	}
	srv.TLS = &tls.Config{ClientAuth: auth, ClientCAs: opts.ClientCAs, MinVersion: tls.VersionTLS12}
	if opts.Certificate != nil {
		srv.TLS.Certificates = []tls.Certificate{*opts.Certificate}
	}
	srv.StartTLS()
	return srv
}

// CA is a throwaway certificate authority generated at run time, standing
// in for the bank's client-certificate issuer in tests.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// PEM is Cert in PEM form.
	PEM []byte
}

// NewCA generates a CA valid from notBefore for ten years.
func NewCA(commonName string, notBefore time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Fake Bank"}},
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Pool returns a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// IssueClient issues a client certificate (extended key usage clientAuth)
// with the given serial number, valid over [notBefore, notAfter]. The
// serial is what BlockCertificate and RestrictCertificate refer to.
func (ca *CA) IssueClient(commonName string, serial int64, notBefore, notAfter time.Time) (tls.Certificate, error) {
	return ca.issue(&x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// IssueServer issues a server certificate for 127.0.0.1, ::1 and
// localhost, valid for a year from notBefore.
func (ca *CA) IssueServer(serial int64, notBefore time.Time) (tls.Certificate, error) {
	return ca.issue(&x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    notBefore,
		NotAfter:     notBefore.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	})
}

func (ca *CA) issue(tmpl *x509.Certificate) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
