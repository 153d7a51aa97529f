package events

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// register adds c to reg and returns the collector to use. A service may build two relays
// or consumers on one registry (or a test may build many): the second gets the first's
// collector instead of a panic, and its series differ by label values.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// A conflicting descriptor is a programming error, as with MustRegister.
		panic(err)
	}
	return c
}
