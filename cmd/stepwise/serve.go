package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/auth"
	"github.com/stepwise/stepwise/engine/service/metrics"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/integrations/mock"
)

const serveUsage = `usage: stepwise serve [flags]

Serves the AWS Step Functions API (the JSON 1.0 protocol of the AWS SDKs and
CLI) on --listen, with state machines, executions, their histories, task
tokens and activities kept in an embedded SQLite database, so that running
executions survive a restart: on start, every RUNNING execution resumes from
its last checkpoint (a Wait sleeps until its stored deadline, an interrupted
Task is invoked again, a Map or Parallel state runs again).

Point a client at it, with any credentials and region, e.g.:
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
    aws stepfunctions --endpoint-url http://127.0.0.1:8083 list-state-machines
  sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:8083") })
StartSyncExecution and TestState go to the host "sync-" + the endpoint's host
in every SDK and the CLI. With "127.0.0.1 sync-localhost" in /etc/hosts, the
endpoint http://localhost:8083 works with every client's defaults. Otherwise:
the AWS CLI and boto3 take HTTP_PROXY=http://127.0.0.1:8083 (serve answers a
proxied request itself) or, when recent, AWS_DISABLE_HOST_PREFIX_INJECTION=true;
the JavaScript SDK v3 disableHostPrefix: true; Go a context with
smithyhttp.DisableEndpointHostPrefix(ctx, true). The README says more.

Task states: with SFN_MOCK_CONFIG (or --mocks) naming a Step Functions Local
MockConfigFile, StartExecution on "<stateMachineArn>#<TestCaseName>" runs
that test case's mocked responses. Tasks on activities
(arn:aws:states:REGION:ACCOUNT:activity:NAME) are served to GetActivityTask.
Other tasks call AWS with the SDK's usual configuration (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>, ...).

GET /metrics serves Prometheus metrics (state machine names, execution and
API call counts). Under --auth it is protected like the API: a request
must be signed with SigV4 (service "states", --region) by an accepted key.
For a Prometheus scraper that cannot sign, --metrics-listen serves
/metrics alone, without authentication, on an address of your choice (keep
it on loopback or a private network). SIGINT or SIGTERM stops the server
gracefully: running executions stay RUNNING and resume on the next start.

flags:
  --listen ADDR             the address to listen on (default 127.0.0.1:8083;
                            loopback only unless you give another address)
  --db PATH                 the SQLite database (default: $XDG_DATA_HOME/stepwise/stepwise.db,
                            i.e. ~/.local/share/stepwise/stepwise.db; ./stepwise.db when
                            there is no home directory); ":memory:" keeps nothing.
                            One server at a time: PATH.lock beside it is locked,
                            and a second server is refused, naming the pid that
                            holds it. A damaged database (PRAGMA quick_check, an
                            empty file, a damaged write-ahead log) is refused at
                            start. While the disk is full, writes API calls wait
                            for answer ServiceUnavailable; what executions record
                            is kept and written once space returns.
  --region REGION           the region in ARNs (default us-east-1)
  --account ID              the account id in ARNs (default 123456789012)
  --mocks FILE              a MockConfigFile (default: $SFN_MOCK_CONFIG)
  --auth                    require AWS Signature Version 4 on every request
  --auth-credentials AKID:SECRET
                            an accepted access key (repeatable; also
                            $STEPWISE_AUTH_CREDENTIALS, comma-separated)
  --auth-file FILE          accepted access keys, one AKID:SECRET a line
  --metrics-listen ADDR     also serve GET /metrics, unauthenticated, on ADDR
                            (default: none; /metrics stays on --listen only)
  --retention DURATION      how long a closed execution is kept (default 2160h,
                            AWS's 90 days): executions closed longer ago are
                            deleted with their history, checked every tenth of
                            it (at most hourly); 0 keeps them for ever
  --activity-poll DURATION  how long GetActivityTask waits for a task (default 60s)
  --log-level LEVEL         debug, info, warn or error (default info); logs go to stderr
  --execution-logs FILE     where the log events of state machines with a loggingConfiguration
                            go, one CloudWatch-Logs-shaped JSON line each (default "-": stderr;
                            the file is appended to)
` + objectsServeUsage + serveConsoleUsage + serveTemporalUsage

// defaultRetention is how long serve keeps a closed execution: AWS's 90
// days.
const defaultRetention = 90 * 24 * time.Hour

// credFlags is the repeatable --auth-credentials flag.
type credFlags []string

func (c *credFlags) String() string { return strings.Join(*c, ",") }

// Set records one AKID:SECRET.
func (c *credFlags) Set(s string) error {
	if id, secret, ok := strings.Cut(s, ":"); !ok || id == "" || secret == "" {
		return errors.New("--auth-credentials wants AKID:SECRET")
	}
	*c = append(*c, s)
	return nil
}

type serveFlags struct {
	listen       string
	db           string
	region       string
	account      string
	mocks        string
	auth         bool
	creds        credFlags
	authFile     string
	metrics      string
	activityPoll time.Duration
	retention    time.Duration
	logLevel     string
	execLogs     string
	temporal     serveTemporalFlags
	console      consoleFlag
	objects      *objectsFlag
}

func parseServeFlags(args []string) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8083", "")
	fs.StringVar(&f.db, "db", "", "")
	fs.StringVar(&f.region, "region", engine.DefaultRegion, "")
	fs.StringVar(&f.account, "account", engine.DefaultAccountID, "")
	fs.StringVar(&f.mocks, "mocks", os.Getenv("SFN_MOCK_CONFIG"), "")
	fs.BoolVar(&f.auth, "auth", false, "")
	fs.Var(&f.creds, "auth-credentials", "")
	fs.StringVar(&f.authFile, "auth-file", "", "")
	fs.StringVar(&f.metrics, "metrics-listen", "", "")
	fs.DurationVar(&f.activityPoll, "activity-poll", 60*time.Second, "")
	fs.DurationVar(&f.retention, "retention", defaultRetention, "")
	fs.StringVar(&f.logLevel, "log-level", "info", "")
	fs.StringVar(&f.execLogs, "execution-logs", "-", "")
	f.objects = addObjectsFlag(fs)
	addServeTemporalFlags(fs, &f.temporal)
	addServeConsoleFlags(fs, &f.console)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if f.db == "" {
		f.db = defaultDBPath()
	}
	if f.activityPoll <= 0 || f.activityPoll > 60*time.Second {
		return nil, errors.New("--activity-poll must be between 0 and 60s")
	}
	if f.retention < 0 {
		return nil, errors.New("--retention must not be negative")
	}
	if err := f.temporal.check(); err != nil {
		return nil, err
	}
	if f.objects.root != "" && f.temporal.backend == "temporal" && !f.temporal.worker {
		return nil, errors.New("--s3-root needs the local backend or --temporal-worker: on the Temporal backend the workers read items and write results, so give --s3-root to stepwise worker")
	}
	if err := f.console.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// defaultDBPath is $XDG_DATA_HOME/stepwise/stepwise.db (~/.local/share when
// unset), or ./stepwise.db without a home directory.
func defaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "stepwise.db"
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "stepwise", "stepwise.db")
}

// credentials gathers the accepted access keys.
func (f *serveFlags) credentials() (map[string]string, error) {
	all := append([]string(nil), f.creds...)
	if env := os.Getenv("STEPWISE_AUTH_CREDENTIALS"); env != "" {
		all = append(all, strings.Split(env, ",")...)
	}
	if f.authFile != "" {
		file, err := os.Open(f.authFile)
		if err != nil {
			return nil, fmt.Errorf("--auth-file: %w", err)
		}
		defer file.Close()
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				all = append(all, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--auth-file: %w", err)
		}
	}
	creds := map[string]string{}
	for _, c := range all {
		id, secret, ok := strings.Cut(strings.TrimSpace(c), ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("invalid credentials %q: want AKID:SECRET", c)
		}
		creds[id] = secret
	}
	return creds, nil
}

// verifier is the SigV4 verifier --auth asks for (nil without --auth).
func (f *serveFlags) verifier() (*auth.Verifier, error) {
	creds, err := f.credentials()
	if err != nil {
		return nil, err
	}
	if !f.auth {
		return nil, nil
	}
	if len(creds) == 0 {
		return nil, errors.New("--auth needs credentials (--auth-credentials, --auth-file or $STEPWISE_AUTH_CREDENTIALS)")
	}
	return &auth.Verifier{Credentials: creds, Region: f.region, Service: "states"}, nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, serveUsage)
		return 0
	}
	f, err := parseServeFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n\n%s", err, serveUsage)
		return 2
	}
	log, err := serveLogger(stderr, f.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n", err)
		return 2
	}

	opts := service.Options{Region: f.region, AccountID: f.account, Logger: log, ActivityPollTimeout: f.activityPoll, ExecutionLogs: stderr,
		Retention: f.retention}
	if opts.Objects, err = f.objects.objects(); err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n", err)
		return 2
	}
	if f.execLogs != "-" && f.execLogs != "" {
		lf, err := os.OpenFile(f.execLogs, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise serve: --execution-logs: %v\n", err)
			return 2
		}
		defer lf.Close()
		opts.ExecutionLogs = lf
	}
	if f.mocks != "" {
		cfg, err := mock.Load(f.mocks)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise serve: mocks: %v\n", err)
			return 2
		}
		opts.Mocks = cfg
	}
	if opts.Auth, err = f.verifier(); err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, f, opts, log, nil); err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n", err)
		return 1
	}
	return 0
}

// serveLogger is serve's logger: text records on w from level up.
func serveLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// serve runs the server until ctx ends. ready, when set, receives the
// address listened on.
func serve(ctx context.Context, f *serveFlags, opts service.Options, log *slog.Logger, ready func(addr string)) error {
	if f.db != store.Memory {
		if err := os.MkdirAll(filepath.Dir(f.db), 0o755); err != nil {
			return fmt.Errorf("creating the database directory: %w", err)
		}
	}
	st, err := store.Open(ctx, f.db, store.Options{OnError: func(err error) { log.Error("store", "error", err) }})
	if err != nil {
		return err
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	opts.Store = st
	opts.Metrics = metrics.New(reg)
	if opts.Invoker == nil {
		opts.Invoker = aws.New(aws.Options{ConnectionsFile: os.Getenv("STEPWISE_CONNECTIONS")}) // loads its configuration on first use
	}
	startWorker := func() error { return nil }
	if f.temporal.backend == "temporal" {
		start, stopTemporal, err := startTemporalBackend(ctx, &f.temporal, &opts, log)
		if err != nil {
			return err
		}
		defer stopTemporal()
		startWorker = start
	}
	mountConsole := setupConsole(f, &opts, log)
	svc, err := service.New(opts)
	if err != nil {
		return err
	}
	if err := startWorker(); err != nil {
		return err
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		_ = svc.Shutdown(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && opts.Auth == nil {
		log.Warn("listening beyond loopback without --auth: anyone who can reach the port can run workflows", "addr", ln.Addr().String())
	}
	mux := http.NewServeMux()
	var metricsHandler http.Handler = metrics.Handler(reg)
	if opts.Auth != nil {
		mux.Handle("GET /metrics", opts.Auth.Require(metricsHandler))
	} else {
		mux.Handle("GET /metrics", metricsHandler)
	}
	mux.Handle("/", svc)
	if f.metrics != "" {
		mln, err := net.Listen("tcp", f.metrics)
		if err != nil {
			ln.Close()
			_ = svc.Shutdown(context.Background())
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metricsHandler)
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics listening, unauthenticated", "metrics", mln.Addr().String())
	}
	consoleOn, err := mountConsole(mux, svc)
	if err != nil {
		ln.Close()
		_ = svc.Shutdown(context.Background())
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second, // GetActivityTask polls for up to 60 s
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving the Step Functions API", "addr", ln.Addr().String(), "db", f.db, "region", opts.Region, "account", opts.AccountID)
	if consoleOn {
		log.Info("web console", "url", "http://"+ln.Addr().String()+"/")
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		_ = svc.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Long polls end at once; executions stop being served and stay RUNNING.
	if err := svc.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
	}
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
	}
	return nil
}
