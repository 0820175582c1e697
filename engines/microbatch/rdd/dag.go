package rdd

import (
	"fmt"
	"sync"
)

// stageDep is a shuffle dependency: the boundary between a shuffle map stage
// and the stage that reads its output. The DAG scheduler runs a dependency's
// map stage once; its output stays available while the RDD that reads it is
// referenced, like Spark's shuffle files.
type stageDep interface {
	shuffleID() int64
	mapSide() node
	numMaps() int
	// run computes every map output, at most once; concurrent callers wait.
	run(sc *Context) error
}

// runJob runs task on every partition of final after running the shuffle map
// stages it depends on, parents first: Spark's DAGScheduler splitting a job
// at shuffle boundaries and submitting missing parent stages before the
// result stage.
func runJob(sc *Context, final node, n int, task func(p int) error) error {
	if err := submitMissingParents(sc, final); err != nil {
		return err
	}
	stage := fmt.Sprintf("%d (result stage of %s)", sc.nextStage.Add(1), final.rddName())
	return sc.runTasks(stage, n, task)
}

// submitMissingParents runs the shuffle map stages reachable from n through
// narrow dependencies. A fully cached RDD cuts the walk: its lineage is not
// needed any more.
func submitMissingParents(sc *Context, n node) error {
	seen := map[int64]bool{}
	var walk func(n node) error
	walk = func(n node) error {
		if seen[n.rddID()] || n.fullyCached() {
			return nil
		}
		seen[n.rddID()] = true
		for _, d := range n.shuffleDeps() {
			if err := d.run(sc); err != nil {
				return err
			}
		}
		for _, p := range n.narrowParents() {
			if err := walk(p); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n)
}

// shuffleDep is a hash shuffle whose map tasks each write one bucket of type
// M per reduce partition. The map-output store is in memory; it is the seam
// (Spark's ShuffleManager and MapOutputTracker) that a cluster deployment
// replaces with an exchange between processes.
type shuffleDep[M any] struct {
	id       int64
	parent   node
	maps     int
	reduces  int
	write    func(mapPart int) ([]M, error)
	mu       sync.Mutex
	done     bool
	err      error
	outputs  [][]M // [map partition][reduce partition]
	describe string
}

func newShuffleDep[M any](sc *Context, parent node, maps, reduces int, describe string, write func(int) ([]M, error)) *shuffleDep[M] {
	return &shuffleDep[M]{id: sc.nextShuffle.Add(1), parent: parent, maps: maps, reduces: reduces, write: write, describe: describe}
}

func (d *shuffleDep[M]) shuffleID() int64 { return d.id }
func (d *shuffleDep[M]) mapSide() node    { return d.parent }
func (d *shuffleDep[M]) numMaps() int     { return d.maps }

func (d *shuffleDep[M]) run(sc *Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return nil
	}
	if err := submitMissingParents(sc, d.parent); err != nil {
		return err
	}
	outputs := make([][]M, d.maps)
	stage := fmt.Sprintf("%d (shuffle map stage %d of %s)", sc.nextStage.Add(1), d.id, d.describe)
	err := sc.runTasks(stage, d.maps, func(p int) error {
		out, err := d.write(p)
		if err != nil {
			return err
		}
		outputs[p] = out
		return nil
	})
	if err != nil {
		return err
	}
	d.outputs, d.done = outputs, true
	return nil
}

// blocks returns the bucket of reduce partition r from every map output.
func (d *shuffleDep[M]) blocks(r int) []M {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]M, 0, len(d.outputs))
	for _, o := range d.outputs {
		out = append(out, o[r])
	}
	return out
}
