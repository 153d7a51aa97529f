package config_test

import (
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/config"
)

func TestDefaultsWorkInDevMode(t *testing.T) {
	c, err := config.FromEnv("directory")
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDCJWKSURL != "http://127.0.0.1:8099/jwks.json" || len(c.KafkaBrokers) != 1 || c.OutboxSweep != 5*time.Second {
		t.Fatalf("defaults %+v", c)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("L4L_KAFKA_BROKERS", "a:9092, b:9092,")
	t.Setenv("L4L_OIDC_ISSUER", "https://id.example.org/realms/l4l/")
	t.Setenv("L4L_LOG_LEVEL", "debug")
	c, err := config.FromEnv("plc")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.KafkaBrokers) != 2 || c.KafkaBrokers[1] != "b:9092" || c.OIDCJWKSURL != "https://id.example.org/realms/l4l/jwks.json" {
		t.Fatalf("%+v", c)
	}
	t.Setenv("L4L_OUTBOX_SWEEP", "soon")
	if _, err := config.FromEnv("plc"); err == nil {
		t.Fatal("a bad duration must be refused")
	}
}
