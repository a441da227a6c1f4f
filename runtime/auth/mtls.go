package auth

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

var (
	// ErrCertificateExpired means the client certificate is outside its
	// validity period, detected before any connection is made.
	ErrCertificateExpired error = permanentError("auth: client certificate expired or not yet valid")

	// ErrCertificateRejected means the server refused the TLS handshake
	// with a client certificate alert: the certificate is unknown, blocked
	// (the bank blocks certificates yearly until the user unblocks them in
	// Internet Banking), revoked or expired. Retrying will not help.
	ErrCertificateRejected error = permanentError("auth: client certificate rejected by the server")
)

// MTLS authenticates with a client certificate from a PKCS#12 (.p12)
// bundle, plus a client-id header: the bank Premium API's
// "X-IBM-Client-Id" with a bank-issued certificate.
type MTLS struct {
	// File is the path of the .p12 bundle; Data, if set, is used instead.
	File string
	// Data is the bundle itself (a Secret so that it never prints).
	Data secret.Secret
	// Password decrypts the bundle.
	Password secret.Secret
	// RootCAs verifies the server; nil means the system roots.
	RootCAs *x509.CertPool
	// ClientID, if set, is sent in ClientIDHeader on every request by
	// RoundTripper.
	ClientID secret.Secret
	// ClientIDHeader defaults to "X-IBM-Client-Id".
	ClientIDHeader string
	// Clock checks the certificate's validity period; nil means the wall
	// clock.
	Clock clock.Clock
	// Base is the transport to present the certificate with: the caller's
	// (its proxy, dialer and TLS settings are kept). nil means
	// http.DefaultTransport; it must be an *http.Transport, whose TLS
	// config is the only place a client certificate can go.
	Base http.RoundTripper
}

// LoadPKCS12 decodes a PKCS#12 bundle into a certificate for tls.Config,
// chain included.
func LoadPKCS12(data []byte, password secret.Secret) (tls.Certificate, error) {
	key, leaf, chain, err := pkcs12.DecodeChain(data, password.Reveal())
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("auth: decode PKCS#12: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("auth: PKCS#12 key of type %T cannot sign", key)
	}
	cert := tls.Certificate{PrivateKey: signer, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}

// Certificate loads the client certificate and checks its validity period.
func (m *MTLS) Certificate() (tls.Certificate, error) {
	data := []byte(m.Data.Reveal())
	if len(data) == 0 {
		if m.File == "" {
			return tls.Certificate{}, errors.New("auth: mTLS needs File or Data")
		}
		var err error
		if data, err = os.ReadFile(m.File); err != nil {
			return tls.Certificate{}, fmt.Errorf("auth: read PKCS#12: %w", err)
		}
	}
	cert, err := LoadPKCS12(data, m.Password)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := clock.Or(m.Clock).Now()
	if now.Before(cert.Leaf.NotBefore) || now.After(cert.Leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("%w: valid %s to %s", ErrCertificateExpired,
			cert.Leaf.NotBefore.UTC().Format("2006-01-02"), cert.Leaf.NotAfter.UTC().Format("2006-01-02"))
	}
	return cert, nil
}

// TLSConfig returns a client config presenting the certificate, TLS 1.2 or
// newer.
func (m *MTLS) TLSConfig() (*tls.Config, error) {
	cert, err := m.Certificate()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      m.RootCAs,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Transport returns a clone of Base (http.DefaultTransport when nil)
// whose TLS config also presents the certificate: one per certificate,
// since connections are pooled per transport. Base's TLS settings (CAs,
// server name, versions above 1.2) are kept; RootCAs, when set, replaces
// its CAs.
func (m *MTLS) Transport() (*http.Transport, error) {
	var t *http.Transport
	switch b := m.Base.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = b.Clone()
	default:
		return nil, fmt.Errorf("auth: mTLS needs an *http.Transport to present the client certificate, not %T (put wrapping transports in middleware instead)", m.Base)
	}
	cfg, err := m.TLSConfig()
	if err != nil {
		return nil, err
	}
	if t.TLSClientConfig != nil {
		own := t.TLSClientConfig.Clone()
		own.Certificates = cfg.Certificates
		if cfg.RootCAs != nil {
			own.RootCAs = cfg.RootCAs
		}
		own.MinVersion = max(own.MinVersion, cfg.MinVersion)
		cfg = own
	}
	t.TLSClientConfig = cfg
	return t, nil
}

// RoundTripper returns Transport with the client-id header added to every
// request and handshake rejections reported as ErrCertificateRejected. Use
// it as the Base of the client's chain.
func (m *MTLS) RoundTripper() (http.RoundTripper, error) {
	t, err := m.Transport()
	if err != nil {
		return nil, err
	}
	var base http.RoundTripper = transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := t.RoundTrip(req)
		if err != nil && certificateAlert(err) {
			err = fmt.Errorf("%w: %w", ErrCertificateRejected, err)
		}
		return resp, err
	})
	if m.ClientID.IsZero() {
		return base, nil
	}
	return &Transport{
		Credential: APIKey{Name: or(m.ClientIDHeader, "X-IBM-Client-Id"), Key: m.ClientID},
		Base:       base,
	}, nil
}

// certificateAlert reports whether err is a TLS alert from the server
// (crypto/tls reports those as net.OpError "remote error").
func certificateAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}
