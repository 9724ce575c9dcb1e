// Command load is the load generator of bench/mock-vs-prism.sh: the same
// client, with the same request mix, for the conform mock and for Stoplight
// Prism, so their throughput can be compared in one run.
//
// Each of -c workers plays a Veriff client in a loop until -d has passed:
//
//  1. POST /v1/sessions with a fresh body (its own vendorData, the current
//     time as timestamp), signed: X-SIGNATURE = hex(sha256(body || secret));
//  2. GET /v1/sessions/{id}/decision for the id the answer named, signed over
//     the id (the client polls: no decision yet);
//  3. with -decide only (the conform mock): the tester decides the session
//     through the mock's admin API, POST /_conform/sessions/{id}/decision —
//     not a client request, not counted, but its time is spent by the worker;
//  4. GET /v1/sessions/{id}/decision again (the client polls: decided).
//
// Steps 1, 2 and 4 are the counted client requests. The API key and secret
// come from CONFORM_API_KEY and CONFORM_API_SECRET and are never printed.
//
// The result is one JSON object on stdout: requests per second, latency
// percentiles, answers by operation and status, and, with -pid, the server's
// CPU use and memory (VmRSS samples, VmHWM) read from /proc while it ran.
//
// Bounds: traffic goes only to a loopback -url; the run stops at -d (at most
// 10 minutes), every request times out after 10 s, at most 256 workers, and
// at most 1<<20 latencies are kept per worker.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	maxWorkers     = 256
	maxDuration    = 10 * time.Minute
	requestTimeout = 10 * time.Second
	maxLatencies   = 1 << 20 // per worker
	maxAnswer      = 1 << 20 // bytes read from one answer
	maxShown       = 3       // non-2xx answers echoed to stderr per operation
)

// Operations, as counted in the result.
const (
	opCreate = "create"      // POST /v1/sessions
	opPoll   = "decision"    // GET /v1/sessions/{id}/decision (both polls)
	opDecide = "adminDecide" // POST /_conform/sessions/{id}/decision (not counted)
)

type config struct {
	base       *url.URL
	workers    int
	duration   time.Duration
	decide     bool
	verifySigs int
	pid        int
	rssEvery   time.Duration
	label      string
	apiKey     string
	secret     string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	res, err := run(context.Background(), cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	rawURL := fs.String("url", "", "base `URL` of the server, e.g. http://127.0.0.1:8089 (loopback only)")
	c := fs.Int("c", 32, "concurrent workers (connections), at most 256")
	d := fs.Duration("d", 10*time.Second, "how long to send load, at most 10m")
	decide := fs.Bool("decide", false, "decide each session through the conform mock's admin API (not counted)")
	verify := fs.Int("verify-signatures", 0, "check the X-SIGNATURE of the first `N` answers of each worker (conform mock)")
	pid := fs.Int("pid", 0, "server process `id` to measure (CPU, VmRSS, VmHWM from /proc)")
	rssEvery := fs.Duration("rss-every", time.Second, "how often to sample the server's VmRSS")
	label := fs.String("label", "", "name of the server, copied into the result")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return config{}, fmt.Errorf("-url %q: want http://127.0.0.1:PORT", *rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return config{}, fmt.Errorf("-url %q: only loopback addresses are allowed", *rawURL)
	}
	if *c < 1 || *c > maxWorkers {
		return config{}, fmt.Errorf("-c %d: want 1..%d", *c, maxWorkers)
	}
	if *d <= 0 || *d > maxDuration {
		return config{}, fmt.Errorf("-d %s: want more than 0 and at most %s", *d, maxDuration)
	}
	if *rssEvery < 100*time.Millisecond {
		return config{}, fmt.Errorf("-rss-every %s: want at least 100ms", *rssEvery)
	}
	cfg := config{base: u, workers: *c, duration: *d, decide: *decide, verifySigs: *verify, pid: *pid,
		rssEvery: *rssEvery, label: *label, apiKey: os.Getenv("CONFORM_API_KEY"), secret: os.Getenv("CONFORM_API_SECRET")}
	if cfg.apiKey == "" || cfg.secret == "" {
		return config{}, errors.New("set CONFORM_API_KEY and CONFORM_API_SECRET (the client signs with them)")
	}
	return cfg, nil
}

// Result is what one run measured.
type Result struct {
	Label        string                    `json:"label"`
	Workers      int                       `json:"workers"`
	Seconds      float64                   `json:"seconds"`
	Requests     int64                     `json:"requests"` // counted client requests that got an answer
	RPS          float64                   `json:"rps"`
	Non2xx       int64                     `json:"non2xx"`
	Errors       int64                     `json:"errors"` // transport errors and unusable answers
	Non2xxRatio  float64                   `json:"non2xxRatio"`
	P50ms        float64                   `json:"p50ms"`
	P90ms        float64                   `json:"p90ms"`
	P99ms        float64                   `json:"p99ms"`
	Flows        int64                     `json:"flows"` // create + poll (+ decide) + poll, complete
	ByOp         map[string]map[string]int `json:"byOp"`  // op -> status (or "error") -> count
	SigChecked   int64                     `json:"signaturesChecked"`
	SigBad       int64                     `json:"signaturesBad"`
	ServerCPU    float64                   `json:"serverCPU,omitempty"` // CPU seconds of the server per wall second
	RSSStartKiB  int64                     `json:"rssStartKiB,omitempty"`
	RSSEndKiB    int64                     `json:"rssEndKiB,omitempty"`
	RSSMaxKiB    int64                     `json:"rssMaxKiB,omitempty"`
	HWMKiB       int64                     `json:"vmHWMKiB,omitempty"`
	RSSSamples   []int64                   `json:"rssSamplesKiB,omitempty"`
	FirstFailure string                    `json:"firstFailure,omitempty"`
}

type workerStats struct {
	lat        []uint32 // microseconds
	byOp       map[string]map[string]int
	requests   int64
	non2xx     int64
	errors     int64
	flows      int64
	sigChecked int64
	sigBad     int64
	shown      map[string]int
	firstFail  string
}

func (s *workerStats) count(op, status string) {
	m := s.byOp[op]
	if m == nil {
		m = map[string]int{}
		s.byOp[op] = m
	}
	m[status]++
}

func (s *workerStats) fail(msg string) {
	if s.firstFail == "" {
		s.firstFail = msg
	}
}

func run(parent context.Context, cfg config, logw io.Writer) (*Result, error) {
	tr := &http.Transport{
		MaxIdleConns: cfg.workers, MaxIdleConnsPerHost: cfg.workers, MaxConnsPerHost: cfg.workers,
		IdleConnTimeout: 30 * time.Second, DisableCompression: true, ForceAttemptHTTP2: false,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	var mon *monitor
	if cfg.pid > 0 {
		var err error
		if mon, err = startMonitor(cfg.pid, cfg.rssEvery); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(parent, cfg.duration)
	defer cancel()
	start := time.Now()
	stats := make([]*workerStats, cfg.workers)
	var wg sync.WaitGroup
	var logMu sync.Mutex
	for i := range stats {
		st := &workerStats{byOp: map[string]map[string]int{}, shown: map[string]int{}}
		stats[i] = st
		w := &worker{cfg: cfg, id: i, client: client, st: st, log: func(s string) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintln(logw, s)
		}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if elapsed > cfg.duration {
		elapsed = cfg.duration // answers after the deadline are not counted
	}

	res := &Result{Label: cfg.label, Workers: cfg.workers, Seconds: elapsed.Seconds(), ByOp: map[string]map[string]int{}}
	var lat []uint32
	for _, st := range stats {
		res.Requests += st.requests
		res.Non2xx += st.non2xx
		res.Errors += st.errors
		res.Flows += st.flows
		res.SigChecked += st.sigChecked
		res.SigBad += st.sigBad
		if res.FirstFailure == "" {
			res.FirstFailure = st.firstFail
		}
		lat = append(lat, st.lat...)
		for op, m := range st.byOp {
			if res.ByOp[op] == nil {
				res.ByOp[op] = map[string]int{}
			}
			for k, v := range m {
				res.ByOp[op][k] += v
			}
		}
	}
	res.RPS = float64(res.Requests) / res.Seconds
	if res.Requests+res.Errors > 0 {
		res.Non2xxRatio = float64(res.Non2xx+res.Errors) / float64(res.Requests+res.Errors)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.P50ms, res.P90ms, res.P99ms = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99)
	if mon != nil {
		mon.stop(res)
	}
	return res, nil
}

func pct(sorted []uint32, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)) + 0.5)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i]) / 1000
}

type worker struct {
	cfg    config
	id     int
	client *http.Client
	st     *workerStats
	log    func(string)
	seq    int
	sigs   int
}

func (w *worker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		w.seq++
		id, ok := w.create(ctx)
		if !ok {
			continue
		}
		if !w.poll(ctx, id) {
			continue
		}
		if w.cfg.decide && !w.decide(ctx, id) {
			continue
		}
		if !w.poll(ctx, id) {
			continue
		}
		w.st.flows++
	}
}

// sessionBody is a realistic session request: every member the contract
// allows except features and additionalData, a non-ASCII name, and a unique
// vendorData so no two bodies (and signatures) are alike.
func (w *worker) sessionBody() []byte {
	vendor := fmt.Sprintf("bench-w%03d-%09d", w.id, w.seq)
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	return []byte(`{"verification":{"callback":"https://shop.conform.test/kyc/done",` +
		`"person":{"firstName":"Ingrid","lastName":"Sølbakken","idNumber":"12048712345"},` +
		`"document":{"number":"NP1234567","type":"PASSPORT","country":"NO"},` +
		`"vendorData":"` + vendor + `","lang":"nb","timestamp":"` + ts + `"}}`)
}

func (w *worker) sign(payload []byte) string {
	h := sha256.New()
	h.Write(payload)
	h.Write([]byte(w.cfg.secret))
	return hex.EncodeToString(h.Sum(nil))
}

func (w *worker) create(ctx context.Context) (string, bool) {
	body := w.sessionBody()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.base.JoinPath("/v1/sessions").String(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-AUTH-CLIENT", w.cfg.apiKey)
	req.Header.Set("X-SIGNATURE", w.sign(body))
	status, answer, ok := w.do(ctx, opCreate, req, true)
	if !ok || status/100 != 2 {
		return "", false
	}
	var doc struct {
		Verification struct {
			ID string `json:"id"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(answer, &doc); err != nil || len(doc.Verification.ID) < 20 || strings.ContainsAny(doc.Verification.ID, "/?#") {
		w.st.errors++
		w.st.count(opCreate, "no-id")
		w.st.fail(fmt.Sprintf("create: answer has no usable verification.id: %.200s", answer))
		return "", false
	}
	return doc.Verification.ID, true
}

func (w *worker) poll(ctx context.Context, id string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.cfg.base.JoinPath("/v1/sessions", id, "decision").String(), nil)
	req.Header.Set("X-AUTH-CLIENT", w.cfg.apiKey)
	req.Header.Set("X-SIGNATURE", w.sign([]byte(id)))
	status, _, ok := w.do(ctx, opPoll, req, true)
	return ok && status/100 == 2
}

func (w *worker) decide(ctx context.Context, id string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.base.JoinPath("/_conform/sessions", id, "decision").String(),
		strings.NewReader(`{"status":"approved"}`))
	req.Header.Set("Content-Type", "application/json")
	status, _, ok := w.do(ctx, opDecide, req, false)
	return ok && status/100 == 2
}

// do sends one request and reads the answer. Counted requests go into the
// throughput and latency figures; a request cut off by the end of the run is
// not counted at all.
func (w *worker) do(ctx context.Context, op string, req *http.Request, counted bool) (int, []byte, bool) {
	t0 := time.Now()
	resp, err := w.client.Do(req)
	var answer []byte
	if err == nil {
		answer, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
	}
	took := time.Since(t0)
	if ctx.Err() != nil {
		return 0, nil, false
	}
	if err != nil {
		w.st.errors++
		w.st.count(op, "error")
		w.st.fail(fmt.Sprintf("%s: %v", op, err))
		return 0, nil, false
	}
	status := resp.StatusCode
	w.st.count(op, strconv.Itoa(status))
	if counted {
		w.st.requests++
		if len(w.st.lat) < maxLatencies {
			us := took.Microseconds()
			if us > 1<<32-1 {
				us = 1<<32 - 1
			}
			w.st.lat = append(w.st.lat, uint32(us))
		}
	}
	if status/100 != 2 {
		if counted {
			w.st.non2xx++
		} else {
			w.st.errors++
		}
		msg := fmt.Sprintf("%s %s -> %d %s: %.300s", req.Method, req.URL.Path, status, resp.Header.Get("X-Conform-Detail"), answer)
		w.st.fail(msg)
		if w.st.shown[op] < maxShown {
			w.st.shown[op]++
			w.log("load: " + msg)
		}
		return status, answer, true
	}
	if counted && w.sigs < w.cfg.verifySigs {
		w.sigs++
		w.st.sigChecked++
		if resp.Header.Get("X-SIGNATURE") != w.sign(answer) {
			w.st.sigBad++
			w.st.fail(fmt.Sprintf("%s %s: answer's X-SIGNATURE does not verify", req.Method, req.URL.Path))
		}
	}
	return status, answer, true
}

// monitor samples the server's memory while the load runs and reads its CPU
// time before and after.
type monitor struct {
	pid     int
	t0      time.Time
	cpu0    float64
	done    chan struct{}
	stopped chan struct{}
	samples []int64
}

func startMonitor(pid int, every time.Duration) (*monitor, error) {
	cpu, err := cpuSeconds(pid)
	if err != nil {
		return nil, fmt.Errorf("-pid %d: %w", pid, err)
	}
	m := &monitor{pid: pid, t0: time.Now(), cpu0: cpu, done: make(chan struct{}), stopped: make(chan struct{})}
	m.sample()
	go func() {
		defer close(m.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-m.done:
				return
			case <-t.C:
				m.sample()
			}
		}
	}()
	return m, nil
}

func (m *monitor) sample() {
	if st, err := procStatus(m.pid); err == nil {
		m.samples = append(m.samples, st["VmRSS"])
	}
}

func (m *monitor) stop(res *Result) {
	close(m.done)
	<-m.stopped
	m.sample()
	if cpu, err := cpuSeconds(m.pid); err == nil {
		res.ServerCPU = (cpu - m.cpu0) / time.Since(m.t0).Seconds()
	}
	if st, err := procStatus(m.pid); err == nil {
		res.HWMKiB = st["VmHWM"]
	}
	res.RSSSamples = m.samples
	if n := len(m.samples); n > 0 {
		res.RSSStartKiB, res.RSSEndKiB = m.samples[0], m.samples[n-1]
		for _, s := range m.samples {
			res.RSSMaxKiB = max(res.RSSMaxKiB, s)
		}
	}
}

// procStatus reads the kB figures of /proc/PID/status (VmRSS, VmHWM…).
func procStatus(pid int) (map[string]int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		f := strings.Fields(v)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, nil
}

// cpuSeconds is the process's user + system CPU time (all its threads), from
// /proc/PID/stat, in clock ticks of 1/100 s (USER_HZ on Linux).
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after ")" are fixed.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64) // field 14 utime
	st, err2 := strconv.ParseFloat(f[12], 64) // field 15 stime
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return (ut + st) / 100, nil
}
