package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/console"
)

const serveConsoleUsage = `  --console[=true|false]    the web console at / (default: on when --listen is
                            a loopback address, off otherwise); with --auth it
                            asks for the same credentials on a login form
  --console-trace MODE      which executions keep their data-flow trace for the
                            console's state view: watching (default: those that
                            start within 15 minutes of a console request),
                            always, or off (the history's input and output only)
`

// consoleFlag is --console: unset (decided by the listen address), on or
// off; and --console-trace.
type consoleFlag struct {
	set, on bool
	trace   string
}

func (c *consoleFlag) String() string {
	if !c.set {
		return "auto"
	}
	return strconv.FormatBool(c.on)
}

// Set reads --console or --console=BOOL.
func (c *consoleFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	c.set, c.on = true, on
	return nil
}

// IsBoolFlag lets --console stand alone.
func (c *consoleFlag) IsBoolFlag() bool { return true }

func addServeConsoleFlags(fs *flag.FlagSet, c *consoleFlag) {
	fs.Var(c, "console", "")
	fs.StringVar(&c.trace, "console-trace", "watching", "")
}

// check validates --console-trace.
func (c *consoleFlag) check() error {
	switch c.trace {
	case "watching", "always", "off":
		return nil
	}
	return fmt.Errorf("--console-trace must be watching, always or off, not %q", c.trace)
}

// enabled decides whether serve mounts the console on listen: as asked,
// else only on a loopback address.
func (c *consoleFlag) enabled(listen string) bool {
	if c.set {
		return c.on
	}
	return isLoopbackAddr(listen)
}

// isLoopbackAddr reports whether a listen address (HOST:PORT) is on
// loopback only; an empty host listens on every interface.
func isLoopbackAddr(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// setupConsole prepares the console when it is on: the service keeps a
// data-flow trace of each execution for it (opts.Tracer). The returned
// function mounts it once the service exists and says whether it did.
func setupConsole(f *serveFlags, opts *service.Options, log *slog.Logger) func(mux *http.ServeMux, svc *service.Service) (bool, error) {
	if !f.console.enabled(f.listen) {
		if !f.console.set {
			log.Info("web console off: serve listens beyond loopback (--console turns it on)")
		}
		return func(*http.ServeMux, *service.Service) (bool, error) { return false, nil }
	}
	var traces *console.Traces
	switch f.console.trace {
	case "watching":
		traces = console.NewTraces(console.TraceOptions{WatchWindow: console.DefaultWatchWindow})
	case "always":
		traces = console.NewTraces(console.TraceOptions{})
	}
	if traces != nil {
		opts.Tracer = traces.Tracer
	}
	return func(mux *http.ServeMux, svc *service.Service) (bool, error) {
		copts := console.Options{API: svc, Traces: traces, Mocks: opts.Mocks, Logger: log}
		if opts.Auth != nil {
			copts.Credentials = opts.Auth.Credentials
		} else if !isLoopbackAddr(f.listen) {
			log.Warn("the web console is on beyond loopback without --auth: anyone who can reach the port can use it")
		}
		c, err := console.New(copts)
		if err != nil {
			return false, err
		}
		c.Mount(mux)
		return true, nil
	}
}
