// Package clock is a virtual clock that drives a scheduler.
//
// The mock provider promises things that take days (a session expires after 7
// days, a webhook is retried "for up to a week"). Nobody can wait that long in
// CI, so time inside the mock is virtual: it stands still until someone calls
// Advance, and everything scheduled in between runs in due order, each
// callback seeing Now() equal to its own due time. A week passes in
// milliseconds and every timestamp the mock writes is the one a real provider
// would have written.
package clock

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MaxFiresPerAdvance bounds how many callbacks one Advance or Fire may run. A
// callback that keeps rescheduling itself at the current instant would
// otherwise spin forever; hitting the bound is reported as an error.
const MaxFiresPerAdvance = 1_000_000

// ErrTooManyFires is returned when MaxFiresPerAdvance is exceeded.
var ErrTooManyFires = errors.New("clock: too many scheduled callbacks fired in one step (a callback reschedules itself without moving forward?)")

// Clock is a virtual clock. The zero value is not usable; call New.
type Clock struct {
	mu       sync.Mutex
	now      time.Time
	start    time.Time
	timers   timerHeap
	seq      uint64
	firing   sync.Mutex // serializes Advance and Fire: one timeline
	advanced time.Duration
}

// New returns a clock standing at start (converted to UTC).
func New(start time.Time) *Clock {
	start = start.UTC()
	return &Clock{now: start, start: start}
}

// Now is the current virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Start is the time the clock was created at.
func (c *Clock) Start() time.Time { return c.start }

// Advanced is the total duration the clock has been moved forward.
func (c *Clock) Advanced() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advanced
}

// Timer is one scheduled callback.
type Timer struct {
	c     *Clock
	at    time.Time
	seq   uint64
	f     func(now time.Time)
	index int // position in the heap, -1 once fired or stopped
}

// At is the virtual time the callback is due.
func (t *Timer) At() time.Time { return t.at }

// Stop cancels the timer. It reports whether the timer was still pending.
func (t *Timer) Stop() bool {
	if t == nil {
		return false
	}
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	t.index = -1
	return true
}

// Schedule runs f when the clock reaches at. A time at or before Now is due
// immediately: it runs on the next Fire or Advance, never inside Schedule, so
// a caller holding its own lock cannot deadlock on its callback.
func (c *Clock) Schedule(at time.Time, f func(now time.Time)) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &Timer{c: c, at: at.UTC(), seq: c.seq, f: f}
	heap.Push(&c.timers, t)
	return t
}

// Pending is the number of scheduled timers.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next returns the due time of the earliest pending timer.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].at, true
}

// Fire runs every timer that is due at the current time, without moving the
// clock, and returns how many ran.
func (c *Clock) Fire() (int, error) {
	c.firing.Lock()
	defer c.firing.Unlock()
	return c.runUntil(c.Now(), false)
}

// Advance moves the clock forward by d, running every timer due on the way in
// due order (ties in scheduling order). While a callback runs, Now() is its
// due time; afterwards the clock stands at the old time plus d. Callbacks may
// schedule further timers; those due before the target run in the same call.
func (c *Clock) Advance(d time.Duration) (int, error) {
	if d < 0 {
		return 0, fmt.Errorf("clock: cannot go back in time (%s)", d)
	}
	c.firing.Lock()
	defer c.firing.Unlock()
	c.mu.Lock()
	target := c.now.Add(d)
	c.advanced += d
	c.mu.Unlock()
	return c.runUntil(target, true)
}

func (c *Clock) runUntil(target time.Time, move bool) (int, error) {
	fired := 0
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].at.After(target) {
			if move && c.now.Before(target) {
				c.now = target
			}
			c.mu.Unlock()
			return fired, nil
		}
		if fired >= MaxFiresPerAdvance {
			if move && c.now.Before(target) {
				c.now = target
			}
			c.mu.Unlock()
			return fired, ErrTooManyFires
		}
		t := heap.Pop(&c.timers).(*Timer)
		t.index = -1
		if t.at.After(c.now) {
			c.now = t.at
		}
		now := c.now
		c.mu.Unlock()
		t.f(now)
		fired++
	}
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return t
}

// ParseDuration accepts Go durations plus a day unit ("7d", "1d12h"), because
// the mock's promises are stated in days.
func ParseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if i := indexDay(rest); i >= 0 {
		var days int
		if _, err := fmt.Sscanf(rest[:i], "%d", &days); err != nil || fmt.Sprint(days) != rest[:i] || days < 0 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 90m, 168h or 7d", s)
		}
		total = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
		if rest == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 90m, 168h or 7d", s)
	}
	return total + d, nil
}

func indexDay(s string) int {
	for i, r := range s {
		if r == 'd' {
			return i
		}
	}
	return -1
}
