# A bolt that misbehaves on request: the sentence "die" exits, "hang"
# stops answering, "garbage" writes what is not the protocol.
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import storm


class Misbehave(storm.Bolt):
    def process(self, tup):
        word = tup.values[0]
        if word == "die":
            os._exit(3)
        if word == "hang":
            while True:
                time.sleep(1)
        if word == "garbage":
            sys.stdout.write("this is not json\nend\n")
            sys.stdout.flush()
            return
        storm.emit([word], anchors=[tup])
        storm.ack(tup)


Misbehave().run()
