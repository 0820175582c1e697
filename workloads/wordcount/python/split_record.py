"""Word count's split bolt in Python, run by `streambench run --engine core
--workload wordcount --param split=python`: storm-starter's
splitsentence.py, except that the input is the harness's record (a JSON
object) and each word carries the record's partition, offset and intended
time, which the count bolt copies into its outputs.

Words are split on spaces, as the Go split bolt's SplitWords does."""
import storm


class SplitRecord(storm.BasicBolt):
    def process(self, tup):
        r = tup.values[0]
        for w in r["Value"].split(" "):
            if w:
                storm.emit([w, r["Partition"], r["Offset"], r["Intended"]], need_task_ids=False)


SplitRecord().run()
