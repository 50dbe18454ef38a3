// Package local runs executions in process: goroutines for concurrency, and
// either the real clock or a virtual one under which Wait states, retry
// back-off and timeouts take no real time while history timestamps still
// advance.
//
// Like a Temporal workflow, the interpreter code of one runtime runs one
// goroutine at a time: a goroutine holds the baton while it runs and hands
// it on, first come first served, when it blocks (on a timer, a condition,
// a task token or, with the real clock, a task invocation). This keeps the
// interpreter free of locks and makes histories under the virtual clock
// deterministic. The virtual clock advances only when every goroutine is
// blocked on a timer, a condition or a task token, and then only to the
// earliest timer.
package local

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/integrations"
)

// Options configure a Runtime.
type Options struct {
	// VirtualClock makes waiting take no real time.
	VirtualClock bool
	// Start is the virtual clock's start time (zero: now). Ignored with the
	// real clock.
	Start time.Time
	// Seed seeds the random source behind UUIDs, jitter and
	// States.MathRandom (0: seeded from the clock).
	Seed int64
}

// Runtime is the in-process implementation of engine.Runtime. One Runtime
// may serve several executions; they then share its baton and clock.
type Runtime struct {
	virtual bool

	mu       sync.Mutex
	held     bool                      // a goroutine holds the baton
	queue    []*waiter                 // goroutines waiting for the baton, in order
	active   int                       // goroutines not blocked (running, runnable, or in an invocation)
	now      time.Time                 // the virtual clock
	vnow     atomic.Pointer[time.Time] // a copy of now, read without the lock
	timers   timerHeap
	seq      uint64
	awaiters []*waiter // goroutines blocked in Await
	tokens   map[string]*token
	rng      *rand.Rand
}

// waiter is one blocked goroutine.
type waiter struct {
	wake    chan struct{} // receives the baton
	blocked bool          // still blocked (not yet made runnable)
	fired   bool          // its timer fired
	timer   *timer
}

type timer struct {
	ctx   context.Context // the waiter's context: once done, the timer never fires
	when  time.Time
	seq   uint64
	w     *waiter
	index int
	real  *time.Timer
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// token is the state of one task token.
type token struct {
	w        *waiter // the goroutine waiting, if any
	done     bool
	output   any
	err      error
	lastBeat time.Time
}

// New returns a runtime.
func New(opts Options) *Runtime {
	seed := opts.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now().UTC().Truncate(time.Millisecond)
	}
	r := &Runtime{
		virtual: opts.VirtualClock,
		now:     start,
		tokens:  map[string]*token{},
		rng:     rand.New(rand.NewSource(seed)),
	}
	r.vnow.Store(&start)
	return r
}

func newWaiter() *waiter { return &waiter{wake: make(chan struct{}, 1)} }

// Now returns the current time (virtual or real). It takes no lock: the
// interpreter asks for every event.
func (r *Runtime) Now() time.Time {
	if r.virtual {
		return *r.vnow.Load()
	}
	return time.Now().UTC()
}

// Idle reports whether no goroutine but the caller's is ready to run: the
// caller may then run work that never blocks in line, in the order that
// goroutines started for it would have run.
func (r *Runtime) Idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue) == 0
}

func (r *Runtime) nowLocked() time.Time {
	if r.virtual {
		return r.now
	}
	return time.Now().UTC()
}

// UUID returns a random version-4 UUID.
func (r *Runtime) UUID() string {
	var b [16]byte
	r.mu.Lock()
	for i := range b {
		b[i] = byte(r.rng.Intn(256))
	}
	r.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Int63 returns a non-negative pseudo-random 63-bit integer.
func (r *Runtime) Int63() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Int63()
}

// enqueueLocked makes w runnable: it gets the baton now or in turn.
func (r *Runtime) enqueueLocked(w *waiter) {
	if !r.held {
		r.held = true
		w.wake <- struct{}{}
		return
	}
	r.queue = append(r.queue, w)
}

// releaseLocked hands the baton on. With notify, goroutines blocked in
// Await are made runnable to look at their conditions again.
func (r *Runtime) releaseLocked(notify bool) {
	if notify {
		r.notifyLocked()
	}
	if len(r.queue) > 0 {
		w := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		w.wake <- struct{}{}
		return
	}
	r.held = false
	r.advanceLocked()
}

// notifyLocked makes the goroutines blocked in Await runnable, so that they
// look at their conditions again.
func (r *Runtime) notifyLocked() {
	for _, w := range r.awaiters {
		w.blocked = false
		r.active++
		r.queue = append(r.queue, w)
	}
	r.awaiters = r.awaiters[:0]
}

// advanceLocked moves the virtual clock to the earliest timer when every
// goroutine is blocked.
func (r *Runtime) advanceLocked() {
	if r.virtual && r.active == 0 && !r.held && len(r.timers) > 0 {
		t := heap.Pop(&r.timers).(*timer)
		if t.ctx != nil && t.ctx.Err() != nil {
			// Cancelled, though its context.AfterFunc has not run yet:
			// wake the waiter now, without moving the clock.
			w := t.w
			if w.blocked {
				w.blocked = false
				r.active++
				r.enqueueLocked(w)
			}
			return
		}
		if t.when.After(r.now) {
			r.now = t.when
			now := t.when
			r.vnow.Store(&now)
		}
		r.fireLocked(t)
		return
	}
}

func (r *Runtime) fireLocked(t *timer) {
	w := t.w
	if !w.blocked {
		return
	}
	w.blocked = false
	w.fired = true
	r.active++
	r.enqueueLocked(w)
}

// Exec runs fn as the root of an execution, holding the baton while it
// runs, and returns when fn returns.
func (r *Runtime) Exec(ctx context.Context, fn func(ctx context.Context)) {
	w := newWaiter()
	r.mu.Lock()
	r.active++
	r.enqueueLocked(w)
	r.mu.Unlock()
	<-w.wake
	defer r.exit()
	fn(ctx)
}

func (r *Runtime) exit() {
	r.mu.Lock()
	r.active--
	r.releaseLocked(true)
	r.mu.Unlock()
}

// Go starts fn concurrently. It runs once the caller blocks or returns.
func (r *Runtime) Go(ctx context.Context, fn func(ctx context.Context)) {
	w := newWaiter()
	r.mu.Lock()
	r.active++
	r.enqueueLocked(w)
	r.mu.Unlock()
	go func() {
		<-w.wake
		defer r.exit()
		fn(ctx)
	}()
}

// WithCancel returns a cancellable child of ctx.
func (r *Runtime) WithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// block parks the calling goroutine until it is made runnable, with the
// baton handed on meanwhile. register runs under the lock to say why the
// goroutine waits. It returns early with ctx's error when ctx ends.
func (r *Runtime) block(ctx context.Context, w *waiter, notify bool, register func()) {
	r.mu.Lock()
	w.blocked = true
	w.fired = false
	r.active--
	if notify {
		r.notifyLocked()
	}
	register()
	r.releaseLocked(false)
	r.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !w.blocked {
			return
		}
		r.unregisterLocked(w)
		w.blocked = false
		r.active++
		r.enqueueLocked(w)
	})
	<-w.wake
	stop()
	r.mu.Lock()
	r.cancelTimerLocked(w)
	r.mu.Unlock()
}

func (r *Runtime) unregisterLocked(w *waiter) {
	for i, a := range r.awaiters {
		if a == w {
			r.awaiters = append(r.awaiters[:i], r.awaiters[i+1:]...)
			break
		}
	}
	for _, t := range r.tokens {
		if t.w == w {
			t.w = nil
		}
	}
	r.cancelTimerLocked(w)
}

func (r *Runtime) cancelTimerLocked(w *waiter) {
	t := w.timer
	if t == nil {
		return
	}
	w.timer = nil
	if t.real != nil {
		t.real.Stop()
	}
	if t.index >= 0 && t.index < len(r.timers) && r.timers[t.index] == t {
		heap.Remove(&r.timers, t.index)
	}
}

// addTimerLocked arms a timer that wakes w after d, unless ctx ends first.
func (r *Runtime) addTimerLocked(ctx context.Context, w *waiter, d time.Duration) {
	r.seq++
	t := &timer{ctx: ctx, when: r.nowLocked().Add(d), seq: r.seq, w: w, index: -1}
	w.timer = t
	if r.virtual {
		heap.Push(&r.timers, t)
		return
	}
	t.real = time.AfterFunc(d, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if w.timer == t {
			w.timer = nil
			r.fireLocked(t)
		}
	})
}

// Sleep blocks for d, or until ctx ends (then it returns ctx's error).
func (r *Runtime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	w := newWaiter()
	r.block(ctx, w, true, func() { r.addTimerLocked(ctx, w, d) })
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

// Await blocks until cond returns true or ctx ends. cond is evaluated while
// the caller holds the baton, so it may read interpreter state freely.
func (r *Runtime) Await(ctx context.Context, cond func() bool) error {
	first := true
	for {
		if cond() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		w := newWaiter()
		r.block(ctx, w, first, func() { r.awaiters = append(r.awaiters, w) })
		first = false
	}
}

// CheckTask asks the invoker, when it is an integrations.ResourceChecker,
// whether t's resource exists; any other invoker has every resource.
func (r *Runtime) CheckTask(ctx context.Context, inv integrations.Invoker, t *integrations.Task) error {
	if rc, ok := inv.(integrations.ResourceChecker); ok {
		return rc.CheckResource(ctx, t)
	}
	return nil
}

// Invoke calls the invoker. With the real clock the baton is handed on
// during the call and t.TimeoutSeconds is enforced (States.Timeout). With
// the virtual clock the call takes no virtual time: it runs holding the
// baton, and the caller then yields so that concurrent branches interleave
// as they would with real concurrent calls.
func (r *Runtime) Invoke(ctx context.Context, inv integrations.Invoker, t *integrations.Task) (any, error) {
	if inv == nil {
		return nil, fault.New(fault.TaskFailed, "no invoker is configured for resource "+t.Resource)
	}
	if r.virtual {
		// The call holds the baton: its waits (a .sync task's polls) are
		// this goroutine's sleeps on the virtual clock.
		out, err := inv.Invoke(integrations.WithSleep(ctx, r.Sleep), t)
		r.yield()
		return out, err
	}
	// Hand on the baton, staying active: the call is real work.
	r.mu.Lock()
	r.releaseLocked(true)
	r.mu.Unlock()
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if t.TimeoutSeconds > 0 {
		cctx, cancel = context.WithTimeout(ctx, time.Duration(t.TimeoutSeconds)*time.Second)
	}
	type result struct {
		out any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := inv.Invoke(cctx, t)
		ch <- result{out, err}
	}()
	var res result
	select {
	case res = <-ch:
	case <-cctx.Done():
		if ctx.Err() != nil {
			res.err = ctx.Err()
		} else {
			res.err = fault.New(fault.Timeout, "")
		}
	}
	cancel()
	w := newWaiter()
	r.mu.Lock()
	r.enqueueLocked(w)
	r.mu.Unlock()
	<-w.wake
	return res.out, res.err
}

// yield hands the baton to the next runnable goroutine and queues the
// caller behind it.
func (r *Runtime) yield() {
	w := newWaiter()
	r.mu.Lock()
	if len(r.queue) == 0 {
		r.mu.Unlock()
		return
	}
	r.queue = append(r.queue, w)
	next := r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	next.wake <- struct{}{}
	r.mu.Unlock()
	<-w.wake
}

// AwaitTask waits for the outcome of a task token (see CompleteTask and
// Heartbeat). timeout bounds the whole wait and heartbeat the time between
// heartbeats (0: none); they end it with States.Timeout and
// States.HeartbeatTimeout.
func (r *Runtime) AwaitTask(ctx context.Context, tok string, timeout, heartbeat time.Duration) (any, error) {
	r.mu.Lock()
	start := r.nowLocked()
	tk := r.tokens[tok]
	if tk == nil {
		tk = &token{}
		r.tokens[tok] = tk
	}
	tk.lastBeat = start
	r.mu.Unlock()
	for {
		r.mu.Lock()
		if tk.done {
			delete(r.tokens, tok)
			r.mu.Unlock()
			return tk.output, tk.err
		}
		now := r.nowLocked()
		if timeout > 0 && !now.Before(start.Add(timeout)) {
			delete(r.tokens, tok)
			r.mu.Unlock()
			return nil, fault.New(fault.Timeout, "")
		}
		if heartbeat > 0 && !now.Before(tk.lastBeat.Add(heartbeat)) {
			delete(r.tokens, tok)
			r.mu.Unlock()
			return nil, fault.New(fault.HeartbeatTimeout, "")
		}
		r.mu.Unlock()
		if err := ctx.Err(); err != nil {
			r.mu.Lock()
			delete(r.tokens, tok)
			r.mu.Unlock()
			return nil, err
		}
		w := newWaiter()
		r.block(ctx, w, true, func() {
			tk.w = w
			var d time.Duration = -1
			if timeout > 0 {
				d = start.Add(timeout).Sub(now)
			}
			if heartbeat > 0 {
				if h := tk.lastBeat.Add(heartbeat).Sub(now); d < 0 || h < d {
					d = h
				}
			}
			if d >= 0 {
				r.addTimerLocked(ctx, w, d)
			}
		})
		r.mu.Lock()
		if tk.w == w {
			tk.w = nil
		}
		r.mu.Unlock()
	}
}

// CompleteTask delivers the outcome of a task token, as SendTaskSuccess
// (err nil) or SendTaskFailure (err, usually a *fault.Error) do. An outcome
// for a token nobody waits for yet is kept until someone does.
func (r *Runtime) CompleteTask(tok string, output any, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	tk := r.tokens[tok]
	if tk == nil {
		tk = &token{}
		r.tokens[tok] = tk
	}
	if tk.done {
		return fmt.Errorf("local: task token %q already completed", tok)
	}
	tk.done, tk.output, tk.err = true, output, err
	r.wakeTokenLocked(tk)
	return nil
}

// Heartbeat records a heartbeat for a task token, as SendTaskHeartbeat does.
func (r *Runtime) Heartbeat(tok string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	tk := r.tokens[tok]
	if tk == nil || tk.done {
		return fmt.Errorf("local: task token %q is not pending", tok)
	}
	tk.lastBeat = r.nowLocked()
	r.wakeTokenLocked(tk)
	return nil
}

func (r *Runtime) wakeTokenLocked(tk *token) {
	w := tk.w
	if w == nil || !w.blocked {
		return
	}
	tk.w = nil
	r.cancelTimerLocked(w)
	w.blocked = false
	r.active++
	r.enqueueLocked(w)
}
