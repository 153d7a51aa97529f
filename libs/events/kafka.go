package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// TenancyTopic carries the tenant operator's events. It is compacted and keyed by tenant
// alone, so a service starting from scratch reads the latest state of every tenant.
const TenancyTopic = "l4l.tenancy.events"

// DefaultPartitions is the partition count of every topic EnsureTopics creates (DESIGN §3).
const DefaultPartitions = 12

// ContentTypeHeader and CloudEventsJSON mark a message as a structured-mode CloudEvent,
// as the CloudEvents Kafka protocol binding asks.
const (
	ContentTypeHeader = "content-type"
	CloudEventsJSON   = "application/cloudevents+json"
)

// Topic is the topic a service publishes its events to: l4l.<service>.events.
func Topic(service string) string { return "l4l." + service + ".events" }

// DLQTopic is where a consumer group parks the events it could not handle:
// l4l.<consumer>.dlq.
func DLQTopic(consumer string) string { return "l4l." + consumer + ".dlq" }

// Key is the message key "<tenant>/<aggregate id>": the Hash balancer maps equal keys to
// one partition, which keeps one aggregate's events in order.
func Key(tenant, aggregateID string) []byte { return []byte(tenant + "/" + aggregateID) }

// Publisher is what the relay and the consumer's dead-lettering need of a producer;
// *kafka.Writer implements it, and tests wrap it to count or fail calls.
type Publisher interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// NewWriter returns a synchronous writer for event topics. Messages carry their Topic
// (the writer has none), so one writer serves a service's topic and its DLQ.
//
//   - BatchTimeout 5 ms: kafka-go's default of 1 s makes every synchronous write take 1 s.
//   - RequireAll: an acknowledged event survives the loss of the partition leader.
//   - Hash balancer: equal keys land on one partition (per-aggregate order).
//   - MaxAttempts 3 with short backoff: the relay has its own unbounded retry with
//     backoff, so the writer should fail fast rather than hold a batch for ~10 s.
//
// Callers that need TLS or SASL set Transport on the returned writer; Close it on shutdown.
func NewWriter(brokers []string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           5 * time.Millisecond,
		BatchSize:              1000,
		MaxAttempts:            3,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        500 * time.Millisecond,
		ReadTimeout:            10 * time.Second,
		WriteTimeout:           10 * time.Second,
		AllowAutoTopicCreation: true,
	}
}

// ToMessage validates e and turns it into a structured-mode CloudEvents Kafka message on
// topic. The key is Key(tenant, subject), except on TenancyTopic, which is compacted per
// tenant and so is keyed by the tenant alone.
func ToMessage(topic string, e Envelope) (kafka.Message, error) {
	if err := e.Validate(); err != nil {
		return kafka.Message{}, err
	}
	v, err := json.Marshal(e)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("events: marshal %s: %w", e.ID, err)
	}
	key := Key(e.Tenant, e.Subject)
	if topic == TenancyTopic {
		key = []byte(e.Tenant)
	}
	return kafka.Message{
		Topic:   topic,
		Key:     key,
		Value:   v,
		Headers: []kafka.Header{{Key: ContentTypeHeader, Value: []byte(CloudEventsJSON)}},
	}, nil
}

// FromMessage decodes and validates a structured-mode CloudEvent. Any error wraps
// ErrInvalidEnvelope: such a message can never be handled and goes to the DLQ at once.
func FromMessage(m kafka.Message) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(m.Value, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrInvalidEnvelope, err)
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, err
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// EnsureTopics creates topics with DefaultPartitions partitions and the broker's default
// replication factor; TenancyTopic gets cleanup.policy=compact. Topics that exist already
// are fine, so every service may call it at start. It returns once every partition of the
// topics is served by its leader, so a write right after it succeeds.
//
// Create topics before writing to them: on Apache Kafka a kafka-go writer's first write to
// a missing topic fails (the broker auto-creates it asynchronously and kafka-go does not
// retry that step), and the topic it causes gets the broker's num.partitions (1 by
// default) instead of DefaultPartitions. The Relay does it for its topic.
func EnsureTopics(ctx context.Context, brokers []string, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	tr := adminTransport()
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: tr}
	// A broker that did not answer at all (starting, or overloaded: kfake answers "broker
	// not available" under load) is asked again a few times; a refusal is final.
	for attempt, wait := 1, 100*time.Millisecond; ; attempt, wait = attempt+1, 2*wait {
		answered, err := ensureTopics(ctx, cl, topics...)
		if err == nil || answered || attempt == 5 || !sleep(ctx, wait) {
			return err
		}
	}
}

// adminTransport is a transport for creating topics and waiting for them. Not
// kafka.DefaultTransport, whose metadata cache other clients share, and with a short
// metadata TTL: kafka-go answers metadata requests from that cache, so waiting for a topic
// someone else is creating would otherwise wait up to 6 s.
func adminTransport() *kafka.Transport { return &kafka.Transport{MetadataTTL: 100 * time.Millisecond} }

// ensureTopics is EnsureTopics through cl. answered reports whether the broker answered
// the request, even if only to refuse a topic (e.g. for lack of the CREATE ACL): asking
// again would not help then.
func ensureTopics(ctx context.Context, cl *kafka.Client, topics ...string) (answered bool, err error) {
	if len(topics) == 0 {
		return true, nil
	}
	req := &kafka.CreateTopicsRequest{}
	seen := map[string]bool{}
	for _, t := range topics {
		if seen[t] {
			continue
		}
		seen[t] = true
		tc := kafka.TopicConfig{Topic: t, NumPartitions: DefaultPartitions, ReplicationFactor: -1}
		if t == TenancyTopic {
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
		}
		req.Topics = append(req.Topics, tc)
	}
	res, err := cl.CreateTopics(ctx, req)
	if err != nil {
		return false, fmt.Errorf("events: create topics: %w", err)
	}
	var errs []error
	var exist []string
	for t, err := range res.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("events: create topic %s: %w", t, err))
			continue
		}
		exist = append(exist, t)
	}
	if err := awaitServed(ctx, cl, exist); err != nil {
		errs = append(errs, err)
	}
	return true, errors.Join(errs...)
}

// awaitServed returns once every partition of topics answers a ListOffsets from its
// leader. Kafka acknowledges CreateTopics when the controller has recorded the topics, and
// brokers advertise new leaders before they serve them: a write in that window fails with
// UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER, which the writer's few quick
// retries do not always outlast. "Already exists" may mean "being created by another
// client right now", so existing topics are waited for too. (kfake serves topics at once.)
func awaitServed(ctx context.Context, cl *kafka.Client, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		err := served(ctx, cl, topics)
		if err == nil {
			return nil
		}
		if !sleep(ctx, wait) {
			return fmt.Errorf("events: topics not served yet: %w", err)
		}
	}
}

func served(ctx context.Context, cl *kafka.Client, topics []string) error {
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return err
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range md.Topics {
		if t.Error != nil {
			return fmt.Errorf("%s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			req.Topics[t.Name] = append(req.Topics[t.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	for _, t := range topics {
		if len(req.Topics[t]) == 0 {
			return fmt.Errorf("%s: no partitions yet", t)
		}
	}
	res, err := cl.ListOffsets(ctx, req)
	if err != nil {
		return err
	}
	for t, ps := range res.Topics {
		if len(ps) != len(req.Topics[t]) {
			return fmt.Errorf("%s: %d of %d partitions answered", t, len(ps), len(req.Topics[t]))
		}
		for _, p := range ps {
			if p.Error != nil {
				return fmt.Errorf("%s/%d: %w", t, p.Partition, p.Error)
			}
		}
	}
	return nil
}
