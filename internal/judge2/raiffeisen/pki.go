package raiffeisen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// PKI is a throwaway bank CA with a server certificate for 127.0.0.1 and a
// client certificate in a password-protected .p12, as Internet Banking
// hands it out.
type PKI struct {
	Roots        *x509.CertPool
	Server       tls.Certificate
	ClientP12    string
	P12Password  string
	clientSerial *big.Int
}

// NewPKI writes the client bundle into dir.
func NewPKI(dir string) (*PKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "judge bank CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, ip bool) (*x509.Certificate, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "judge"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		if ip {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		c, err := x509.ParseCertificate(der)
		return c, key, err
	}
	srv, srvKey, err := leaf(2, x509.ExtKeyUsageServerAuth, true)
	if err != nil {
		return nil, err
	}
	cli, cliKey, err := leaf(3, x509.ExtKeyUsageClientAuth, false)
	if err != nil {
		return nil, err
	}
	p := &PKI{Roots: x509.NewCertPool(), P12Password: "heslo-uzivatele", clientSerial: cli.SerialNumber,
		Server: tls.Certificate{Certificate: [][]byte{srv.Raw}, PrivateKey: srvKey, Leaf: srv}}
	p.Roots.AddCert(ca)
	bundle, err := pkcs12.Modern.Encode(cliKey, cli, []*x509.Certificate{ca}, p.P12Password)
	if err != nil {
		return nil, err
	}
	p.ClientP12 = filepath.Join(dir, "client.p12")
	return p, os.WriteFile(p.ClientP12, bundle, 0o600)
}

// TLSConfig asks for the client certificate without demanding it: the two
// FX-rate operations work with the Client-Id alone.
func (p *PKI) TLSConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Server}, ClientCAs: p.Roots,
		ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}
}
