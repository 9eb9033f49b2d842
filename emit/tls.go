package emit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
)

// tlsSource holds the certificates of the connection to the collector and
// hands them to each TLS handshake, so that reload can swap them while the
// exporter runs: a rotated client certificate or CA is used from the next
// connection on, without a restart. The tls.Config it builds reads the
// current ones through GetClientCertificate and VerifyConnection instead
// of holding copies.
type tlsSource struct {
	files      TLSConfig
	serverName string // the name the collector's certificate must carry
	skipVerify bool

	mu    sync.RWMutex
	roots *x509.CertPool   // nil: the system's roots
	cert  *tls.Certificate // nil: no client certificate
}

// newTLSSource reads the files of tc; host is the endpoint's host, the
// name checked when tc has no ServerName.
func newTLSSource(tc TLSConfig, host string) (*tlsSource, error) {
	if (tc.CertFile == "") != (tc.KeyFile == "") {
		return nil, fmt.Errorf("emit: TLS client certificate %q and key %q: give both or neither", tc.CertFile, tc.KeyFile)
	}
	s := &tlsSource{files: tc, serverName: tc.ServerName, skipVerify: tc.InsecureSkipVerify}
	if s.serverName == "" {
		s.serverName = host
	}
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// reload reads the certificate files again. On an error the certificates
// in use stay, and the error names the file.
func (s *tlsSource) reload() error {
	var roots *x509.CertPool
	if f := s.files.CAFile; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("emit: TLS CA file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("emit: TLS CA file %s: no PEM certificate in it", f)
		}
	}
	var cert *tls.Certificate
	if s.files.CertFile != "" {
		c, err := tls.LoadX509KeyPair(s.files.CertFile, s.files.KeyFile)
		if err != nil {
			return fmt.Errorf("emit: TLS client certificate %s with key %s: %w", s.files.CertFile, s.files.KeyFile, err)
		}
		cert = &c
	}
	s.mu.Lock()
	s.roots, s.cert = roots, cert
	s.mu.Unlock()
	return nil
}

// config is the tls.Config of every connection to the collector. With a
// CA file, Go's own verification is replaced by verify, which reads the
// current roots; without one, Go verifies against the system's roots.
func (s *tlsSource) config() *tls.Config {
	c := &tls.Config{
		MinVersion:           tls.VersionTLS12,
		ServerName:           s.files.ServerName,
		GetClientCertificate: s.clientCertificate,
	}
	switch {
	case s.skipVerify:
		c.InsecureSkipVerify = true
	case s.files.CAFile != "":
		c.InsecureSkipVerify = true // verify below, against the current roots
		c.VerifyConnection = s.verify
	}
	return c
}

// clientCertificate offers the current client certificate, or none.
func (s *tlsSource) clientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cert == nil {
		return &tls.Certificate{}, nil
	}
	return s.cert, nil
}

// verify checks the collector's certificate chain against the CA file's
// certificates and its name against serverName, as Go's default
// verification would against the system's roots.
func (s *tlsSource) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("emit: the collector sent no TLS certificate")
	}
	s.mu.RLock()
	roots := s.roots
	s.mu.RUnlock()
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: s.serverName})
	if err != nil {
		return fmt.Errorf("collector's certificate not accepted with CA file %s: %w", s.files.CAFile, err)
	}
	return nil
}
