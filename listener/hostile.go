package listener

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Hostile kinds: endpoints that misbehave at the transport level, for the
// delivery client's robustness tests. Each binds 127.0.0.1:0 and answers the
// same way on every path.
const (
	HostileHang     = "hang"      // reads the request, never answers until Close
	HostileReset    = "reset"     // accepts, reads, then resets the connection (RST)
	HostileSlow     = "slow"      // answers 200 after HostileOptions.Delay
	HostileSlowBody = "slow-body" // sends 200 at once, then trickles the body over Delay
	HostileHuge     = "huge"      // answers 200 with a Size-byte body, streamed
	HostileRedirect = "redirect"  // answers 307 to RedirectTo
	HostileDown     = "down"      // an address where nothing listens
)

// HostileOptions tunes the hostile servers; zero values take the defaults.
type HostileOptions struct {
	// Delay is how long slow waits before answering, and how long slow-body
	// takes to trickle its body. Default 3s.
	Delay time.Duration
	// Size is the huge body's length in bytes. Default 10 MiB.
	Size int64
	// RedirectTo is where redirect points. Default: this server's
	// RedirectTargetPath, which answers 200 and counts the hits, so a test
	// can tell whether a client followed the redirect.
	RedirectTo string
}

const (
	defaultHostileDelay = 3 * time.Second
	defaultHugeSize     = 10 << 20
	// RedirectTargetPath is the redirect server's own default target.
	RedirectTargetPath = "/redirect-target"
)

// HostileKinds returns the hostile kinds, in a stable order.
func HostileKinds() []string {
	return []string{HostileHang, HostileReset, HostileSlow, HostileSlowBody, HostileHuge, HostileRedirect, HostileDown}
}

// StartHostile starts a hostile server with default options.
func StartHostile(kind string) (*Server, error) {
	return StartHostileWith(kind, HostileOptions{})
}

// StartHostileWith starts a hostile server of the given kind.
func StartHostileWith(kind string, opt HostileOptions) (*Server, error) {
	if opt.Delay < 0 || opt.Size < 0 {
		return nil, fmt.Errorf("listener: hostile options must not be negative")
	}
	if opt.Delay == 0 {
		opt.Delay = defaultHostileDelay
	}
	if opt.Size == 0 {
		opt.Size = defaultHugeSize
	}
	var (
		s   *Server
		err error
	)
	switch kind {
	case HostileDown:
		s, err = startDown()
	case HostileReset:
		s, err = startReset()
	case HostileHang, HostileSlow, HostileSlowBody, HostileHuge, HostileRedirect:
		h := &hostile{kind: kind, opt: opt}
		s, err = bindHTTP(h)
		if err == nil {
			h.srv = s
			if opt.RedirectTo == "" {
				h.opt.RedirectTo = s.URL + RedirectTargetPath
			}
			s.redirect.target = h.opt.RedirectTo
			s.serve()
		}
	default:
		return nil, fmt.Errorf("listener: unknown hostile kind %q (known: %s)", kind, strings.Join(HostileKinds(), ", "))
	}
	if err != nil {
		return nil, err
	}
	s.Kind = kind
	s.DecisionURL = s.URL + VeriffDecisionPath
	s.EventURL = s.URL + VeriffEventPath
	s.CallbackURL = s.URL + ShuftiCallbackPath
	return s, nil
}

// RedirectHits counts requests that reached the redirect server's own
// target, i.e. clients that followed its 307.
func (s *Server) RedirectHits() int { return int(s.redirect.hits.Load()) }

// RedirectTarget is where a redirect server points ("" for other servers).
func (s *Server) RedirectTarget() string { return s.redirect.target }

type redirectState struct {
	target string
	hits   atomic.Int64
}

type hostile struct {
	kind string
	opt  HostileOptions
	srv  *Server
}

const successBody = `{"status":"success"}`

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Read the request like a real server would, bounded.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, DefaultMaxBody))
	switch h.kind {
	case HostileHang:
		// Never answer; return only when the client gives up or on Close.
		select {
		case <-r.Context().Done():
		case <-h.srv.stop:
		}
		// Returning would send an empty 200; drop the connection instead.
		panic(http.ErrAbortHandler)
	case HostileSlow:
		select {
		case <-time.After(h.opt.Delay):
			writeJSON(w, http.StatusOK, successBody)
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		case <-h.srv.stop:
			panic(http.ErrAbortHandler)
		}
	case HostileSlowBody:
		h.trickle(w, r)
	case HostileHuge:
		h.huge(w)
	case HostileRedirect:
		if r.URL.Path == RedirectTargetPath {
			h.srv.redirect.hits.Add(1)
			writeJSON(w, http.StatusOK, successBody)
			return
		}
		w.Header().Set("Location", h.opt.RedirectTo)
		writeJSON(w, http.StatusTemporaryRedirect, `{"status":"fail","message":"Moved."}`)
	}
}

// trickle sends the status line at once and then one body byte at a time,
// spread over Delay: a client that times out only the headers never notices.
func (h *hostile) trickle(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(successBody)))
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	step := h.opt.Delay / time.Duration(len(successBody))
	t := time.NewTicker(max(step, time.Millisecond))
	defer t.Stop()
	for i := range len(successBody) {
		select {
		case <-t.C:
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		case <-h.srv.stop:
			panic(http.ErrAbortHandler)
		}
		if _, err := io.WriteString(w, successBody[i:i+1]); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// huge streams a valid JSON object of exactly Size bytes (at least the bare
// object) from one small buffer: nothing near Size is ever held in memory.
func (h *hostile) huge(w http.ResponseWriter) {
	const head, tail = `{"status":"success","padding":"`, `"}`
	pad := h.opt.Size - int64(len(head)+len(tail))
	if pad < 0 {
		writeJSON(w, http.StatusOK, successBody)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(h.opt.Size, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := []byte(strings.Repeat("x", 32<<10))
	for pad > 0 {
		select {
		case <-h.srv.stop:
			panic(http.ErrAbortHandler)
		default:
		}
		n := min(pad, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			return // the client stopped reading: good for it
		}
		pad -= n
	}
	_, _ = io.WriteString(w, tail)
}

// startReset accepts connections, reads what the client sent, then closes
// with SO_LINGER 0 so the kernel sends RST instead of FIN.
func startReset() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:       "http://" + ln.Addr().String(),
		ln:        ln,
		stop:      make(chan struct{}),
		serveDone: make(chan struct{}),
	}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	s.onStop = func() {
		mu.Lock()
		defer mu.Unlock()
		for c := range conns {
			_ = c.Close()
		}
	}
	go func() {
		defer close(s.serveDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by halt
			}
			mu.Lock()
			select {
			case <-s.stop:
				mu.Unlock()
				_ = c.Close()
				return
			default:
			}
			conns[c] = true
			mu.Unlock()
			s.active.add(1)
			go func() {
				defer s.active.add(-1)
				_ = c.SetReadDeadline(time.Now().Add(time.Second))
				buf := make([]byte, 4096)
				_, _ = c.Read(buf) // let the request arrive, so the RST answers it
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	return s, nil
}

// startDown takes a free port and releases it: connecting there is refused.
func startDown() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	url := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		return nil, err
	}
	s := &Server{URL: url, stop: make(chan struct{})}
	s.halt() // it is down from the start
	return s, nil
}
