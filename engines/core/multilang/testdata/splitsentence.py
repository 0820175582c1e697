import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import storm


class SplitSentence(storm.BasicBolt):
    def process(self, tup):
        for w in tup.values[0].split():
            storm.emit([w])


SplitSentence().run()
