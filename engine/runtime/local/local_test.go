package local

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
)

var start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Concurrent sleeps take no real time and wake in virtual-time order; the
// clock stops at each timer in turn.
func TestVirtualClockOrdersTimers(t *testing.T) {
	r := New(Options{VirtualClock: true, Start: start, Seed: 1})
	var woke []int
	var at []time.Duration
	begin := time.Now()
	r.Exec(context.Background(), func(ctx context.Context) {
		done := 0
		for _, s := range []int{30, 10, 20} {
			r.Go(ctx, func(ctx context.Context) {
				if err := r.Sleep(ctx, time.Duration(s)*time.Second); err != nil {
					t.Error(err)
				}
				woke = append(woke, s)
				at = append(at, r.Now().Sub(start))
				done++
			})
		}
		if err := r.Await(ctx, func() bool { return done == 3 }); err != nil {
			t.Error(err)
		}
	})
	if time.Since(begin) > time.Second {
		t.Fatal("virtual sleeps took real time")
	}
	if len(woke) != 3 || woke[0] != 10 || woke[1] != 20 || woke[2] != 30 {
		t.Fatalf("woke %v", woke)
	}
	if at[2] != 30*time.Second {
		t.Fatalf("clock at %v", at)
	}
}

// A cancelled sleep returns the context's error without moving the clock.
func TestCancelledSleep(t *testing.T) {
	r := New(Options{VirtualClock: true, Start: start})
	r.Exec(context.Background(), func(ctx context.Context) {
		c, cancel := r.WithCancel(ctx)
		var err error
		finished := false
		r.Go(c, func(ctx context.Context) { err = r.Sleep(ctx, time.Hour); finished = true })
		r.Go(ctx, func(ctx context.Context) { cancel() })
		_ = r.Await(ctx, func() bool { return finished })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
	})
	if got := r.Now(); !got.Equal(start) {
		t.Fatalf("clock moved to %v", got)
	}
}

func TestAwaitTaskHeartbeatAndCompletion(t *testing.T) {
	r := New(Options{VirtualClock: true, Start: start})
	r.Exec(context.Background(), func(ctx context.Context) {
		_, err := r.AwaitTask(ctx, "t1", time.Minute, 5*time.Second)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Name != fault.HeartbeatTimeout {
			t.Errorf("err %v", err)
		}
		if d := r.Now().Sub(start); d != 5*time.Second {
			t.Errorf("heartbeat timeout after %v", d)
		}
		if err := r.CompleteTask("t2", "ok", nil); err != nil {
			t.Error(err)
		}
		out, err := r.AwaitTask(ctx, "t2", time.Minute, 0)
		if err != nil || out != "ok" {
			t.Errorf("got %v %v", out, err)
		}
	})
}

func TestUUIDFormatAndSeed(t *testing.T) {
	a, b := New(Options{Seed: 9}), New(Options{Seed: 9})
	u := a.UUID()
	if len(u) != 36 || u[14] != '4' || u != b.UUID() {
		t.Fatalf("uuid %q", u)
	}
}
