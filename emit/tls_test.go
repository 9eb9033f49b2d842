package emit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/otlptest"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial int64

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a certificate for cn (a server's for 127.0.0.1 when server)
// and returns it with its key, in PEM.
func (ca *testCA) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// serverTLS is a receiver's TLS: a certificate for 127.0.0.1 from ca, and
// when clients is set, a client certificate from clients required.
func serverTLS(t *testing.T, ca, clients *testCA) *tls.Config {
	t.Helper()
	c, k := ca.issue(t, "collector", true)
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"h2", "http/1.1"}}
	if clients != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clients.cert)
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tlsReceiver is a TLS receiver of either protocol.
type tlsReceiver struct {
	endpoint  string
	calls     func() int
	client    func() string
	reconnect func() // drops connections, so that the next call handshakes again
}

func startTLSReceiver(t *testing.T, proto string, cfg *tls.Config) tlsReceiver {
	if proto == "grpc" {
		r := otlptest.StartTLS(t, cfg)
		return tlsReceiver{r.Endpoint(), r.Calls, r.ClientCert, func() { r.Stop(); r.Restart(t) }}
	}
	r := otlptest.StartHTTPTLS(t, cfg)
	return tlsReceiver{r.Endpoint(), r.Calls, r.ClientCert, func() {}}
}

func TestTLS(t *testing.T) {
	for _, proto := range []string{"grpc", "http/protobuf"} {
		t.Run(proto, func(t *testing.T) {
			dir := t.TempDir()
			ca, clientCA, other := newCA(t, "server CA"), newCA(t, "client CA"), newCA(t, "other CA")
			caFile := writeFile(t, filepath.Join(dir, "ca.pem"), ca.pem)
			send := func(t *testing.T, e *Exporter) Result {
				return e.Send(context.Background(), e.Encoder().Batch(records(2)))
			}
			short := func(c *Config) { c.Retry.MaxElapsed = time.Second }

			t.Run("right CA", func(t *testing.T) {
				noOTLPEnv(t)
				recv := startTLSReceiver(t, proto, serverTLS(t, ca, nil))
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) { c.Protocol = proto; c.TLS.CAFile = caFile })
				if !strings.HasSuffix(e.Destination(), "TLS)") {
					t.Errorf("destination %q", e.Destination())
				}
				if r := send(t, e); !r.OK() || r.Attempts != 1 {
					t.Fatalf("result %+v", r)
				}
			})
			t.Run("CA from the environment", func(t *testing.T) {
				noOTLPEnv(t)
				t.Setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", caFile)
				recv := startTLSReceiver(t, proto, serverTLS(t, ca, nil))
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) { c.Protocol = proto })
				if r := send(t, e); !r.OK() {
					t.Fatalf("result %+v", r)
				}
			})
			t.Run("wrong CA", func(t *testing.T) {
				noOTLPEnv(t)
				recv := startTLSReceiver(t, proto, serverTLS(t, other, nil))
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) { c.Protocol = proto; c.TLS.CAFile = caFile; short(c) })
				r := send(t, e)
				want := "collector's certificate not accepted with CA file " + caFile + ": x509: certificate signed by unknown authority"
				if r.Failed != 2 || r.Err == nil || !strings.Contains(r.Err.Error(), want) {
					t.Fatalf("result %+v, want the error to say %q", r, want)
				}
				if recv.calls() != 0 {
					t.Errorf("%d calls reached the collector", recv.calls())
				}
			})
			t.Run("skip verify", func(t *testing.T) {
				noOTLPEnv(t)
				recv := startTLSReceiver(t, proto, serverTLS(t, other, nil))
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) { c.Protocol = proto; c.TLS.InsecureSkipVerify = true })
				if r := send(t, e); !r.OK() {
					t.Fatalf("result %+v", r)
				}
				if !strings.HasSuffix(e.Destination(), "(TLS, certificate not verified)") && !strings.HasSuffix(e.Destination(), "TLS, certificate not verified)") {
					t.Errorf("destination %q", e.Destination())
				}
				if w := e.Warnings(); len(w) != 1 || !strings.Contains(w[0], "not verified") {
					t.Errorf("warnings %q", w)
				}
			})
			t.Run("mTLS without a client certificate", func(t *testing.T) {
				noOTLPEnv(t)
				recv := startTLSReceiver(t, proto, serverTLS(t, ca, clientCA))
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) { c.Protocol = proto; c.TLS.CAFile = caFile; short(c) })
				r := send(t, e)
				// The refusal shows as the server's TLS alert or as the
				// connection it then closed, as timing has it: the check is
				// that nothing got through.
				if r.Failed != 2 || r.Err == nil || !strings.Contains(r.Err.Error(), recv.endpoint[len("https://"):]) {
					t.Fatalf("result %+v", r)
				}
				if recv.calls() != 0 {
					t.Errorf("%d calls reached the collector", recv.calls())
				}
			})
			t.Run("mTLS client certificate rotated on reload", func(t *testing.T) {
				noOTLPEnv(t)
				recv := startTLSReceiver(t, proto, serverTLS(t, ca, clientCA))
				c1, k1 := clientCA.issue(t, "client-1", false)
				certFile := writeFile(t, filepath.Join(dir, "client.pem"), c1)
				keyFile := writeFile(t, filepath.Join(dir, "client.key"), k1)
				e, _ := newTestExporterAt(t, recv.endpoint, func(c *Config) {
					c.Protocol = proto
					c.TLS = TLSConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile, ServerName: "127.0.0.1"}
				})
				if r := send(t, e); !r.OK() || recv.client() != "client-1" {
					t.Fatalf("result %+v, client %q", r, recv.client())
				}
				c2, k2 := clientCA.issue(t, "client-2", false)
				writeFile(t, certFile, c2)
				writeFile(t, keyFile, k2)
				if err := e.Reload(); err != nil {
					t.Fatal(err)
				}
				recv.reconnect()
				if r := send(t, e); !r.OK() || recv.client() != "client-2" {
					t.Fatalf("after reload: result %+v, client %q", r, recv.client())
				}
				// A broken file on reload keeps the certificates in use.
				writeFile(t, keyFile, []byte("not a key"))
				if err := e.Reload(); err == nil || !strings.Contains(err.Error(), keyFile) {
					t.Errorf("reload error %v, want it to name %s", err, keyFile)
				}
				if r := send(t, e); !r.OK() || recv.client() != "client-2" {
					t.Fatalf("after a failed reload: result %+v, client %q", r, recv.client())
				}
			})
		})
	}
}

func TestTLSFilesCheckedAtStart(t *testing.T) {
	noOTLPEnv(t)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Endpoint: "c:4317", TLS: TLSConfig{CAFile: missing}}, "emit: TLS CA file: open " + missing + ": no such file"},
		{Config{Endpoint: "c:4317", TLS: TLSConfig{CertFile: missing}}, "give both or neither"},
		{Config{Endpoint: "c:4317", TLS: TLSConfig{CertFile: missing, KeyFile: missing}}, "emit: TLS client certificate " + missing},
		{Config{Endpoint: "http://c:4317", TLS: TLSConfig{CAFile: missing}}, "TLS settings are given but the connection to c:4317 is plain text"},
	} {
		_, err := New(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
