package pipeline

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// readmeNginxBlocks returns the nginx code blocks of README.md's section
// "See nginx in your traces", in order.
func readmeNginxBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "## See nginx in your traces")
	if i < 0 {
		t.Fatal(`README.md has no section "See nginx in your traces"`)
	}
	s = s[i+3:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```nginx\n(.*?)```").FindAllStringSubmatch(s, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestNginxRecipe runs the README's nginx recipe in the real nginx: its
// log_format and map blocks, verbatim, in an http block, with a server that
// forwards $forwarded_traceparent as the README's server block does, in front
// of a backend that records the traceparent it received. The log, read with
// the shipped rules, must give one trace caller → nginx → backend: the nginx
// span's parent is the caller's span, and its id is the parent-id the backend
// received; without a caller, nginx starts the trace. It needs nginx
// (Debian: apt-get install nginx) and skips without it.
func TestNginxRecipe(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx is not installed (apt-get install nginx): the README's nginx recipe is not run")
	}
	t.Chdir("../..")
	blocks := readmeNginxBlocks(t)
	if len(blocks) != 3 {
		t.Fatalf("README: %d nginx blocks in \"See nginx in your traces\", want 3 (formats, forwarding maps, server)", len(blocks))
	}
	formats, forwarding, server := blocks[0], blocks[1], blocks[2]
	if !strings.Contains(server, "proxy_set_header traceparent $forwarded_traceparent;") || !strings.Contains(server, "logspan_json_fwd") {
		t.Fatalf("README's server block does not forward and log $forwarded_traceparent:\n%s", server)
	}
	// The first block's access_log names a system path: keep the formats only.
	formats = regexp.MustCompile(`(?m)^access_log .*$`).ReplaceAllString(formats, "")

	var mu sync.Mutex
	received := map[string]string{} // request path -> traceparent the backend got
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received[r.URL.Path] = r.Header.Get("traceparent")
		mu.Unlock()
		fmt.Fprintln(w, "ok")
	}))
	defer backend.Close()

	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // nginx's workers may run as another user
		t.Fatal(err)
	}
	// nginx inherits its listening socket from the test (the NGINX
	// variable, as in its binary upgrade): requests wait in the socket's
	// queue until nginx accepts them, so nothing polls for nginx to start.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	lf, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	defer lf.Close()
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events {}
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[2]s
%[3]s
    server {
        listen %[4]s;
        access_log %[1]s/access.json.log logspan_json_fwd;
        location / {
            proxy_set_header traceparent $forwarded_traceparent;
            proxy_pass %[5]s;
        }
    }
}
`, dir, formats, forwarding, addr, backend.URL)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nginx, "-t", "-c", confPath, "-p", dir).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, "-c", confPath, "-p", dir)
	cmd.ExtraFiles = []*os.File{lf} // fd 3
	cmd.Env = append(os.Environ(), "NGINX=3;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	requests := []struct{ path, traceparent string }{
		{"/with-caller", caller},
		{"/without-caller", ""},
	}
	client := &http.Client{}
	for _, r := range requests {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s%s", addr, r.path), nil)
		if r.traceparent != "" {
			req.Header.Set("traceparent", r.traceparent)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s through nginx: %v", r.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s through nginx: %s", r.path, resp.Status)
		}
	}
	// A graceful stop (SIGQUIT) finishes the requests and their log lines
	// before nginx exits.
	if err := cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stopped = true

	cfg := loadShippedRules(t)
	p := NewProcessor(cfg.Rules)
	lines := readLines(t, filepath.Join(dir, "access.json.log"))
	if len(lines) != len(requests) {
		t.Fatalf("%d log lines, want %d", len(lines), len(requests))
	}
	for i, line := range lines {
		r := requests[i]
		res := p.Process([]byte(line))
		if res.Rule < 0 || cfg.Rules[res.Rule].Name != "nginx_json" || res.Span == nil {
			t.Fatalf("line %d not read into a span by nginx_json: %s", i+1, line)
		}
		s := res.Span
		got := strings.Split(received[r.path], "-")
		if len(got) != 4 {
			t.Fatalf("%s: the backend received traceparent %q", r.path, received[r.path])
		}
		if s.TraceID.String() != got[1] || s.SpanID.String() != got[2] {
			t.Errorf("%s: nginx span %s/%s, but the backend's parent is %s/%s", r.path, s.TraceID, s.SpanID, got[1], got[2])
		}
		if r.traceparent != "" {
			want := strings.Split(r.traceparent, "-")
			if s.TraceID.String() != want[1] || s.Parent.String() != want[2] {
				t.Errorf("%s: nginx span in trace %s with parent %s, want the caller's %s and %s", r.path, s.TraceID, s.Parent, want[1], want[2])
			}
		} else if s.HasParent() {
			t.Errorf("%s: parent %s, want nginx to start the trace", r.path, s.Parent)
		}
	}
}
