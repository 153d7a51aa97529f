package analytics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

// Gauges exports each tenant's KPIs of the current term (or, between terms, of the last
// one) as l4l_kpi_* gauges labelled by country and tenant only — never by school or
// person, so the series stay few and hold no personal data. Percentages become _ratio
// gauges from 0 to 1, medians in days _days; counts keep their name. A KPI without a
// figure (nothing to divide by) is left out rather than exported as 0.
type Gauges struct {
	Store    *store.Store
	Profiles *profile.Registry
	Now      func() time.Time
}

// Describe sends nothing: the gauges depend on the profiles' KPIs, so the collector is
// unchecked.
func (g *Gauges) Describe(chan<- *prometheus.Desc) {}

// GaugeName is the metric a KPI is exported as.
func GaugeName(d domain.Def) string {
	switch d.Unit {
	case domain.Percent:
		return "l4l_kpi_" + d.Key + "_ratio"
	case domain.Days:
		return "l4l_kpi_" + d.Key // the key names its unit: median_days_to_award
	}
	return "l4l_kpi_" + d.Key
}

// Collect computes the KPIs of every tenant that has analytics data.
func (g *Gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tenants, err := g.Store.Tenants.Existing(ctx)
	if err != nil {
		return
	}
	labels := []string{"country", "tenant"}
	parked := prometheus.NewDesc("l4l_kpi_parked_facts", "Facts naming a school the directory has not announced yet (counted once it does).", labels, nil)
	for _, tenant := range tenants {
		x, _, ok := g.Profiles.Tenant(tenant)
		if !ok {
			continue
		}
		m, err := g.Store.Model(ctx, tenant)
		if err != nil {
			continue
		}
		country := x.Spec().Country
		ch <- prometheus.MustNewConstMetric(parked, prometheus.GaugeValue, float64(m.Parked), country, tenant)
		today := x.Date(g.Now())
		periods, err := domain.Periods(x, domain.Term, today, 1)
		if err != nil {
			continue
		}
		defs := domain.DefsFor(x)
		for i, v := range domain.Compute(m, domain.DefaultRules(x, tenant), periods[0], today, "") {
			if v.Value == nil {
				continue
			}
			f := *v.Value
			if v.Unit == domain.Percent {
				f /= 100
			}
			desc := prometheus.NewDesc(GaugeName(defs[i]), defs[i].Name+" (current term; docs/kpis.md).", labels, nil)
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, f, country, tenant)
		}
	}
}
