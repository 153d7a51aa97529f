package profile

import (
	"fmt"
	"sort"
	"strings"
)

// +kubebuilder:object:generate=false

// Registry holds the country profiles a service serves and finds a tenant's profile.
type Registry struct {
	byCountry map[string]*Index
}

// LoadRegistry loads profiles by built-in name ("rw", "ke") or YAML file path.
func LoadRegistry(names ...string) (*Registry, error) {
	r := &Registry{byCountry: map[string]*Index{}}
	for _, n := range names {
		var s *Spec
		var err error
		if strings.ContainsAny(n, "/.") {
			s, err = LoadFile(n)
		} else {
			s, err = Load(n)
		}
		if err != nil {
			return nil, fmt.Errorf("country profile %q: %w", n, err)
		}
		r.byCountry[s.Country] = NewIndex(s)
	}
	return r, nil
}

// Country returns a country's profile index.
func (r *Registry) Country(code string) (*Index, bool) {
	x, ok := r.byCountry[code]
	return x, ok
}

// Tenant finds the profile whose tenant level has the unit code, and that unit.
func (r *Registry) Tenant(code string) (*Index, Unit, bool) {
	country, _, _ := strings.Cut(code, "-")
	x, ok := r.byCountry[country]
	if !ok {
		return nil, Unit{}, false
	}
	u, ok := x.Unit(code)
	if !ok || u.Level != x.TenantLevel().Key {
		return nil, Unit{}, false
	}
	return x, u, true
}

// Countries lists the loaded country codes, sorted.
func (r *Registry) Countries() []string {
	out := make([]string, 0, len(r.byCountry))
	for c := range r.byCountry {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
