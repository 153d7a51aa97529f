// Package config reads a service's settings from environment variables. Every setting has
// a default that works with the dev stack (`make run`), so only production sets them.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Service is what every l4l service is configured with.
type Service struct {
	Name string
	// HTTPAddr is where the API listens (L4L_HTTP_ADDR, default :8080).
	HTTPAddr string
	// MongoURI (L4L_MONGO_URI).
	MongoURI string
	// KafkaBrokers, comma-separated (L4L_KAFKA_BROKERS).
	KafkaBrokers []string
	// OIDC issuer, audience and JWKS URL (L4L_OIDC_ISSUER, L4L_OIDC_AUDIENCE,
	// L4L_OIDC_JWKS_URL; the JWKS URL defaults to <issuer>/jwks.json, the dev issuer's).
	OIDCIssuer, OIDCAudience, OIDCJWKSURL string
	// Countries whose profiles the service loads: built-in names ("rw", "ke") or paths to
	// CountryProfile YAML files (L4L_COUNTRIES, default "rw,ke").
	Countries []string
	// Tenants served without a tenancy event, whose indexes are applied before serving
	// (L4L_TENANTS, comma-separated). EveryTenant ("*") serves every tenant of the loaded
	// profiles. Other tenants are served once the tenancy topic announces them
	// provisioned; an announced state (suspended, deprovisioned) overrides this list.
	Tenants []string
	// LogLevel: debug, info, warn, error (L4L_LOG_LEVEL).
	LogLevel slog.Level
	// KafkaSessionTimeout is the consumer groups' session timeout (L4L_KAFKA_SESSION_TIMEOUT,
	// default 6s, the smallest real Kafka accepts by default; the dev broker accepts 500ms).
	KafkaSessionTimeout time.Duration
	// OutboxSweep is how often the outbox relay looks for events left behind
	// (L4L_OUTBOX_SWEEP, default 5s).
	OutboxSweep time.Duration
}

// EveryTenant, as L4L_TENANTS, serves every tenant of the loaded country profiles.
const EveryTenant = "*"

// FromEnv reads the service's configuration.
func FromEnv(name string) (Service, error) {
	c := Service{
		Name:         name,
		HTTPAddr:     env("L4L_HTTP_ADDR", ":8080"),
		MongoURI:     env("L4L_MONGO_URI", "mongodb://127.0.0.1:27017/?maxPoolSize=1"),
		KafkaBrokers: list(env("L4L_KAFKA_BROKERS", "127.0.0.1:9092")),
		OIDCIssuer:   env("L4L_OIDC_ISSUER", "http://127.0.0.1:8099"),
		OIDCAudience: env("L4L_OIDC_AUDIENCE", "l4l"),
		Countries:    list(env("L4L_COUNTRIES", "rw,ke")),
		Tenants:      list(env("L4L_TENANTS", "")),
	}
	c.OIDCJWKSURL = env("L4L_OIDC_JWKS_URL", strings.TrimSuffix(c.OIDCIssuer, "/")+"/jwks.json")
	if err := c.LogLevel.UnmarshalText([]byte(env("L4L_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("L4L_LOG_LEVEL: %w", err)
	}
	var err error
	if c.OutboxSweep, err = duration("L4L_OUTBOX_SWEEP", "5s"); err != nil {
		return c, err
	}
	if c.KafkaSessionTimeout, err = duration("L4L_KAFKA_SESSION_TIMEOUT", "6s"); err != nil {
		return c, err
	}
	return c, nil
}

func duration(key, def string) (time.Duration, error) {
	d, err := time.ParseDuration(env(key, def))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: want a duration like %s, got %q", key, def, os.Getenv(key))
	}
	return d, nil
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
