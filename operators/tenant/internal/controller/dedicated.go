package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	return r.apply(ctx, t, policy, func() {
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
	})
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
