package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimitSpacesRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{Timeout: time.Second, Rate: 20})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < 5; i++ {
		if ex := c.Do(context.Background(), &Request{Method: "GET", URL: srv.URL}); !ex.Answered() {
			t.Fatal(ex.Err)
		}
	}
	// Five requests at 20/s are spaced 50 ms apart: at least 200 ms.
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("5 requests at 20/s took %s, want >= 200ms", d)
	}
}

func TestRateLimitHonoursContext(t *testing.T) {
	c, err := NewClient(ClientOptions{Timeout: time.Second, Rate: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c.Do(context.Background(), &Request{Method: "GET", URL: srv.URL}) // takes the first slot
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	ex := c.Do(ctx, &Request{Method: "GET", URL: srv.URL})
	if ex.Answered() || time.Since(start) > time.Second {
		t.Errorf("a cancelled wait must return promptly without sending (answered=%v after %s)", ex.Answered(), time.Since(start))
	}
	if _, err := NewClient(ClientOptions{Timeout: time.Second, Rate: -1}); err == nil {
		t.Error("a negative rate must be refused")
	}
}

func TestIsLoopback(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:8080/x": true, "http://localhost/x": true, "https://[::1]:9/x": true, "http://127.9.9.9/": true,
		"https://staging.example.com/hooks": false, "http://10.0.0.5/x": false, "http://localhost.example.com/": false,
	} {
		if got := IsLoopback(url); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", url, got, want)
		}
	}
}
