package clock

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

func TestAdvanceRunsTimersInDueOrderAtTheirTime(t *testing.T) {
	c := New(t0)
	var got []string
	var seen []time.Time
	rec := func(name string) func(time.Time) {
		return func(now time.Time) {
			got = append(got, name)
			seen = append(seen, now)
			if c.Now() != now {
				t.Errorf("%s: Now() %v inside callback, want %v", name, c.Now(), now)
			}
		}
	}
	c.Schedule(t0.Add(2*time.Hour), rec("b"))
	c.Schedule(t0.Add(time.Hour), rec("a"))
	c.Schedule(t0.Add(2*time.Hour), rec("c")) // same instant as b: scheduling order
	late := c.Schedule(t0.Add(10*time.Hour), rec("late"))
	n, err := c.Advance(3 * time.Hour)
	if err != nil || n != 3 {
		t.Fatalf("fired %d, err %v", n, err)
	}
	if want := []string{"a", "b", "c"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("order %v, want %v", got, want)
	}
	if !seen[0].Equal(t0.Add(time.Hour)) || !seen[1].Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("times %v", seen)
	}
	if !c.Now().Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("now %v", c.Now())
	}
	if !late.Stop() || late.Stop() {
		t.Fatal("Stop should report pending exactly once")
	}
	if n, _ := c.Advance(24 * time.Hour); n != 0 {
		t.Fatalf("stopped timer fired")
	}
	if c.Advanced() != 27*time.Hour {
		t.Fatalf("advanced %v", c.Advanced())
	}
}

func TestCallbacksScheduleMoreWithinOneAdvance(t *testing.T) {
	c := New(t0)
	count := 0
	var tick func(time.Time)
	tick = func(now time.Time) {
		count++
		c.Schedule(now.Add(12*time.Hour), tick)
	}
	c.Schedule(t0, tick)
	if _, err := c.Advance(7 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if count != 15 { // t0, +12h, ..., +168h
		t.Fatalf("ticks %d, want 15", count)
	}
}

func TestFireRunsOnlyDueTimersAndNeverMovesTime(t *testing.T) {
	c := New(t0)
	ran := 0
	c.Schedule(t0, func(time.Time) { ran++ })
	c.Schedule(t0.Add(time.Second), func(time.Time) { ran += 10 })
	if n, err := c.Fire(); n != 1 || err != nil || ran != 1 || !c.Now().Equal(t0) {
		t.Fatalf("fired %d err %v ran %d now %v", n, err, ran, c.Now())
	}
	if _, err := c.Advance(-time.Second); err == nil {
		t.Fatal("negative advance accepted")
	}
}

func TestRunawayCallbackIsBounded(t *testing.T) {
	c := New(t0)
	var again func(time.Time)
	again = func(now time.Time) { c.Schedule(now, again) }
	c.Schedule(t0, again)
	start := time.Now()
	if _, err := c.Fire(); !errors.Is(err, ErrTooManyFires) {
		t.Fatalf("err %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("bound too slow")
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"168h": 168 * time.Hour, "7d": 168 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "-1d", "1.5d", "d"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
