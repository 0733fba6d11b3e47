// optiopay/kafka v2 (Debian's golang-github-optiopay-kafka-dev) driven by test/compat/optiopay.test.ts.
// Built offline with GO111MODULE=off GOPATH=/usr/share/gocode. It negotiates versions with ApiVersions v0 and
// speaks Produce v0-2 (magic 0/1 message sets, gzip/snappy), Fetch v0-5 (record batches from v4), Metadata v0-5,
// OffsetCommit/OffsetFetch v0-3, FindCoordinator ("ConsumerMetadata") v0-1 and CreateTopics.
// One mode per run, settings as flags; prints one JSON object as its last stdout line, exits 1 on an unexpected error.
//
//	create:   CreateTopic(-topic, -partitions, replication factor 1)
//	metadata: Broker.Metadata
//	produce:  one Produce call of -count messages (keys k<i>, values <codec>-v<i>) to -partition with -codec
//	consume:  a Consumer from -start until -expect messages (no data after a few retries ends it early)
//	offsets:  OffsetEarliest / OffsetLatest of -partition
//
// (Its OffsetCoordinator is left out: its FindCoordinator v1 lacks the key type byte, which Kafka cannot parse.)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/optiopay/kafka/v2"
	"github.com/optiopay/kafka/v2/proto"
)

var (
	brokers    = flag.String("brokers", "", "bootstrap servers, comma separated")
	mode       = flag.String("mode", "", "create | metadata | produce | consume | offsets")
	topic      = flag.String("topic", "", "topic")
	partition  = flag.Int("partition", 0, "partition")
	partitions = flag.Int("partitions", 1, "create: partitions")
	codec      = flag.String("codec", "none", "none | gzip | snappy")
	count      = flag.Int("count", 10, "produce: messages")
	expect     = flag.Int("expect", 0, "consume: messages")
	start      = flag.Int64("start", kafka.StartOffsetOldest, "consume: first offset (-2 oldest, -1 newest)")
	clientID   = flag.String("client-id", "optiopay", "client id")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func print(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(b))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func main() {
	flag.Parse()
	conf := kafka.NewBrokerConf(*clientID)
	conf.DialTimeout = 5 * time.Second
	conf.DialRetryLimit = 3
	b, err := kafka.Dial(strings.Split(*brokers, ","), conf)
	if err != nil {
		fail("dial: %v", err)
	}
	defer b.Close()
	part := int32(*partition)

	switch *mode {
	case "create":
		resp, err := b.CreateTopic([]proto.TopicInfo{{Topic: *topic, NumPartitions: int32(*partitions), ReplicationFactor: 1}}, 5*time.Second, false)
		if err != nil {
			fail("create: %v", err)
		}
		out := []map[string]interface{}{}
		for _, e := range resp.TopicErrors {
			out = append(out, map[string]interface{}{"topic": e.Topic, "code": e.ErrorCode, "error": errString(e.Err)})
		}
		print(map[string]interface{}{"topics": out})

	case "metadata":
		md, err := b.Metadata()
		if err != nil {
			fail("metadata: %v", err)
		}
		brokers := []map[string]interface{}{}
		for _, br := range md.Brokers {
			brokers = append(brokers, map[string]interface{}{"id": br.NodeID, "host": br.Host, "port": br.Port})
		}
		topics := map[string][]int32{}
		for _, t := range md.Topics {
			for _, p := range t.Partitions {
				topics[t.Name] = append(topics[t.Name], p.Leader)
			}
		}
		print(map[string]interface{}{"brokers": brokers, "leaders": topics})

	case "produce":
		pconf := kafka.NewProducerConf()
		pconf.RetryLimit = 3
		switch *codec {
		case "gzip":
			pconf.Compression = proto.CompressionGzip
		case "snappy":
			pconf.Compression = proto.CompressionSnappy
		}
		msgs := make([]*proto.Message, *count)
		for i := range msgs {
			msgs[i] = &proto.Message{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("%s-v%d", *codec, i))}
		}
		offset, err := b.Producer(pconf).Produce(*topic, part, msgs...)
		print(map[string]interface{}{"offset": offset, "error": errString(err)})

	case "consume":
		cconf := kafka.NewConsumerConf(*topic, part)
		cconf.StartOffset = *start
		cconf.RetryLimit = 40 // ~2 s of empty fetches, then ErrNoData
		c, err := b.Consumer(cconf)
		if err != nil {
			fail("consumer: %v", err)
		}
		got := []map[string]interface{}{}
		for len(got) < *expect {
			m, err := c.Consume()
			if err == kafka.ErrNoData {
				break
			}
			if err != nil {
				fail("consume: %v", err)
			}
			got = append(got, map[string]interface{}{"offset": m.Offset, "key": string(m.Key), "value": string(m.Value), "partition": m.Partition})
		}
		print(map[string]interface{}{"got": got})

	case "offsets":
		earliest, err := b.OffsetEarliest(*topic, part)
		if err != nil {
			fail("earliest: %v", err)
		}
		latest, err := b.OffsetLatest(*topic, part)
		if err != nil {
			fail("latest: %v", err)
		}
		print(map[string]interface{}{"earliest": earliest, "latest": latest})

	default:
		fail("unknown mode %q", *mode)
	}
}
