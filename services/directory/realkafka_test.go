package directory_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/directory"
)

// realKafka is the bootstrap address of the Apache Kafka broker `make test` starts
// (tools/kafka/kafka.sh); without it the test skips, unless L4L_REQUIRE_REAL_KAFKA=1.
func realKafka(t *testing.T) []string {
	t.Helper()
	var brokers []string
	for _, b := range strings.Split(os.Getenv("L4L_TEST_KAFKA"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		if os.Getenv("L4L_REQUIRE_REAL_KAFKA") == "1" {
			t.Fatal("L4L_REQUIRE_REAL_KAFKA=1 but L4L_TEST_KAFKA is not set")
		}
		t.Skip("L4L_TEST_KAFKA is not set; `make test` runs this on Apache Kafka")
	}
	return brokers
}

// An appointment published by recruitment reaches the directory over a real Apache Kafka
// broker, becomes one role assignment (the message comes twice), and the directory's own
// role.assigned event comes back out through its outbox relay onto Kafka. The service runs
// as production configures it: the consumer group's session timeout is the 6 s default,
// which Kafka's group.min.session.timeout.ms accepts (servicetest's 1 s it refuses).
func TestAppointmentReachesTheDirectoryOnRealKafka(t *testing.T) {
	brokers := realKafka(t)
	env := servicetest.Start(t, directory.Definition, func(c *config.Service) {
		c.KafkaBrokers = brokers
		c.KafkaSessionTimeout = 6 * time.Second
	})
	tok := env.Token([]string{"deo"}, "rw-gasabo", "")
	ctx := context.Background()

	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/people", Token: tok,
		Body: map[string]string{"staff_id": "RW-HT-42", "given_name": "Aline", "family_name": "Uwase"}})
	var p struct{ ID string }
	r.JSON(t, &p)

	// The recruitment service's relay creates its topic before publishing; so does this.
	recruitment := events.Topic("recruitment")
	if err := events.EnsureTopics(ctx, brokers, recruitment); err != nil {
		t.Fatal(err)
	}
	appointment := "01a20880-0000-7000-8000-00000000a001"
	e, err := events.New("/l4l/recruitment", "org.l4l.recruitment.leader.appointed.v1", "rw-gasabo", appointment, map[string]string{
		"appointment_id": appointment, "campaign_id": "c1", "person_id": p.ID, "role": "lll", "unit": "rw-gasabo-remera", "start_date": "2027-02-01"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := events.ToMessage(recruitment, e)
	if err != nil {
		t.Fatal(err)
	}
	w := events.NewWriter(brokers)
	defer w.Close()
	t0 := time.Now()
	if err := w.WriteMessages(ctx, m, m); err != nil { // twice: a redelivery changes nothing
		t.Fatal(err)
	}

	type assignment struct{ ID, Role, Unit, Source string }
	roles := func() []assignment {
		var pg page[assignment]
		env.Do(servicetest.Request{Method: "GET", Path: base + "/role-assignments?person_id=" + p.ID, Token: tok}).JSON(t, &pg)
		return pg.Items
	}
	servicetest.Eventually(t, 30*time.Second, "the LLL role assignment", func() bool { return len(roles()) > 0 })
	t.Logf("appointment → role assignment over Kafka in %v", time.Since(t0).Round(time.Millisecond))

	// The directory's role.assigned event, published by its relay to Kafka.
	var assigned []byte
	servicetest.Eventually(t, 30*time.Second, "role.assigned on l4l.directory.events", func() bool {
		assigned = findEvent(t, brokers, events.Topic("directory"), "org.l4l.directory.role.assigned.v1", appointment)
		return assigned != nil
	})
	servicetest.ValidateEvent(t, "api/events", assigned)
	if got := roles(); len(got) != 1 || got[0].ID != appointment || got[0].Role != "lll" || got[0].Unit != "rw-gasabo-remera" || got[0].Source != "recruitment" {
		t.Fatalf("assignments %+v, want the one appointment", got)
	}
}

// findEvent reads topic from the start, partition by partition, and returns the value of
// the first event of type typ whose data mentions id, or nil.
func findEvent(t *testing.T, brokers []string, topic, typ, id string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	_ = conn.Close()
	if err != nil {
		return nil // not created yet
	}
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 50 * time.Millisecond})
		last, err := lastOffset(ctx, brokers, topic, p.ID)
		for err == nil && last > 0 {
			var m kafka.Message
			if m, err = r.ReadMessage(ctx); err != nil {
				break
			}
			if e, derr := events.FromMessage(m); derr == nil && e.Type == typ && strings.Contains(string(e.Data), id) {
				_ = r.Close()
				return m.Value
			}
			if m.Offset >= last-1 {
				break
			}
		}
		_ = r.Close()
		if err != nil {
			t.Fatalf("read %s/%d: %v", topic, p.ID, err)
		}
	}
	return nil
}

func lastOffset(ctx context.Context, brokers []string, topic string, partition int) (int64, error) {
	conn, err := kafka.DialLeader(ctx, "tcp", brokers[0], topic, partition)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.ReadLastOffset()
}
