package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/devstack"
)

// TestDataSurvivesRestart checks that what make run stored is there after Ctrl-C and a new start.
func TestDataSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	s, err := devstack.Start(ctx, devstack.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Database("d").Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	_ = cl.Disconnect(ctx)
	conn, err := kafka.DialLeader(ctx, "tcp", s.KafkaBrokers[0], "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteMessages(kafka.Message{Value: []byte("kept")}); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
	s.Close()

	s, err = devstack.Start(ctx, devstack.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl, err = mongo.Connect(options.Client().ApplyURI(s.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Disconnect(ctx)
	n, err := cl.Database("d").Collection("c").CountDocuments(ctx, bson.D{})
	if err != nil || n != 1 {
		t.Fatalf("documents after restart = %d, %v; want 1", n, err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: s.KafkaBrokers, Topic: "t", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		m, err := r.ReadMessage(ctx2)
		if err != nil {
			t.Fatalf("message after restart: %v", err)
		}
		if string(m.Value) == "kept" {
			return
		}
	}
}

func TestForTestGivesIsolatedStacks(t *testing.T) {
	a, b := devstack.ForTest(t), devstack.ForTest(t)
	if a.MongoURI == b.MongoURI || a.KafkaBrokers[0] == b.KafkaBrokers[0] {
		t.Fatalf("stacks share an address: %v %v", a, b)
	}
}
