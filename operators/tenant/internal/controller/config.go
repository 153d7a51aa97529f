// Package controller reconciles CountryProfiles and DistrictTenants.
package controller

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels the operator puts on what it creates. The cache only watches objects carrying
// ManagedByLabel, so the operator never lists every Secret or Namespace of the cluster.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "l4l-tenant-operator"
	TenantLabel    = "l4l.org/tenant"
	CountryLabel   = "l4l.org/country"
	Finalizer      = "l4l.org/tenant-cleanup"
)

// DefaultServices are the services with a database per tenant (DESIGN §3).
var DefaultServices = []string{"directory", "recruitment", "plc", "coaching", "accreditation", "analytics"}

// Config is what the operator is told at start.
type Config struct {
	// Namespace is the platform's namespace: tenant credentials live there, and dedicated
	// tenants' network policies admit traffic from it.
	Namespace string
	// Services are the service names whose per-tenant databases the operator provisions.
	Services []string
	// MongoURI is the connection URI written into each tenant's Secret for its services.
	MongoURI string
	// Quota is the ResourceQuota of a dedicated tenant's namespace.
	Quota corev1.ResourceList
	// DefaultRequests and DefaultLimits are the LimitRange defaults of a container there.
	DefaultRequests corev1.ResourceList
	DefaultLimits   corev1.ResourceList
	// Images maps a service name to its image. A dedicated tenant gets a Deployment and a
	// Service of each service listed here, in its namespace; none when it is empty.
	Images map[string]string
	// KafkaBrokers and ServiceEnv (e.g. the L4L_OIDC_* settings) configure those services.
	KafkaBrokers []string
	ServiceEnv   []corev1.EnvVar
}

// DefaultConfig holds sizes fit for one district's services.
func DefaultConfig(namespace, mongoURI string) Config {
	return Config{
		Namespace: namespace,
		Services:  DefaultServices,
		MongoURI:  mongoURI,
		Quota: corev1.ResourceList{
			corev1.ResourceRequestsCPU:    resource.MustParse("4"),
			corev1.ResourceRequestsMemory: resource.MustParse("8Gi"),
			corev1.ResourceLimitsCPU:      resource.MustParse("8"),
			corev1.ResourceLimitsMemory:   resource.MustParse("16Gi"),
			corev1.ResourcePods:           resource.MustParse("50"),
		},
		DefaultRequests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("50m"),
			corev1.ResourceMemory: resource.MustParse("64Mi"),
		},
		DefaultLimits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("256Mi"),
		},
	}
}

// CacheOptions restricts the manager's cache to the objects the operator labelled, so it
// never lists every Namespace or Deployment of the cluster.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{ManagedByLabel: ManagedBy})
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Namespace{}:           {Label: managed},
		&corev1.ResourceQuota{}:       {Label: managed},
		&corev1.LimitRange{}:          {Label: managed},
		&networkingv1.NetworkPolicy{}: {Label: managed},
		&appsv1.Deployment{}:          {Label: managed},
		&corev1.Service{}:             {Label: managed},
	}}
}

// ClientOptions keeps Secrets out of the cache: caching them would need list and watch on
// every Secret of the cluster (RBAC cannot filter by label), while reading the few the
// operator writes directly needs only get.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// TenantNamespace is a dedicated tenant's namespace: l4l-<code>. The code already starts
// with the country ("rw-gasabo"), so this is l4l-<country>-<district>.
func TenantNamespace(code string) string { return "l4l-" + code }

// TenantSecretName is the credentials Secret copied into a dedicated tenant's namespace
// for its services' pods (which cannot read Secrets of another namespace).
const TenantSecretName = "tenant-credentials"

// SecretName is the name of a tenant's credentials Secret in the platform namespace.
func SecretName(code string) string { return "tenant-" + code }

func dbUser(code string) string { return "l4l_" + strings.ReplaceAll(code, "-", "_") }
