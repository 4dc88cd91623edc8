// Package netguard decides which hosts ttsc may send requests to on a
// client's behalf: job-end callbacks and uploads to external URLs. A URL a
// client supplies must not become a way into the operator's own network
// (server-side request forgery), so addresses that are loopback, private,
// link-local (including cloud metadata services), unspecified or
// multicast are refused unless the operator allowed them.
//
// The check happens twice: on the URL when a request arrives, for a clear
// 400, and on every resolved address when connecting, so a name that
// resolves differently later (DNS rebinding) cannot slip through.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Policy is a set of allowed destinations. The zero Policy allows public
// addresses only.
type Policy struct {
	// OnlyListed refuses every host that is not on the list, public or
	// not (external uploads); otherwise public hosts are always allowed
	// and the list adds non-public ones (callbacks).
	OnlyListed bool
	hosts      []string       // exact host names, lowercase
	suffixes   []string       // from "*.example.com": ".example.com"
	prefixes   []netip.Prefix // addresses and CIDR ranges
	any        bool           // "*"
}

// Parse reads a comma-separated allow list. Entries are host names
// ("minio.internal"), wildcard domains ("*.example.com"), IP addresses
// ("10.0.0.7", "::1"), CIDR ranges ("10.0.0.0/8"), or "*" for every host.
func Parse(list string, onlyListed bool) (*Policy, error) {
	p := &Policy{OnlyListed: onlyListed}
	for e := range strings.SplitSeq(list, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case e == "*":
			p.any = true
		case strings.HasPrefix(e, "*."):
			p.suffixes = append(p.suffixes, e[1:])
		case strings.Contains(e, "/"):
			pfx, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("allow list entry %q is not a CIDR range: %v", e, err)
			}
			p.prefixes = append(p.prefixes, pfx.Masked())
		default:
			if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				p.prefixes = append(p.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(e, ":/ ") {
				return nil, fmt.Errorf("allow list entry %q is not a host name, address or CIDR range", e)
			}
			p.hosts = append(p.hosts, e)
		}
	}
	return p, nil
}

// String lists the policy's entries for logs and error messages.
func (p *Policy) String() string {
	var out []string
	if p.any {
		out = append(out, "*")
	}
	out = append(out, p.hosts...)
	for _, s := range p.suffixes {
		out = append(out, "*"+s)
	}
	for _, pfx := range p.prefixes {
		out = append(out, pfx.String())
	}
	return strings.Join(out, ",")
}

// listedHost reports whether the host name is on the list.
func (p *Policy) listedHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if p.any {
		return true
	}
	for _, h := range p.hosts {
		if h == host {
			return true
		}
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// listedAddr reports whether the address is on the list.
func (p *Policy) listedAddr(a netip.Addr) bool {
	if p.any {
		return true
	}
	a = a.Unmap()
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// Public reports whether a is an address on the public internet: not
// loopback, private (RFC 1918, unique local), shared (100.64.0.0/10),
// link-local (which holds cloud metadata services), unspecified,
// multicast or reserved.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, pfx := range nonPublic {
		if pfx.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are ranges the netip predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// ErrDenied is wrapped by every refusal.
var ErrDenied = errors.New("destination not allowed")

// allowedAddr decides one resolved address of host.
func (p *Policy) allowedAddr(host string, a netip.Addr) bool {
	if p.listedHost(host) || p.listedAddr(a) {
		return true
	}
	return !p.OnlyListed && Public(a)
}

// CheckURL checks a URL a client supplied: http or https, a host, no user
// information, and a destination the policy allows as far as can be told
// without resolving names. The error says why, for the client.
func (p *Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http or https URL")
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("has no host")
	}
	if u.User != nil {
		return fmt.Errorf("must not carry user information")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.allowedAddr(host, a) {
			return fmt.Errorf("points to %s, which this server does not send to: %w", host, ErrDenied)
		}
		return nil
	}
	if p.OnlyListed && !p.listedHost(host) {
		return fmt.Errorf("has host %s, which is not on this server's allow list: %w", host, ErrDenied)
	}
	if !p.listedHost(host) && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		return fmt.Errorf("points to %s, which this server does not send to: %w", host, ErrDenied)
	}
	return nil
}

// Resolver looks up host names; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Client returns an HTTP client that connects only where the policy
// allows, checking every address a name resolves to, ignores proxy
// settings (a proxy would hide the destination), does not follow
// redirects, and gives up after timeout.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return p.client(timeout, net.DefaultResolver)
}

func (p *Policy) client(timeout time.Duration, r Resolver) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		addrs, err := r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		var lastErr error = fmt.Errorf("%s: %w", host, ErrDenied)
		for _, a := range addrs {
			if !p.allowedAddr(host, a) {
				continue
			}
			c, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
