package controller

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
)

// Names of the objects in a dedicated tenant's namespace.
const (
	QuotaName         = "tenant-quota"
	LimitRangeName    = "tenant-limits"
	NetworkPolicyName = "default-deny-ingress"
)

// ensureNamespace creates a dedicated tenant's namespace with its ResourceQuota,
// LimitRange and a NetworkPolicy that denies ingress except from the platform namespace
// and from the tenant's own pods. Egress stays open: services need DNS, Kafka and MongoDB,
// which live outside the namespace.
func (r *DistrictTenantReconciler) ensureNamespace(ctx context.Context, t *tenancyv1.DistrictTenant) error {
	name := TenantNamespace(t.Spec.Code)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := r.apply(ctx, t, ns, func() {}); err != nil {
		return err
	}
	if !ns.DeletionTimestamp.IsZero() {
		return fmt.Errorf("namespace %s is still terminating", name)
	}

	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: QuotaName, Namespace: name}}
	if err := r.apply(ctx, t, quota, func() { quota.Spec.Hard = r.Config.Quota.DeepCopy() }); err != nil {
		return err
	}

	limits := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: LimitRangeName, Namespace: name}}
	if err := r.apply(ctx, t, limits, func() {
		limits.Spec.Limits = []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        r.Config.DefaultLimits.DeepCopy(),
			DefaultRequest: r.Config.DefaultRequests.DeepCopy(),
		}}
	}); err != nil {
		return err
	}

	policy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: NetworkPolicyName, Namespace: name}}
	if err := r.apply(ctx, t, policy, func() {
		policy.Spec = networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
						corev1.LabelMetadataName: r.Config.Namespace,
					}}},
					{PodSelector: &metav1.LabelSelector{}},
				},
			}},
		}
	}); err != nil {
		return err
	}
	return r.ensureServices(ctx, t, name)
}

// ensureServices runs each service with an image in the tenant's namespace, configured for
// this tenant alone, with the credentials copied into the namespace.
func (r *DistrictTenantReconciler) ensureServices(ctx context.Context, t *tenancyv1.DistrictTenant, ns string) error {
	if len(r.Config.Images) == 0 {
		return nil
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: TenantSecretName, Namespace: ns}}
	if err := r.writeSecret(ctx, t, secret, r.Databases.Names(r.Config.Services, t.Spec.Code)); err != nil {
		return err
	}
	for _, svc := range r.Config.Services {
		image, ok := r.Config.Images[svc]
		if !ok {
			continue
		}
		selector := map[string]string{"app.kubernetes.io/name": svc, "app.kubernetes.io/instance": t.Spec.Code}
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: svc, Namespace: ns}}
		if err := r.apply(ctx, t, dep, func() { r.deployment(dep, t, svc, image, selector) }); err != nil {
			return err
		}
		service := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: svc, Namespace: ns}}
		if err := r.apply(ctx, t, service, func() {
			service.Spec.Selector = selector
			service.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}
		}); err != nil {
			return err
		}
	}
	return nil
}

// deployment sets the fields the operator owns and leaves the API server's defaults alone,
// so an unchanged tenant does not rewrite its Deployments.
func (r *DistrictTenantReconciler) deployment(dep *appsv1.Deployment, t *tenancyv1.DistrictTenant, svc, image string, selector map[string]string) {
	if dep.Spec.Selector == nil { // immutable once created
		dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: selector}
	}
	if dep.Spec.Replicas == nil {
		dep.Spec.Replicas = ptr.To[int32](1)
	}
	tmpl := &dep.Spec.Template
	tmpl.Labels = selector
	nonRoot := true
	tmpl.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: &nonRoot, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	if len(tmpl.Spec.Containers) != 1 {
		tmpl.Spec.Containers = []corev1.Container{{}}
	}
	c := &tmpl.Spec.Containers[0]
	c.Name, c.Image = svc, image
	c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	c.Env = append([]corev1.EnvVar{
		{Name: "L4L_HTTP_ADDR", Value: ":8080"},
		{Name: "L4L_TENANTS", Value: t.Spec.Code},
		{Name: "L4L_COUNTRIES", Value: t.Spec.Country},
		{Name: "L4L_KAFKA_BROKERS", Value: strings.Join(r.Config.KafkaBrokers, ",")},
		{Name: "L4L_MONGO_URI", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: TenantSecretName}, Key: "L4L_MONGO_URI"}}},
	}, r.Config.ServiceEnv...)
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}}}
	}
	if c.LivenessProbe == nil {
		c.LivenessProbe = probe("/healthz")
	}
	if c.ReadinessProbe == nil {
		c.ReadinessProbe = probe("/readyz")
	}
	noEscalation, readOnly := false, true
	c.SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &noEscalation, ReadOnlyRootFilesystem: &readOnly,
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
}

// apply creates or updates obj, labelled and owned by the tenant, after mutate sets its
// desired state.
func (r *DistrictTenantReconciler) apply(ctx context.Context, t *tenancyv1.DistrictTenant, obj client.Object, mutate func()) error {
	_, err := controllerutil.CreateOrUpdate(ctx, r.Client, obj, func() error {
		mutate()
		obj.SetLabels(r.labels(t, obj.GetLabels()))
		return controllerutil.SetControllerReference(t, obj, r.Scheme)
	})
	if err != nil {
		return fmt.Errorf("%T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
	}
	return nil
}
