# A spout of the numbers 0..9 as strings, each with its number as message
# id, emitting a failed one again.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import storm


class Numbers(storm.Spout):
    def initialize(self, conf, context):
        self.todo = list(range(10))

    def next_tuple(self):
        if self.todo:
            n = self.todo.pop(0)
            storm.emit([str(n)], id=n)

    def fail(self, id):
        self.todo.append(id)


Numbers().run()
