package transporttest_test

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/transporttest"
)

func TestLocalTransport(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, tasks, capacity int) (engines.Transport[int], func(int) <-chan []int) {
		queues := make([]*engines.Queue[int], tasks)
		for i := range queues {
			queues[i] = engines.NewQueue[int](capacity)
		}
		return engines.NewLocalTransport(queues), func(task int) <-chan []int { return queues[task].C() }
	})
}
