package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/streambench/streambench/cluster/coord"
)

// MasterFlags are the flags of `streambench cluster master`.
type MasterFlags struct {
	CommonFlags
}

// Register adds the flags to fs.
func (f *MasterFlags) Register(fs *pflag.FlagSet) { f.CommonFlags.Register(fs, true) }

// Resolve checks the flags and returns the master's options.
func (f *MasterFlags) Resolve(getenv func(string) string) (MasterOptions, error) {
	c, err := f.CommonFlags.Resolve(getenv)
	return MasterOptions{Common: c}, err
}

// AgentFlags are the flags of `streambench cluster agent`.
type AgentFlags struct {
	CommonFlags
	Node, Listen, Advertise string
	Slots                   int
	Ports                   string
	CoresPerNode            int
	CPUs                    string
	DataDir                 string
}

// Register adds the flags to fs.
func (f *AgentFlags) Register(fs *pflag.FlagSet) {
	f.CommonFlags.Register(fs, true)
	fs.StringVar(&f.Node, "node", "", "this node's name, unique in the cluster (default: the host name)")
	fs.StringVar(&f.Listen, "listen", "127.0.0.1", "host the worker slots bind; another host's workers need this host's address or 0.0.0.0")
	fs.StringVar(&f.Advertise, "advertise", "", "host the other workers dial to reach this node's workers (default: --listen, or the host name for 0.0.0.0)")
	fs.IntVar(&f.Slots, "slots", 1, fmt.Sprintf("worker slots on free ports, 1 to %d", coord.MaxSlots))
	fs.StringVar(&f.Ports, "ports", "", "worker slots on these ports instead of --slots, e.g. 6700,6701 (Storm's supervisor.slots.ports)")
	fs.IntVar(&f.CoresPerNode, "cores-per-node", 0, "cores the workers get: GOMAXPROCS and, unless --cpus names them, pinned to cores 0..C-1")
	fs.StringVar(&f.CPUs, "cpus", "", "cores the workers are pinned to, e.g. 2-3 (Linux)")
	fs.StringVar(&f.DataDir, "data-dir", "", "this node's data directory, a subdirectory per worker (default: streambench-<cluster>-<node> in the temporary directory)")
}

// Resolve checks the flags and returns the agent's options.
func (f *AgentFlags) Resolve(getenv func(string) string) (AgentOptions, error) {
	c, err := f.CommonFlags.Resolve(getenv)
	o := AgentOptions{Common: c, Node: f.Node, Listen: f.Listen, Advertise: f.Advertise, Slots: f.Slots, Cores: f.CoresPerNode, DataDir: f.DataDir}
	if err != nil {
		return o, err
	}
	if o.Node == "" {
		h, _ := os.Hostname()
		o.Node = sanitizeName(h)
	}
	if err := coord.CheckName("node", o.Node); err != nil {
		return o, fmt.Errorf("--node: %w", err)
	}
	if o.Listen == "" {
		return o, errors.New("--listen is empty: name a host such as 127.0.0.1")
	}
	if f.Ports != "" {
		for p := range strings.SplitSeq(f.Ports, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 1 || n > 65535 {
				return o, fmt.Errorf("--ports %q: %q is not a port (want numbers 1 to 65535 separated by commas)", f.Ports, p)
			}
			o.Ports = append(o.Ports, n)
		}
		o.Slots = 0
	} else if o.Slots < 1 || o.Slots > coord.MaxSlots {
		return o, fmt.Errorf("--slots %d: want 1 to %d", o.Slots, coord.MaxSlots)
	}
	if o.Cores < 0 || o.Cores > coord.MaxCores {
		return o, fmt.Errorf("--cores-per-node %d: want 0 to %d", o.Cores, coord.MaxCores)
	}
	if f.CPUs != "" {
		if o.CPUs, err = ParseCPUs(f.CPUs); err != nil {
			return o, fmt.Errorf("--cpus: %w", err)
		}
		for _, c := range o.CPUs {
			if c >= runtime.NumCPU() {
				return o, fmt.Errorf("--cpus %s: core %d is not on this machine (%d cores: 0 to %d)", f.CPUs, c, runtime.NumCPU(), runtime.NumCPU()-1)
			}
		}
	} else if o.Cores > 0 {
		o.CPUs, _ = NodeCPUs(0, o.Cores, runtime.NumCPU())
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(os.TempDir(), "streambench-"+c.Cluster+"-"+o.Node)
	}
	return o, nil
}

// WorkerFlags are the flags of `streambench cluster worker`, which an agent
// passes (WorkerArgs); the token comes from the environment only.
type WorkerFlags struct {
	CommonFlags
	Topology, Node, DataDir string
	Worker                  int
}

// Register adds the flags to fs.
func (f *WorkerFlags) Register(fs *pflag.FlagSet) {
	f.CommonFlags.Register(fs, false)
	fs.StringVar(&f.Topology, "topology", "", "topology this worker runs")
	fs.IntVar(&f.Worker, "worker", -1, "worker index in the topology's assignment")
	fs.StringVar(&f.Node, "node", "", "node (agent) that started this worker")
	fs.StringVar(&f.DataDir, "data-dir", "", "the node's data directory")
}

// Resolve checks the flags and returns the worker's options, with its
// listener, lifeline and cores from the environment its agent set.
func (f *WorkerFlags) Resolve(getenv func(string) string) (WorkerOptions, error) {
	c, err := f.CommonFlags.Resolve(getenv)
	o := WorkerOptions{Common: c, Topology: f.Topology, Worker: f.Worker, Node: f.Node, DataDir: f.DataDir}
	if err != nil {
		return o, err
	}
	if f.Topology == "" || f.Node == "" || f.Worker < 0 || f.DataDir == "" {
		return o, errors.New("cluster worker needs --topology, --worker, --node and --data-dir: it is started by an agent, not by hand")
	}
	if o.Listen, err = ListenerFromEnv(getenv); err != nil {
		return o, err
	}
	if v := getenv(EnvCPUs); v != "" {
		if o.CPUs, err = ParseCPUs(v); err != nil {
			return o, fmt.Errorf("%s: %w", EnvCPUs, err)
		}
	}
	return o, nil
}

// NodeCPUs returns the cores of node i when each node gets perNode of the
// machine's n: [i*perNode, (i+1)*perNode) modulo n, and whether they
// overlap another node's because the machine has too few.
func NodeCPUs(i, perNode, n int) ([]int, bool) {
	out := make([]int, perNode)
	for j := range out {
		out[j] = (i*perNode + j) % n
	}
	return out, (i+1)*perNode > n
}

func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "node"
	}
	return b.String()
}
