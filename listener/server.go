package listener

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// closeWait bounds how long Close waits for the serving goroutines.
const closeWait = 5 * time.Second

// Server is a listener (or a hostile endpoint) serving on 127.0.0.1.
type Server struct {
	// URL is the base URL, http://127.0.0.1:<port>.
	URL string
	// DecisionURL and EventURL are the Veriff webhook URLs; CallbackURL is
	// the Shufti Pro one. A listener sets its provider's; a hostile server
	// sets all three, so any suite can aim at it.
	DecisionURL, EventURL, CallbackURL string
	// Listener is the listener behind a Start server; nil for hostile ones.
	Listener *Listener
	// Kind is the hostile kind; "" for Start servers.
	Kind string

	srv       *http.Server
	ln        net.Listener
	stop      chan struct{} // closed when the server stops serving
	stopOnce  sync.Once
	serveDone chan struct{} // closed when the accept loop has returned
	active    handlerCount
	onStop    func() // extra cleanup for raw-TCP servers
	closeErr  error

	redirect redirectState
}

// Start serves a listener on 127.0.0.1:0.
func Start(cfg Config) (*Server, error) {
	l, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s, err := bindHTTP(l.Handler())
	if err != nil {
		return nil, err
	}
	s.Listener = l
	// A simulated process exit stops the server from inside a handler.
	l.onExit = s.halt
	if l.profile.Provider == providerVeriff {
		s.DecisionURL = s.URL + VeriffDecisionPath
		s.EventURL = s.URL + VeriffEventPath
	} else {
		s.CallbackURL = s.URL + ShuftiCallbackPath
	}
	s.serve()
	return s, nil
}

// bindHTTP binds 127.0.0.1:0 for h; serve starts answering. They are apart
// so that everything handlers read is set before the first request.
func bindHTTP(h http.Handler) (*Server, error) {
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
	s.srv = &http.Server{
		Handler:           s.active.wrap(h),
		ReadHeaderTimeout: 10 * time.Second,
		// Handlers abort connections on purpose (simulated crashes);
		// the standard library does not log http.ErrAbortHandler.
	}
	return s, nil
}

func (s *Server) serve() {
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(s.ln)
	}()
}

// Done is closed when the server stops serving: after Close, or when a
// defective listener "exits" (crash-on-invalid-json, exits-after-first-webhook).
func (s *Server) Done() <-chan struct{} { return s.stop }

// halt stops serving at once: the listening socket and every open
// connection close, so new connections are refused, as after a process
// exit. It does not wait, so a handler may call it.
func (s *Server) halt() {
	s.stopOnce.Do(func() {
		if s.Listener != nil {
			s.Listener.dead.Store(true)
		}
		// Sockets first, then wake the waiting handlers: a handler woken
		// while its connection is still open must not get to answer.
		if s.srv != nil {
			s.closeErr = s.srv.Close()
		} else if s.ln != nil {
			s.closeErr = s.ln.Close()
		}
		if s.onStop != nil {
			s.onStop()
		}
		if s.Listener != nil {
			s.Listener.shutdown()
		}
		close(s.stop)
	})
}

// Close stops the server and waits, bounded, for its goroutines.
func (s *Server) Close() error {
	s.halt()
	deadline := time.After(closeWait)
	if s.serveDone != nil {
		select {
		case <-s.serveDone:
		case <-deadline:
			return errors.New("listener: server did not stop within 5s")
		}
	}
	if !s.active.waitIdle(closeWait) {
		return errors.New("listener: requests still running 5s after close")
	}
	if errors.Is(s.closeErr, net.ErrClosed) {
		return nil
	}
	return s.closeErr
}

// handlerCount tracks running handlers so Close can wait for them. A
// WaitGroup cannot: Add may race with Wait when a request arrives as the
// server closes.
type handlerCount struct {
	mu sync.Mutex
	n  int
}

func (c *handlerCount) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(1)
		defer c.add(-1)
		h.ServeHTTP(w, r)
	})
}

func (c *handlerCount) add(d int) {
	c.mu.Lock()
	c.n += d
	c.mu.Unlock()
}

func (c *handlerCount) running() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// waitIdle polls, bounded: handlers return promptly once the server's stop
// channel is closed, so this is short.
func (c *handlerCount) waitIdle(limit time.Duration) bool {
	end := time.Now().Add(limit)
	for c.running() > 0 {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}
