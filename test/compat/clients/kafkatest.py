# Runs confluent-kafka-python's kafkatest clients (confluent_kafka/kafkatest: the Python implementation of Kafka's
# "verifiable" producer and consumer that Kafka's system tests drive) under Python 3:
#   kafkatest.py producer|consumer [their arguments]
# Debian ships them with Python 2 idioms left (VerifiableClient.set_config calls dict.iteritems; send() puts keys and
# values, bytes in Python 3, into JSON) and an import of their own directory as a top-level module; this patches
# those and changes nothing else.
import os
import runpy
import sys

import confluent_kafka.kafkatest

here = os.path.dirname(confluent_kafka.kafkatest.__file__)
sys.path.insert(0, here)
import verifiable_client  # noqa: E402  (the scripts import it this way)

set_config = verifiable_client.VerifiableClient.set_config


class Py2Dict(dict):
    def iteritems(self):
        return self.items()


verifiable_client.VerifiableClient.set_config = staticmethod(lambda conf, args: set_config(conf, Py2Dict(args)))
send = verifiable_client.VerifiableClient.send
verifiable_client.VerifiableClient.send = lambda self, d: send(self, {k: v.decode('utf-8', 'replace') if isinstance(v, bytes) else v for k, v in d.items()})

kind = sys.argv.pop(1)
script = os.path.join(here, 'verifiable_%s.py' % kind)
sys.argv[0] = script
runpy.run_path(script, run_name='__main__')
