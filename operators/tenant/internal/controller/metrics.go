package controller

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
)

// Metrics are the operator's own series, beside controller-runtime's per-controller ones.
// The per-tenant series are deleted when the tenant is, so a deleted district leaves no
// stale series behind.
type Metrics struct {
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the metrics on reg. reader serves l4l_operator_tenants at scrape
// time from the manager's cache, so the gauge can never disagree with the cluster.
func NewMetrics(reg prometheus.Registerer, reader client.Reader) *Metrics {
	m := &Metrics{
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "l4l_operator_reconcile_errors_total",
			Help: "DistrictTenant reconciles that failed, per tenant and Ready reason.",
		}, []string{"tenant", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "l4l_operator_reconcile_duration_seconds",
			Help:    "Duration of DistrictTenant reconciles, per tenant.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"tenant"}),
	}
	reg.MustRegister(m.errors, m.duration, &tenantsCollector{reader: reader})
	return m
}

func (m *Metrics) observe(tenant string, start time.Time) {
	m.duration.WithLabelValues(tenant).Observe(time.Since(start).Seconds())
}

func (m *Metrics) failed(tenant, reason string) { m.errors.WithLabelValues(tenant, reason).Inc() }

// Forget deletes the tenant's series.
func (m *Metrics) Forget(tenant string) {
	m.errors.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
	m.duration.DeleteLabelValues(tenant)
}

var tenantsDesc = prometheus.NewDesc("l4l_operator_tenants",
	"DistrictTenants per country, tier and phase.", []string{"country", "tier", "phase"}, nil)

// tenantsCollector counts DistrictTenants when scraped.
type tenantsCollector struct{ reader client.Reader }

func (c *tenantsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- tenantsDesc }

func (c *tenantsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var list tenancyv1.DistrictTenantList
	if err := c.reader.List(ctx, &list); err != nil {
		ch <- prometheus.NewInvalidMetric(tenantsDesc, err)
		return
	}
	type key struct{ country, tier, phase string }
	counts := map[key]float64{}
	for _, t := range list.Items {
		counts[key{t.Spec.Country, string(tierOf(&t)), string(phaseOf(&t))}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(tenantsDesc, prometheus.GaugeValue, n, k.country, k.tier, k.phase)
	}
}

func tierOf(t *tenancyv1.DistrictTenant) tenancyv1.Tier {
	if t.Spec.Tier == "" {
		return tenancyv1.TierShared
	}
	return t.Spec.Tier
}

func phaseOf(t *tenancyv1.DistrictTenant) tenancyv1.Phase {
	if !t.DeletionTimestamp.IsZero() {
		return tenancyv1.PhaseDeleting
	}
	if t.Status.Phase == "" {
		return tenancyv1.PhasePending
	}
	return t.Status.Phase
}
