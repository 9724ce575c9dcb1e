package main

import (
	"reflect"
	"testing"
)

// remoteHosts decides which runs are rate-limited and announced; it is pure,
// so no test ever sends traffic to a host that is not this machine.
func TestRemoteHosts(t *testing.T) {
	cases := []struct {
		target string
		urls   map[string]string
		want   []string
	}{
		{"http://127.0.0.1:8080", nil, nil},
		{"http://localhost:8080", map[string]string{"event": "http://[::1]:9/e"}, nil},
		{"", map[string]string{"decision": "https://staging.example.com/d", "event": "https://staging.example.com/e"}, []string{"staging.example.com"}},
		{"http://127.0.0.1:1", map[string]string{"callback": "https://hooks.example.org:8443/cb"}, []string{"hooks.example.org:8443"}},
	}
	for _, tc := range cases {
		if got := remoteHosts(tc.target, tc.urls); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("remoteHosts(%q, %v) = %v, want %v", tc.target, tc.urls, got, tc.want)
		}
	}
}
