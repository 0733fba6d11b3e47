// Sarama 1.22 (Debian's golang-github-shopify-sarama-dev) driven by test/compat/sarama.test.ts.
// Built offline with GO111MODULE=off GOPATH=/usr/share/gocode. One mode per run, settings as flags;
// prints one JSON object as its last stdout line and exits 1 on any unexpected error.
//
//	produce: SyncProducer.SendMessages (one batch per partition, compressed with -codec), keys, headers (>= 0.11)
//	consume: a PartitionConsumer per partition from the oldest offset until -expect messages
//	offsets: a standalone OffsetManager (OffsetFetch + OffsetCommit v1, "simple" group): read, then commit -commit
//	group:   a ConsumerGroup member (needs -version >= 0.10.2) reading -expect messages, marking and committing them
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

type record struct {
	Partition int32      `json:"partition"`
	Offset    int64      `json:"offset"`
	Key       *string    `json:"key"`
	Value     string     `json:"value"`
	Timestamp int64      `json:"timestamp"` // unix ms, 0 when the format has none
	Headers   [][]string `json:"headers"`
}

var (
	brokers    = flag.String("brokers", "", "bootstrap servers, comma separated")
	version    = flag.String("version", "", "Kafka version to speak (empty: Sarama's default, 0.8.2.0)")
	mode       = flag.String("mode", "", "produce | consume | offsets | group")
	topic      = flag.String("topic", "", "topic")
	codec      = flag.String("codec", "none", "none | gzip | snappy | lz4 | zstd")
	count      = flag.Int("count", 10, "records to produce")
	partitions = flag.Int("partitions", 1, "partitions to produce to / consume from")
	expect     = flag.Int("expect", 0, "records to consume")
	group      = flag.String("group", "", "consumer group")
	commit     = flag.Int64("commit", -1, "offsets mode: offset to commit for partition 0")
	clientID   = flag.String("client-id", "sarama", "client.id")
	idempotent = flag.Bool("idempotent", false, "produce: idempotent producer (InitProducerId, sequence numbers)")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func config() *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = *clientID
	if *version != "" {
		v, err := sarama.ParseKafkaVersion(*version)
		if err != nil {
			fail("version: %v", err)
		}
		c.Version = v
	}
	c.Metadata.Retry.Backoff = 50 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Partitioner = sarama.NewManualPartitioner
	c.Consumer.Return.Errors = true
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	c.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	c.Consumer.Group.Rebalance.Retry.Backoff = 100 * time.Millisecond
	codecs := map[string]sarama.CompressionCodec{"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
		"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD}
	cc, ok := codecs[*codec]
	if !ok {
		fail("unknown codec %q", *codec)
	}
	c.Producer.Compression = cc
	if *idempotent {
		c.Producer.Idempotent = true
		c.Net.MaxOpenRequests = 1
	}
	return c
}

func toRecord(m *sarama.ConsumerMessage) record {
	r := record{Partition: m.Partition, Offset: m.Offset, Value: string(m.Value), Headers: [][]string{}}
	if m.Key != nil {
		k := string(m.Key)
		r.Key = &k
	}
	if !m.Timestamp.IsZero() && m.Timestamp.Unix() > 0 {
		r.Timestamp = m.Timestamp.UnixNano() / int64(time.Millisecond)
	}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, []string{string(h.Key), string(h.Value)})
	}
	return r
}

func produce(addrs []string) interface{} {
	cfg := config()
	p, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		fail("producer: %v", err)
	}
	msgs := make([]*sarama.ProducerMessage, *count)
	for i := range msgs {
		msgs[i] = &sarama.ProducerMessage{Topic: *topic, Partition: int32(i % *partitions),
			Key:   sarama.StringEncoder(fmt.Sprintf("k%d", i)),
			Value: sarama.StringEncoder(fmt.Sprintf("%s-v%d-%s", *codec, i, strings.Repeat("z", (i%4)*25)))}
		if cfg.Version.IsAtLeast(sarama.V0_11_0_0) {
			msgs[i].Headers = []sarama.RecordHeader{{Key: []byte("i"), Value: []byte(fmt.Sprint(i))}}
		}
	}
	if err := p.SendMessages(msgs); err != nil {
		// Refusals are results too (e.g. zstd below Produce v7): report the broker's error, not a crash.
		if errs, ok := err.(sarama.ProducerErrors); ok && len(errs) > 0 {
			_ = p.Close()
			return map[string]interface{}{"error": errs[0].Err.Error()}
		}
		fail("send: %v", err)
	}
	if err := p.Close(); err != nil {
		fail("close: %v", err)
	}
	type sent struct {
		Partition int32 `json:"partition"`
		Offset    int64 `json:"offset"`
	}
	out := make([]sent, len(msgs))
	for i, m := range msgs {
		out[i] = sent{m.Partition, m.Offset}
	}
	return map[string]interface{}{"sent": out}
}

func consume(addrs []string) interface{} {
	c, err := sarama.NewConsumer(addrs, config())
	if err != nil {
		fail("consumer: %v", err)
	}
	msgs := make(chan *sarama.ConsumerMessage, 1000)
	var pcs []sarama.PartitionConsumer
	for p := 0; p < *partitions; p++ {
		pc, err := c.ConsumePartition(*topic, int32(p), sarama.OffsetOldest)
		if err != nil {
			fail("consume partition %d: %v", p, err)
		}
		pcs = append(pcs, pc)
		go func(pc sarama.PartitionConsumer) {
			for m := range pc.Messages() {
				msgs <- m
			}
		}(pc)
		go func(pc sarama.PartitionConsumer) {
			for e := range pc.Errors() {
				fail("partition consumer: %v", e)
			}
		}(pc)
	}
	got := []record{}
	deadline := time.After(15 * time.Second)
	for len(got) < *expect {
		select {
		case m := <-msgs:
			got = append(got, toRecord(m))
		case <-deadline:
			fail("consumed only %d of %d", len(got), *expect)
		}
	}
	for _, pc := range pcs {
		pc.AsyncClose()
	}
	_ = c.Close()
	return map[string]interface{}{"got": got}
}

func offsets(addrs []string) interface{} {
	client, err := sarama.NewClient(addrs, config())
	if err != nil {
		fail("client: %v", err)
	}
	om, err := sarama.NewOffsetManagerFromClient(*group, client)
	if err != nil {
		fail("offset manager: %v", err)
	}
	pom, err := om.ManagePartition(*topic, 0)
	if err != nil {
		fail("manage partition: %v", err)
	}
	next, meta := pom.NextOffset()
	if *commit >= 0 {
		pom.MarkOffset(*commit, "sarama-meta")
	}
	_ = pom.Close()
	_ = om.Close() // flushes the marked offset (OffsetCommit)
	_ = client.Close()
	return map[string]interface{}{"next": next, "metadata": meta}
}

type handler struct {
	mu     sync.Mutex
	got    []record
	claims map[string][]int32
	done   chan struct{}
	once   sync.Once
}

func (h *handler) Setup(s sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	h.claims = s.Claims()
	h.mu.Unlock()
	return nil
}
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.mu.Lock()
		h.got = append(h.got, toRecord(m))
		n := len(h.got)
		h.mu.Unlock()
		s.MarkMessage(m, "")
		if n >= *expect {
			h.once.Do(func() { close(h.done) })
		}
	}
	return nil
}

func consumeGroup(addrs []string) interface{} {
	cfg := config()
	cfg.Consumer.Return.Errors = false
	g, err := sarama.NewConsumerGroup(addrs, *group, cfg)
	if err != nil {
		fail("consumer group: %v", err)
	}
	h := &handler{done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{*topic}, h); err != nil {
				errs <- err
				return
			}
		}
	}()
	select {
	case <-h.done:
	case err := <-errs:
		fail("consume: %v", err)
	case <-time.After(20 * time.Second):
		fail("consumed only %d of %d", len(h.got), *expect)
	}
	// Anything past -expect would arrive now (e.g. a restarted member not starting at the commits).
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := g.Close(); err != nil { // leaves the group after the session's offset manager flushed the marks
		fail("close: %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	parts := h.claims[*topic]
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	return map[string]interface{}{"got": h.got, "parts": parts}
}

func main() {
	flag.Parse()
	addrs := strings.Split(*brokers, ",")
	var out interface{}
	switch *mode {
	case "produce":
		out = produce(addrs)
	case "consume":
		out = consume(addrs)
	case "offsets":
		out = offsets(addrs)
	case "group":
		out = consumeGroup(addrs)
	default:
		fail("unknown mode %q", *mode)
	}
	b, err := json.Marshal(out)
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(b))
}
