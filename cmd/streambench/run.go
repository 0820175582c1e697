package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/streambench/streambench/cluster"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// runFlags are the flags of "streambench run".
type runFlags struct {
	engine, workload string
	rate             string
	records          int64
	duration, warmup time.Duration
	seed             uint64
	partitions       int
	parallelism      int
	guarantee        string
	out              string
	params           []string
	backlog          int64
	drainTimeout     time.Duration
	cpuProfile       string
	source           harness.SourceConfig
	cluster          harness.ClusterConfig
	tokenFile        string
	configFile       string
	conf             []string
	faults           []string
	// engineFlags holds the engines' spellings of their settings
	// (--batch-interval), by flag name.
	engineFlags map[string]*string
	fs          *pflag.FlagSet
}

// runRun runs one workload on one engine, prints a summary and writes the
// result file.
func runRun(ctx context.Context, args []string, stdio Stdio) error {
	f, cfg, err := parseRun(args, stdio)
	if err != nil {
		return err
	}
	// Everything Run would refuse is refused before a file or directory is
	// made.
	if err := harness.CheckRun(cfg); err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = defaultOut(cfg.Engine, cfg.Workload, time.Now())
	}
	if err := resultfile.CheckResultWritable(out); err != nil {
		return &harness.UsageError{Msg: fmt.Sprintf("--out %s: cannot write there: %v", out, err)}
	}

	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return &harness.UsageError{Msg: fmt.Sprintf("--cpuprofile %s: %v", f.cpuProfile, err)}
		}
		defer stop()
	}
	cfg.Started = func() {
		length := fmt.Sprintf("%d records", cfg.Records)
		if cfg.Duration > 0 {
			length = cfg.Duration.String()
		}
		fmt.Fprintf(stdio.Err, "streambench run: measuring %s on %s for %s (Ctrl-C stops and writes what ran)\n", cfg.Engine, cfg.Workload, length)
	}
	m, runErr := harness.Run(ctx, cfg)
	if m == nil {
		if errors.Is(runErr, harness.ErrInterrupted) {
			return fmt.Errorf("%w: nothing was written", runErr)
		}
		return runErr
	}
	// The summary names the result file only once it is written.
	if err := m.Write(out); err != nil {
		printSummary(stdio.Out, m.Result, "")
		err = fmt.Errorf("writing %s: %w (no result file was written)", out, err)
		if runErr != nil {
			err = fmt.Errorf("%w; and %w", runErr, err)
		}
		return err
	}
	printSummary(stdio.Out, m.Result, out)
	if errors.Is(runErr, harness.ErrInterrupted) {
		return fmt.Errorf("%w: what ran is in %s, marked interrupted", harness.ErrInterrupted, out)
	}
	return runErr
}

// parseRun parses the flags of "streambench run" into a run configuration,
// checked: a bad flag, value or combination is a *harness.UsageError (or
// pflag.ErrHelp after the usage is printed). It runs nothing and writes
// nothing.
func parseRun(args []string, stdio Stdio) (*runFlags, harness.RunConfig, error) {
	fs := newFlagSet("run", "run --engine NAME --workload NAME (--records N | --duration D) [flags]", stdio)
	f := &runFlags{}
	fs.StringVar(&f.engine, "engine", "", "engine to run (see 'streambench list')")
	fs.StringVar(&f.workload, "workload", "", "workload to run (see 'streambench list')")
	fs.StringVar(&f.rate, "rate", "max", fmt.Sprintf("offered load in records/s, open loop (100000, 250k, 1.5M; %d to %s), or max: as fast as the engine takes them", harness.MinRate, count(harness.MaxRate)))
	fs.Int64Var(&f.records, "records", 0, fmt.Sprintf("publish this many records, then drain (at most %s)", count(harness.MaxRecords)))
	fs.DurationVar(&f.duration, "duration", 0, fmt.Sprintf("publish for this long, then drain (at most %v)", harness.MaxDuration))
	fs.DurationVar(&f.warmup, "warmup", 0, "discard this much of the start from the figures (rounded up to whole seconds)")
	f.seed = 1
	fs.Var((*seedValue)(&f.seed), "seed", "seed of the workload's generator, 0 to 18446744073709551615")
	fs.IntVar(&f.partitions, "partitions", 0, fmt.Sprintf("partitions of the source, at most %d (default 4, or --parallelism if larger)", harness.MaxPartitions))
	fs.IntVar(&f.parallelism, "parallelism", 1, fmt.Sprintf("workers, executors or partitions per stage, in the engine's own terms (with --nodes N, N unless given; at most %d on this machine)", harness.Machine().MaxParallelism()))
	fs.StringVar(&f.guarantee, "guarantee", "", "at-most-once, at-least-once or exactly-once (default: the engine's own)")
	fs.StringVar(&f.out, "out", "", "result file (default results/<engine>-<workload>-<UTC time>.json)")
	fs.StringArrayVar(&f.params, "param", nil, "workload parameter name=value, repeatable (see 'streambench list --workload NAME')")
	fs.Int64Var(&f.backlog, "backlog", 0, "unread records per partition the source holds before the driver falls behind (default: 2s of the rate, at least 65536; 262144 at max rate; within a quarter of the machine's memory)")
	fs.DurationVar(&f.drainTimeout, "drain-timeout", time.Minute, fmt.Sprintf("how long the engine may take to finish once the input has ended (at most %v)", harness.MaxDrainTimeout))
	fs.StringVar(&f.source.Name, "source", "generator", "where the engine reads records: generator (in process, the engine alone), jetstream (a durable log; the figures include the broker), socket (a TCP text socket per partition the engine connects to; unreliable) or files (a directory of files the engine watches)")
	fs.StringVar(&f.source.NATSURL, "nats-url", "", "jetstream: an external nats-server started with -js (default: one embedded in this process, on 127.0.0.1)")
	fs.StringVar(&f.source.NATSStore, "nats-store", "", "jetstream: the embedded server's store, file (default) or memory")
	fs.StringVar(&f.source.NATSClass, "nats-class", "", "jetstream: the kind of source it plays, log (default: replayable, read by offset), queue (acks and redelivery) or feed (fire and forget)")
	fs.IntVar(&f.cluster.Nodes, "nodes", 0, fmt.Sprintf("run on a cluster of this many nodes on this machine: a master and N agents as processes, each agent starting its worker processes, coordinated through the JetStream server (implies --source jetstream; 1 to %d; default 0: local mode, in this process)", harness.MaxNodes))
	fs.IntVar(&f.cluster.CoresPerNode, "cores-per-node", 0, "with --nodes: pin each node's processes to this many cores, with GOMAXPROCS to match (default 0: not pinned)")
	fs.StringVar(&f.cluster.Join, "cluster", "", "run on the running cluster of this name (its master and agents started with 'streambench cluster master|agent' on its hosts) instead of starting one: needs --nats-url, the server it coordinates through, and its token (--token-file or STREAMBENCH_CLUSTER_TOKEN); --nodes then says how many live agents to wait for")
	fs.StringVar(&f.tokenFile, "token-file", "", "with --cluster: the file holding the cluster's token")
	fs.StringVar(&f.cluster.Listen, "listen", "", "with --cluster: the address the harness's output listener binds, which the workers on other hosts must reach (default 127.0.0.1)")
	fs.StringVar(&f.cluster.Timing, "timing", "", "with --nodes: the cluster's heartbeat and timeout profile, default (Storm's: worker heartbeat 1s, worker timeout 30s) or fast (divided by ten, for tests)")
	fs.StringVar(&f.configFile, "config", "", "file of engine settings in the engine's own format: storm.yaml for core and trident")
	fs.StringArrayVar(&f.conf, "conf", nil, "engine setting key=value in the engine's own vocabulary, repeatable (topology.max.spout.pending=1000; see 'streambench list --engine NAME')")
	fs.StringArrayVar(&f.faults, "fault", nil, "inject a fault, repeatable: '<kill|hang> <worker|agent|master> [<index>|random] at <time> [for <duration>] [every <period> [count <n>]]', as 'kill worker 1 at 10s'; times from the run's start; the result gets each fault's recovery figures. Local mode: kill worker (core); hang, agent and master need --nodes N")
	f.engineFlags = map[string]*string{}
	for _, ef := range harness.EngineFlags() {
		f.engineFlags[ef.Name] = fs.String(ef.Name, "", ef.Usage())
	}
	f.fs = fs
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (read it with go tool pprof); with --nodes, each worker process writes its own beside it, FILE.worker-N")
	if err := parseFlags(fs, args); err != nil {
		return nil, harness.RunConfig{}, err
	}
	cfg, err := f.config(args)
	if err != nil {
		return nil, harness.RunConfig{}, err
	}
	return f, cfg, nil
}

// seedValue is the --seed flag: a uint64 whose errors say what is wrong.
type seedValue uint64

func (s *seedValue) String() string { return strconv.FormatUint(uint64(*s), 10) }
func (s *seedValue) Type() string   { return "uint" }
func (s *seedValue) Set(v string) error {
	n, err := parseSeed(v)
	if err != nil {
		return err
	}
	*s = seedValue(n)
	return nil
}

// parseSeed parses a seed: a whole number from 0 to 2^64-1.
func parseSeed(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("too large: a seed is at most %d", uint64(math.MaxUint64))
	case strings.HasPrefix(v, "-"):
		return 0, errors.New("a seed is not negative: give 0 to 18446744073709551615")
	}
	return 0, errors.New("a seed is a whole number, 0 to 18446744073709551615")
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// config turns the flags into a run configuration.
func (f *runFlags) config(args []string) (harness.RunConfig, error) {
	bad := func(format string, a ...any) error { return &harness.UsageError{Msg: fmt.Sprintf(format, a...)} }
	if f.engine == "" || f.workload == "" {
		return harness.RunConfig{}, bad("run needs --engine and --workload (see 'streambench list')")
	}
	for _, name := range []string{"records", "partitions", "backlog"} {
		if f.fs.Changed(name) {
			if v, _ := strconv.ParseInt(f.fs.Lookup(name).Value.String(), 10, 64); v <= 0 {
				return harness.RunConfig{}, bad("--%s must be positive, got %d", name, v)
			}
		}
	}
	for _, name := range []string{"duration", "drain-timeout"} {
		if f.fs.Changed(name) {
			if d, _ := time.ParseDuration(f.fs.Lookup(name).Value.String()); d <= 0 {
				return harness.RunConfig{}, bad("--%s must be positive, got %v", name, d)
			}
		}
	}
	eng, err := harness.LookupEngine(f.engine)
	if err != nil {
		return harness.RunConfig{}, err
	}
	if _, err := harness.LookupWorkload(f.workload); err != nil {
		return harness.RunConfig{}, err
	}
	rate, err := parseRate(f.rate)
	if err != nil {
		return harness.RunConfig{}, bad("--rate %q: %v", f.rate, err)
	}
	g := eng.DefaultGuarantee()
	if f.guarantee != "" {
		if g, err = engines.ParseGuarantee(f.guarantee); err != nil {
			return harness.RunConfig{}, bad("--guarantee: %v", err)
		}
	}
	params := map[string]string{}
	for _, p := range f.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return harness.RunConfig{}, bad("--param %q: want name=value", p)
		}
		params[k] = v
	}
	if f.cluster.Nodes > 0 && !f.fs.Changed("parallelism") {
		// Every stage gets an executor per node, so each node has work.
		f.parallelism = f.cluster.Nodes
	}
	partitions := f.partitions
	if partitions == 0 {
		partitions = max(4, f.parallelism)
	}
	conf, err := f.engineConf(g)
	if err != nil {
		return harness.RunConfig{}, err
	}
	if f.cluster.Join != "" {
		if f.cluster.Token, err = cluster.ResolveToken("", f.tokenFile, os.Getenv); err != nil {
			return harness.RunConfig{}, bad("--cluster %s: %v", f.cluster.Join, err)
		}
	} else if f.tokenFile != "" {
		return harness.RunConfig{}, bad("--token-file applies to a run on a running cluster: add --cluster NAME")
	}
	faults, err := harness.ParseFaults("--fault", f.faults)
	if err != nil {
		return harness.RunConfig{}, err
	}
	if (f.cluster.Nodes != 0 || f.cluster.Join != "") && !f.fs.Changed("source") {
		f.source.Name = "jetstream" // a cluster's workers read a durable log
	}
	return harness.RunConfig{
		Engine: f.engine, Workload: f.workload, Params: params,
		Seed: f.seed, Partitions: partitions, Parallelism: f.parallelism, Guarantee: g,
		Rate: rate, Records: f.records, Duration: f.duration, Warmup: f.warmup,
		Conf: conf, Backlog: f.backlog, DrainTimeout: f.drainTimeout, Source: f.source, Cluster: f.cluster, CPUProfile: f.cpuProfile,
		Faults:  faults,
		Command: append([]string{"streambench", "run"}, args...),
	}, nil
}

// engineConf gathers the engine's settings: the --config file's, then the
// engine flags' (--batch-interval), then each --conf, later ones winning;
// and checks them with the engine's own configuration code, so a bad key or
// value is refused naming the flag it came from before anything runs.
func (f *runFlags) engineConf(g engines.Guarantee) (engines.Conf, error) {
	bad := func(format string, a ...any) error { return &harness.UsageError{Msg: fmt.Sprintf(format, a...)} }
	conf := engines.Conf{}
	from := map[string]string{}
	if f.configFile != "" {
		c, err := harness.ReadEngineConfigFile(f.engine, f.configFile)
		if err != nil {
			return nil, bad("--config %s: %v", f.configFile, err)
		}
		for k, v := range c {
			conf[k], from[k] = v, "--config "+f.configFile
		}
	}
	for _, ef := range harness.EngineFlags() {
		if !f.fs.Changed(ef.Name) {
			continue
		}
		key, err := ef.KeyFor(f.engine)
		if err != nil {
			return nil, bad("--%s %v", ef.Name, err)
		}
		conf[key], from[key] = *f.engineFlags[ef.Name], "--"+ef.Name
	}
	for _, kv := range f.conf {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, bad("--conf %q: want key=value (see 'streambench list --engine %s')", kv, f.engine)
		}
		conf[k], from[k] = v, "--conf "+kv
	}
	where := func(key string) string {
		if w := from[key]; w != "" {
			return w + ": " + key
		}
		return key
	}
	err := harness.CheckEngineConf(f.engine, g, conf, where)
	if err == nil {
		err = harness.Machine().CheckConf(conf, f.drainTimeout, where)
	}
	if errors.Is(err, engines.ErrGuaranteeNotOffered) {
		return nil, bad("--guarantee %s: %v", g, err)
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	return conf, nil
}

// parseRate parses "max" (0) or a positive rate with an optional k or M.
func parseRate(s string) (float64, error) {
	if s == "max" {
		return 0, nil
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || v <= 0 || math.IsNaN(v) {
		return 0, fmt.Errorf("want a positive number of records per second (100000, 250k, 1.5M) or max")
	}
	if err := harness.CheckRate(v*mult, false); err != nil {
		return 0, err
	}
	return v * mult, nil
}

// defaultOut returns results/<engine>-<workload>-<UTC time>.json, with a
// suffix when a run of the same second already took the name.
func defaultOut(engine, workload string, now time.Time) string {
	base := filepath.Join("results", fmt.Sprintf("%s-%s-%s", engine, workload, now.UTC().Format("20060102T150405Z")))
	path := base + ".json"
	for i := 2; ; i++ {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return path
		}
		path = fmt.Sprintf("%s-%d.json", base, i)
	}
}

// printSummary prints one screen about a run.
func printSummary(w io.Writer, r *resultfile.Result, out string) {
	// At max rate the driver publishes as fast as the source takes records,
	// so its publish rate says nothing the throughput line does not.
	rate := "max rate"
	if !r.Rate.Max {
		rate = fmt.Sprintf("%s/s asked, %s/s achieved", count(r.Rate.Asked), count(r.Rate.Achieved))
	}
	fmt.Fprintf(w, "streambench run: %s on %s (%s), seed %d, %d partitions, parallelism %d\n",
		r.Engine, r.Workload, r.Guarantee, r.Seed, r.Partitions, r.Parallelism)
	switch r.Source {
	case "jetstream":
		what := fmt.Sprintf("stream %v", r.SourceSettings["stream"])
		switch r.SourceSettings["class"] {
		case "queue":
			what += " read as a reliable queue"
		case "feed":
			what = fmt.Sprintf("a feed on subjects %v", r.SourceSettings["subjects"])
		}
		fmt.Fprintf(w, "  source        jetstream: %v at %v, %s; the figures include the broker\n",
			r.SourceSettings["where"], r.SourceSettings["url"], what)
	case "socket":
		fmt.Fprintf(w, "  source        socket: %d loopback listeners the engine connects to, no broker; the figures include the TCP hop and line parsing\n", r.Partitions)
	case "files":
		fmt.Fprintf(w, "  source        files: in %v, no broker; records count as read when their file appears (reads are not observable)\n", r.SourceSettings["dir"])
	default:
		fmt.Fprintf(w, "  source        %s: the engine alone, no broker\n", r.Source)
	}
	fmt.Fprintf(w, "  records       %s published (%s), %s measured over %.2fs after %gs warm-up\n",
		count(float64(r.Records)), rate, count(float64(r.RecordsMeasured)), r.DurationS, r.WarmupS)
	if r.WarmupNote != "" {
		fmt.Fprintf(w, "                (%s)\n", r.WarmupNote)
	}
	t := r.Throughput
	fmt.Fprintf(w, "  throughput    %s records/s  (%s per node, %s per core; %s outputs/s, %s/s)\n",
		count(t.RecordsPerSecond), count(t.RecordsPerSecondPerNode), count(t.RecordsPerSecondPerCore),
		count(t.OutputsPerSecond), bytesize(t.BytesPerSecond))
	if c := r.Cluster; c != nil {
		pinned := "not pinned to cores"
		if n := r.Environment.CoresPerNode; n > 0 {
			pinned = fmt.Sprintf("%d cores each", n)
			if r.Environment.NodesShareCores {
				pinned += ", shared between nodes: this machine has too few cores to give each node its own"
			}
		}
		where := "started for the run on this machine"
		if c.Joined != "" {
			where, pinned = "of cluster "+c.Joined, "cores as its agents were started"
		}
		fmt.Fprintf(w, "  cluster       %d nodes %s (%s), %d worker processes, %s timing; outputs crossed TCP to the harness\n",
			r.Environment.Nodes, where, pinned, c.Workers, c.Timing)
		for _, n := range c.Nodes {
			fmt.Fprintf(w, "    node %-8s %s records/s  (%s records read, %s outputs, %d workers, %.2fs CPU)\n",
				n.Node, count(n.RecordsPerSecond), count(float64(n.RecordsRead)), count(float64(n.Outputs)), n.Workers, n.CPUSeconds)
		}
	}
	if c := r.CPU; c != nil {
		whole := "the whole process"
		if r.Cluster != nil {
			whole = "the harness's process: its driver, broker and sink; the workers' CPU is under cluster"
		}
		fmt.Fprintf(w, "  cpu           %.0f ns per record  (%.2fs user, %.2fs system, %s)\n", c.NsPerRecord, c.UserS, c.SystemS, whole)
	}
	l := r.Latency
	fmt.Fprintf(w, "  latency       p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%s outputs, from intended send time)\n",
		micros(l.P50), micros(l.P90), micros(l.P99), micros(l.P999), micros(l.Max), count(float64(l.Count)))
	if l.ClampedLow+l.ClampedHigh > 0 {
		fmt.Fprintf(w, "                %d below 1µs and %d above 1h clamped into range\n", l.ClampedLow, l.ClampedHigh)
	}
	s := r.SendDelay
	fmt.Fprintf(w, "  send delay    p50 %s  p99 %s  max %s  (%d sends dropped)\n", micros(s.P50), micros(s.P99), micros(s.Max), r.SendsDropped)
	v := r.Verification
	verdict := "OK for " + v.Guarantee.String()
	if v.Interrupted && v.OK {
		verdict = "OK for " + v.Guarantee.String() + " as far as the run went"
	}
	if !v.OK {
		verdict = "FAILED: " + strings.Join(v.Problems, "; ")
	}
	fmt.Fprintf(w, "  verification  %s %s expected: lost %s, duplicated %s, wrong %s  %s\n",
		count(float64(v.Expected)), v.Unit, count(float64(v.Lost)), count(float64(v.Duplicated)), count(float64(v.Wrong)), verdict)
	if v.Note != "" {
		fmt.Fprintf(w, "                (%s)\n", v.Note)
	}
	printRecovery(w, r.Recovery)
	if r.Error != "" {
		fmt.Fprintf(w, "  error         %s\n", r.Error)
	}
	if out == "" {
		fmt.Fprintf(w, "  result        not written\n")
		return
	}
	fmt.Fprintf(w, "  result        %s (+ %s)\n", out, filepath.Base(resultfile.HistogramLogPath(out)))
}

// count formats a number with thousands separators.
func count(v float64) string {
	n := int64(math.Round(v))
	s := strconv.FormatInt(max(n, -n), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// micros formats microseconds with a fitting unit.
func micros(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%dµs", us)
	case us < 1_000_000:
		return fmt.Sprintf("%.3gms", float64(us)/1e3)
	}
	return fmt.Sprintf("%.3gs", float64(us)/1e6)
}

func bytesize(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", b/(1<<10))
}

// printRecovery prints each injected fault and how the run came back from
// it.
func printRecovery(w io.Writer, rs []resultfile.RecoveryFigures) {
	secs := func(p *float64, none string) string {
		if p == nil {
			return none
		}
		return fmt.Sprintf("%.3gs", *p)
	}
	for _, r := range rs {
		pid := ""
		if r.PID != 0 {
			pid = fmt.Sprintf(", pid %d", r.PID)
		}
		warm := ""
		if r.InWarmup {
			warm = ", in the warm-up"
		}
		fmt.Fprintf(w, "  fault         %s: %s%s at %.3fs%s\n", r.Fault, r.Target, pid, r.FaultS, warm)
		if r.Error != "" {
			fmt.Fprintf(w, "                not injected: %s\n", r.Error)
			continue
		}
		if r.ResumedS != nil {
			fmt.Fprintf(w, "                resumed (SIGCONT) at %.3fs\n", *r.ResumedS)
		}
		recovery := fmt.Sprintf("recovery %s (%d seconds at %.0f%% of %s outputs/s)", secs(r.RecoveryS, ""), harness.RecoveryWindow,
			100*harness.RecoveryOutputShare, count(r.BaselineOutputsPerSecond))
		if r.RecoveryS == nil {
			recovery = fmt.Sprintf("no recovery within the run (it takes %d seconds at %.0f%% of %s outputs/s)", harness.RecoveryWindow,
				100*harness.RecoveryOutputShare, count(r.BaselineOutputsPerSecond))
		}
		fmt.Fprintf(w, "                first output after %s, downtime %gs, %s, peak backlog %s, p99 while recovering %s",
			secs(r.FirstOutputS, "none"), r.DowntimeS, recovery, count(float64(r.PeakBacklog)), micros(r.RecoveryLatencyP99))
		if r.DetectionS != nil {
			fmt.Fprintf(w, ", restarted worker seen after %s", secs(r.DetectionS, ""))
		}
		fmt.Fprintln(w)
	}
}
