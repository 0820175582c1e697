"""Storm's multi-lang protocol for Python components run by streambench's
ShellBolt and ShellSpout (engines/core/multilang).

Messages are JSON, each followed by a line "end". A bolt subclasses Bolt
(ack and fail by hand) or BasicBolt (emits anchored on the input, which is
acked when process returns and failed when it raises); a spout subclasses
Spout. Run one with its run() method:

    import storm

    class SplitSentence(storm.BasicBolt):
        def process(self, tup):
            for w in tup.values[0].split():
                storm.emit([w])

    SplitSentence().run()
"""
import json
import os
import sys
import traceback
from collections import deque

_pending_commands = deque()  # messages read while waiting for task ids
_pending_taskids = deque()  # task id lists read while waiting for a command
_anchor = None  # the tuple a BasicBolt is processing


def read_message():
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)  # the parent closed our input: it is done with us
        line = line.rstrip("\n")
        if line == "end":
            break
        lines.append(line)
    return json.loads("\n".join(lines))


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\nend\n")
    sys.stdout.flush()


def read_task_ids():
    if _pending_taskids:
        return _pending_taskids.popleft()
    msg = read_message()
    while not isinstance(msg, list):
        _pending_commands.append(msg)
        msg = read_message()
    return msg


def read_command():
    if _pending_commands:
        return _pending_commands.popleft()
    msg = read_message()
    while isinstance(msg, list):
        _pending_taskids.append(msg)
        msg = read_message()
    return msg


class Tuple(object):
    def __init__(self, id, component, stream, task, values):
        self.id = id
        self.component = component
        self.stream = stream
        self.task = task
        self.values = values

    def is_heartbeat(self):
        return self.task == -1 and self.stream == "__heartbeat"


def _read_tuple():
    c = read_command()
    return Tuple(c["id"], c["comp"], c["stream"], c["task"], c["tuple"])


def sync():
    send({"command": "sync"})


def ack(tup):
    send({"command": "ack", "id": tup.id})


def fail(tup):
    send({"command": "fail", "id": tup.id})


def log(msg, level=2):
    send({"command": "log", "msg": str(msg), "level": level})


def report_error(msg):
    send({"command": "error", "msg": str(msg)})


def emit(values, stream=None, anchors=None, direct_task=None, need_task_ids=True, id=None):
    """Emit values. In a bolt, anchors default to the tuple a BasicBolt is
    processing; in a spout, id is the message id. Returns the task ids the
    tuple went to, unless need_task_ids is False."""
    msg = {"command": "emit", "tuple": values, "need_task_ids": need_task_ids}
    if stream is not None:
        msg["stream"] = stream
    if direct_task is not None:
        msg["task"] = direct_task
    if id is not None:
        msg["id"] = id
    if anchors is None and _anchor is not None:
        anchors = [_anchor]
    if anchors:
        msg["anchors"] = [a.id for a in anchors]
    send(msg)
    if need_task_ids:
        return read_task_ids()
    return None


def init_component():
    setup = read_message()
    pid = os.getpid()
    open(os.path.join(setup["pidDir"], str(pid)), "w").close()
    send({"pid": pid})
    return setup["conf"], setup["context"]


class Bolt(object):
    def initialize(self, conf, context):
        pass

    def process(self, tup):
        pass

    def run(self):
        conf, context = init_component()
        self.initialize(conf, context)
        while True:
            tup = _read_tuple()
            if tup.is_heartbeat():
                sync()
            else:
                self.process(tup)


class BasicBolt(Bolt):
    def run(self):
        global _anchor
        conf, context = init_component()
        self.initialize(conf, context)
        while True:
            tup = _read_tuple()
            if tup.is_heartbeat():
                sync()
                continue
            _anchor = tup
            try:
                self.process(tup)
                ack(tup)
            except Exception:
                report_error(traceback.format_exc())
                fail(tup)
            _anchor = None


class Spout(object):
    def initialize(self, conf, context):
        pass

    def ack(self, id):
        pass

    def fail(self, id):
        pass

    def activate(self):
        pass

    def deactivate(self):
        pass

    def next_tuple(self):
        pass

    def run(self):
        conf, context = init_component()
        self.initialize(conf, context)
        while True:
            msg = read_command()
            cmd = msg["command"]
            if cmd == "next":
                self.next_tuple()
            elif cmd == "ack":
                self.ack(msg["id"])
            elif cmd == "fail":
                self.fail(msg["id"])
            elif cmd == "activate":
                self.activate()
            elif cmd == "deactivate":
                self.deactivate()
            sync()
