package crashtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

// Files of the test's directory that the workers write and read.
const (
	startedLog   = "started.log"   // a line "state attempt worker" when a task starts
	completedLog = "completed.log" // a line "state attempt worker" when a task completed
	releaseFile  = "release"       // the Slow task blocks until it exists
)

// TestHelperWorker is the worker process of the crash tests: it runs only
// in a child started by env.startWorker, and polls until it is killed (or
// its parent is gone).
func TestHelperWorker(t *testing.T) {
	raw := os.Getenv(workerEnv)
	if raw == "" {
		t.Skip("runs only as the worker process of the crash tests")
	}
	var cfg workerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{
		HostPort:  cfg.HostPort,
		Namespace: cfg.Namespace,
		Identity:  cfg.Identity,
		Logger:    temporaltest.QuietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts := temporal.WorkerOptions()
	// A workflow task meant for a killed worker's cache goes to the others
	// after a second.
	opts.StickyScheduleToStartTimeout = time.Second
	w := worker.New(c, cfg.TaskQueue, opts)
	temporal.Register(w, &temporal.Tasks{Invoker: newInvoker(cfg)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Println(readyLine)
	// Poll until killed; exit if the test process is gone.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if os.Getppid() != cfg.ParentPID {
			w.Stop()
			return
		}
	}
}

// newInvoker returns the Go functions of the crash tests' Task states,
// which record in cfg.Dir every task that starts and every task that
// completes. Each adds one to the "v" of its input: it returns {"by":
// state, "v": v+1}. Slow blocks until the release file exists.
func newInvoker(cfg workerConfig) integrations.Invoker {
	reg := gofunc.New()
	for _, s := range []string{"A", "B", "C"} {
		reg.HandleState(s, step(s))
	}
	slow := step("Slow")
	reg.HandleState("Slow", func(ctx context.Context, in any) (any, error) {
		release := filepath.Join(cfg.Dir, releaseFile)
		for {
			if _, err := os.Stat(release); err == nil {
				return slow(ctx, in)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return &recorder{next: reg, cfg: cfg}
}

// step returns the function of a Task state.
func step(state string) gofunc.Func {
	return func(_ context.Context, in any) (any, error) {
		obj, ok := in.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("%s: input %T, want an object", state, in)
		}
		v, _ := obj.Get("v")
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("%s: v is %T, want an integer", state, v)
		}
		out := value.NewObject(2)
		out.Append("by", state)
		out.Append("v", n+1)
		return out, nil
	}
}

// recorder records the tasks that start and those that complete.
type recorder struct {
	mu   sync.Mutex
	next integrations.Invoker
	cfg  workerConfig
}

func (r *recorder) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	if err := r.record(startedLog, t); err != nil {
		return nil, err
	}
	out, err := r.next.Invoke(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := r.record(completedLog, t); err != nil {
		return nil, err
	}
	return out, nil
}

// record appends a line for t to the log and syncs it to disk, so that it
// survives a SIGKILL that comes right after.
func (r *recorder) record(log string, t *integrations.Task) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(r.cfg.Dir, log), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := fmt.Fprintf(f, "%s %d %s\n", t.StateName, t.Attempt, r.cfg.Identity)
	serr := f.Sync()
	return errors.Join(werr, serr, f.Close())
}
