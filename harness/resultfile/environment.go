package resultfile

// Environment is where a run ran: enough to tell two results apart and to
// reproduce one.
type Environment struct {
	GitCommit   string `json:"git_commit"`
	GitDirty    bool   `json:"git_dirty,omitempty"`
	Version     string `json:"streambench_version"`
	GoVersion   string `json:"go_version"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	CPUModel    string `json:"cpu_model"`
	Cores       int    `json:"cores"`
	MemoryBytes int64  `json:"memory_bytes"`
	Nodes       int    `json:"nodes"`
	// CoresPerNode is how many cores each node's processes were pinned to
	// in a cluster run (0: not pinned); NodesShareCores says that the
	// machine had too few cores to give every node its own.
	CoresPerNode    int    `json:"cores_per_node,omitempty"`
	NodesShareCores bool   `json:"nodes_share_cores,omitempty"`
	Hostname        string `json:"hostname"`
}
