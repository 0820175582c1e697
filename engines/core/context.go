package core

import (
	"slices"

	"github.com/streambench/streambench/engines"
)

// TopologyContext tells a task where it stands in its topology (Storm's
// TopologyContext): its component, its task id, and the tasks and streams
// of the other components.
type TopologyContext struct {
	plan   *plan
	comp   *compPlan
	taskID int
	coord  engines.KV
}

// TopologyName returns the name the topology was submitted under.
func (c *TopologyContext) TopologyName() string { return c.plan.name }

// Coordination returns the topology's coordination store, where a
// SourceSpout commits its offsets (see WithCoordination). It lives as long
// as the cluster's store: across a KillWorker, and in a distributed
// topology across the worker processes, so a restarted task reads what its
// last life wrote.
func (c *TopologyContext) Coordination() engines.KV { return c.coord }

// ThisComponentID returns the id of the task's component.
func (c *TopologyContext) ThisComponentID() string { return c.comp.id }

// ThisTaskID returns the task's id, unique in the topology.
func (c *TopologyContext) ThisTaskID() int { return c.taskID }

// ThisTaskIndex returns the task's position among its component's tasks,
// from 0.
func (c *TopologyContext) ThisTaskIndex() int { return slices.Index(c.comp.tasks, c.taskID) }

// ComponentTasks returns the task ids of a component, in order, or nil.
func (c *TopologyContext) ComponentTasks(componentID string) []int {
	if p, ok := c.plan.byID[componentID]; ok {
		return slices.Clone(p.tasks)
	}
	return nil
}

// ComponentID returns the component of a task id, or "".
func (c *TopologyContext) ComponentID(taskID int) string {
	if taskID < 1 || taskID > c.plan.numTasks {
		return ""
	}
	return c.plan.taskComp[taskID].id
}

// ComponentOutputFields returns the fields of a component's stream.
func (c *TopologyContext) ComponentOutputFields(componentID, streamID string) (Fields, bool) {
	p, ok := c.plan.byID[componentID]
	if !ok {
		return Fields{}, false
	}
	s, ok := p.byStream[streamID]
	if !ok {
		return Fields{}, false
	}
	return s.fields, true
}

// ThisSources returns the streams the task's component subscribes to.
func (c *TopologyContext) ThisSources() []GlobalStreamID {
	if c.comp.def == nil {
		return nil
	}
	var out []GlobalStreamID
	for _, in := range c.comp.def.inputs {
		out = append(out, GlobalStreamID{ComponentID: in.component, StreamID: in.stream})
	}
	return out
}

// ThisSourceTasks returns how many tasks emit into the task's component,
// summed over its inputs: the producers a windowed bolt's watermark waits
// for.
func (c *TopologyContext) ThisSourceTasks() int {
	n := 0
	for _, s := range c.ThisSources() {
		n += len(c.plan.byID[s.ComponentID].tasks)
	}
	return n
}
