package input

import (
	"net"
	"net/url"
)

// IsLoopback reports whether host names this computer only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SecureURL reports whether raw is a URL a credential may be sent to: https,
// or http to this computer only.
func SecureURL(raw string) bool {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" && IsLoopback(u.Hostname())
}
