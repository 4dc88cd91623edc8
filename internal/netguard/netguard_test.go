package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		name       string
		allow      string
		onlyListed bool
		url        string
		wantErr    bool
	}{
		{"OK/public host", "", false, "https://hooks.example.com/tts", false},
		{"OK/public address", "", false, "http://93.184.216.34/cb", false},
		{"OK/listed loopback", "127.0.0.1", false, "http://127.0.0.1:9000/cb", false},
		{"OK/listed range", "10.0.0.0/8", false, "http://10.1.2.3/cb", false},
		{"OK/listed wildcard", "*.internal", true, "https://minio.internal:9000/b/k", false},
		{"OK/star", "*", true, "http://169.254.169.254/", false},
		{"Error/loopback", "", false, "http://127.0.0.1:8080/", true},
		{"Error/localhost name", "", false, "http://localhost/", true},
		{"Error/metadata", "", false, "http://169.254.169.254/latest/meta-data", true},
		{"Error/private", "", false, "http://192.168.1.1/", true},
		{"Error/ipv6 loopback", "", false, "http://[::1]/", true},
		{"Error/mapped ipv4 loopback", "", false, "http://[::ffff:127.0.0.1]/", true},
		{"Error/shared range", "", false, "http://100.64.0.1/", true},
		{"Error/unspecified", "", false, "http://0.0.0.0/", true},
		{"Error/scheme", "", false, "file:///etc/passwd", true},
		{"Error/user info", "", false, "https://u:p@hooks.example.com/", true},
		{"Error/no host", "", false, "http:///x", true},
		{"Error/not listed", "minio.internal", true, "https://hooks.example.com/", true},
		{"Error/wildcard is not the bare domain", "*.internal", true, "https://internal/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.allow, tt.onlyListed)
			if err != nil {
				t.Fatal(err)
			}
			err = p.CheckURL(tt.url)
			if (err != nil) != tt.wantErr {
				t.Errorf("CheckURL(%q) with allow %q = %v, want error %v", tt.url, tt.allow, err, tt.wantErr)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "a b", "host:80"} {
		t.Run("Error/"+bad, func(t *testing.T) {
			if _, err := Parse(bad, false); err == nil {
				t.Errorf("Parse(%q) accepted it", bad)
			}
		})
	}
	t.Run("OK/round trip", func(t *testing.T) {
		p, err := Parse(" a.example , *.b.example,10.0.0.0/8,::1 ", false)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.String(), "a.example,*.b.example,10.0.0.0/8,::1/128"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	})
}

// fakeResolver answers every name with fixed addresses: a name that
// rebinds to loopback after the URL check.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f, nil
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	loopback := fakeResolver{netip.MustParseAddr("127.0.0.1")}
	tests := []struct {
		name    string
		allow   string
		url     string
		want    int
		wantErr bool
	}{
		{"Error/name resolving to loopback", "", "http://rebind.example:" + port + "/", 0, true},
		{"OK/name on the list", "rebind.example", "http://rebind.example:" + port + "/", http.StatusNoContent, false},
		{"OK/address on the list", "127.0.0.0/8", "http://rebind.example:" + port + "/", http.StatusNoContent, false},
		{"OK/redirect is not followed", "127.0.0.1", "http://rebind.example:" + port + "/redirect", http.StatusFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.allow, false)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.client(5*time.Second, loopback).Get(tt.url)
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("GET %s connected", tt.url)
				}
				if !errors.Is(err, ErrDenied) {
					t.Errorf("error %v does not wrap ErrDenied", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
