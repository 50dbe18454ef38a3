package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// liveTrace is the engine.Tracer of run --trace without --json: it writes
// each top-level state visit as soon as it ends (a Map's or Parallel's
// visit with its iterations or branches, which end before it), so that the
// trace follows the execution instead of coming at its end.
type liveTrace struct {
	mu      sync.Mutex
	w       io.Writer
	st      textStyle
	pending map[int][]*engine.Step // nested steps by parent Seq, until the parent ends
	status  *statusLine            // nil unless w is a terminal
}

func newLiveTrace(w io.Writer, st textStyle, status *statusLine) *liveTrace {
	return &liveTrace{w: w, st: st, pending: map[int][]*engine.Step{}, status: status}
}

// Step implements engine.Tracer.
func (t *liveTrace) Step(_ context.Context, s *engine.Step) {
	if s.Parent != 0 {
		t.mu.Lock()
		t.pending[s.Parent] = append(t.pending[s.Parent], s)
		t.mu.Unlock()
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.write([]*engine.Step{s})
}

// write writes roots and the pending steps under them, then forgets those.
func (t *liveTrace) write(roots []*engine.Step) {
	t.status.around(func() { writeTree(t.w, t.st, roots, t.pending) })
	var drop func(seq int)
	drop = func(seq int) {
		for _, k := range t.pending[seq] {
			drop(k.Seq)
		}
		delete(t.pending, seq)
	}
	for _, r := range roots {
		drop(r.Seq)
	}
}

// flush writes what is left: the steps under a visit that never ended
// (the execution was stopped), by the order their states were entered.
func (t *liveTrace) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) == 0 {
		return
	}
	known := map[int]bool{}
	for _, kids := range t.pending {
		for _, k := range kids {
			known[k.Seq] = true
		}
	}
	var roots []*engine.Step
	for parent, kids := range t.pending {
		if !known[parent] {
			roots = append(roots, kids...)
		}
	}
	slices.SortFunc(roots, func(a, b *engine.Step) int { return a.Seq - b.Seq })
	for _, r := range roots {
		delete(t.pending, r.Parent)
	}
	t.write(roots)
}

// writeTree writes steps, and under each the steps of children (by parent
// Seq), grouped by iteration or branch in index order.
func writeTree(w io.Writer, st textStyle, steps []*engine.Step, children map[int][]*engine.Step) {
	for _, s := range steps {
		writeStep(w, st, s, strings.Repeat("    ", len(s.Path)))
		kids := slices.Clone(children[s.Seq])
		if len(kids) == 0 {
			continue
		}
		slices.SortStableFunc(kids, func(a, b *engine.Step) int {
			if d := a.Path[len(a.Path)-1].Index - b.Path[len(b.Path)-1].Index; d != 0 {
				return d
			}
			return a.Seq - b.Seq
		})
		for i := 0; i < len(kids); {
			p := kids[i].Path[len(kids[i].Path)-1]
			j := i + 1
			for j < len(kids) && kids[j].Path[len(kids[j].Path)-1].Index == p.Index {
				j++
			}
			fmt.Fprintf(w, "%s  %s\n", strings.Repeat("    ", len(s.Path)), st.paint(sgrCyan, fmt.Sprintf("%s %d", p.Kind, p.Index)))
			writeTree(w, st, kids[i:j], children)
			i = j
		}
	}
}

// stepDuration is how long a visit took, for the trace: microseconds below
// a millisecond, milliseconds below a second, then tenths of seconds.
func stepDuration(s *engine.Step) string {
	if s.Entered.IsZero() || s.Exited.IsZero() {
		return ""
	}
	d := s.Exited.Sub(s.Entered)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// statusLine is the last line of a terminal while run works: the state
// running and for how long, and the progress of running Map states. It
// is redrawn every interval and cleared before anything else is written.
// A nil *statusLine does nothing.
type statusLine struct {
	mu      sync.Mutex
	w       io.Writer
	now     func() time.Time
	state   string // the state last entered, "" when none runs
	typ     string
	since   time.Time
	maps    []*mapProgress
	shown   bool
	stopped bool
}

// mapProgress counts the iterations of a running Map state.
type mapProgress struct {
	name        string
	total, done int
	run         bool // a Distributed Map's run: its iterations report no events
}

func newStatusLine(w io.Writer) *statusLine {
	return &statusLine{w: w, now: time.Now}
}

// start redraws the line every interval until stop is called.
func (l *statusLine) start(interval time.Duration) (stop func()) {
	if l == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				l.redraw()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		l.mu.Lock()
		l.stopped = true
		l.mu.Unlock()
		l.clear()
	}
}

// onEvent follows the execution's history events (engine.Options.OnEvent).
func (l *statusLine) onEvent(ev history.Event) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch t := ev.Type; {
	case strings.HasSuffix(t, "StateEntered"):
		if d, ok := ev.Details.(*history.StateEnteredEventDetails); ok {
			l.state, l.typ, l.since = d.Name, strings.TrimSuffix(t, "StateEntered"), l.now()
		}
	case t == "MapStateStarted":
		if d, ok := ev.Details.(*history.MapStateStartedEventDetails); ok {
			l.maps = append(l.maps, &mapProgress{name: l.state, total: d.Length})
		}
	case t == "MapRunStarted":
		if len(l.maps) > 0 {
			l.maps[len(l.maps)-1].run = true
		}
	case t == "MapIterationSucceeded" || t == "MapIterationFailed" || t == "MapIterationAborted":
		if d, ok := ev.Details.(*history.MapIterationEventDetails); ok {
			for i := len(l.maps) - 1; i >= 0; i-- {
				if l.maps[i].name == d.Name {
					l.maps[i].done++
					break
				}
			}
		}
	case t == "MapStateSucceeded" || t == "MapStateFailed" || t == "MapStateAborted":
		if len(l.maps) > 0 {
			l.maps = l.maps[:len(l.maps)-1]
		}
	}
}

// text is the line's content.
func (l *statusLine) text() string {
	if l.state == "" {
		return ""
	}
	s := fmt.Sprintf("… %s (%s) %s", l.state, l.typ, l.now().Sub(l.since).Round(time.Second))
	for _, m := range l.maps {
		if m.run {
			s += fmt.Sprintf(" · %s: a map run of %d items", m.name, m.total)
			continue
		}
		s += fmt.Sprintf(" · %s %d/%d", m.name, m.done, m.total)
	}
	return s
}

// redraw writes the line again.
func (l *statusLine) redraw() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drawLocked()
}

func (l *statusLine) drawLocked() {
	if l.stopped {
		return
	}
	if s := l.text(); s != "" {
		fmt.Fprint(l.w, "\r\x1b[K"+s)
		l.shown = true
	}
}

// clear erases the line, if shown.
func (l *statusLine) clear() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eraseLocked()
}

func (l *statusLine) eraseLocked() {
	if l.shown {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.shown = false
	}
}

// around runs write, which writes to the terminal, with the line erased,
// and draws the line again after it.
func (l *statusLine) around(write func()) {
	if l == nil {
		write()
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eraseLocked()
	write()
	l.drawLocked()
}
