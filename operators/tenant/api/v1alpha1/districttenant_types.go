package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Tier says where a tenant's services run.
// +kubebuilder:validation:Enum=shared;dedicated
type Tier string

const (
	// TierShared tenants are served by the platform's shared Deployments.
	TierShared Tier = "shared"
	// TierDedicated tenants get their own namespace, quota and network policy.
	TierDedicated Tier = "dedicated"
)

// DeletionPolicy says what happens to a tenant's data when its DistrictTenant is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionRetain keeps the tenant's databases (the default: data outlives mistakes).
	DeletionRetain DeletionPolicy = "Retain"
	// DeletionDelete drops the tenant's databases.
	DeletionDelete DeletionPolicy = "Delete"
)

// Phase summarises a tenant's state for `kubectl get` and the tenants metric.
type Phase string

// Phases of a DistrictTenant.
const (
	PhasePending   Phase = "Pending"
	PhaseReady     Phase = "Ready"
	PhaseSuspended Phase = "Suspended"
	PhaseFailed    Phase = "Failed"
	PhaseDeleting  Phase = "Deleting"
)

// ConditionReady is the DistrictTenant condition saying whether the tenant is provisioned
// and served; its reason says why not.
const ConditionReady = "Ready"

// Reasons of the Ready condition.
const (
	ReasonProvisioned        = "Provisioned"
	ReasonSuspended          = "Suspended"
	ReasonProfileNotFound    = "ProfileNotFound"
	ReasonProfileInvalid     = "ProfileInvalid"
	ReasonUnknownUnit        = "UnknownUnit"
	ReasonNotTenantLevel     = "NotTenantLevel"
	ReasonProvisioningFailed = "ProvisioningFailed"
	ReasonDeprovisioning     = "Deprovisioning"
)

// Contact is a person to reach about the tenant (the district's focal point).
type Contact struct {
	// Name of the contact.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Email address.
	// +optional
	Email string `json:"email,omitempty"`
	// Phone number.
	// +optional
	Phone string `json:"phone,omitempty"`
	// Role the contact holds (a profile role key, or free text such as "ICT officer").
	// +optional
	Role string `json:"role,omitempty"`
}

// DistrictTenantSpec is a district (a unit of its country profile's tenant level) served by
// the platform.
type DistrictTenantSpec struct {
	// Country is the country code, the name of the CountryProfile.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="country is immutable"
	Country string `json:"country"`
	// Code is the tenant's unit code in the profile ("rw-gasabo"); it names the tenant's
	// databases, topics keys and namespace, so it cannot change.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z0-9]+)+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="code is immutable"
	Code string `json:"code"`
	// DisplayName is the district's name as shown to users.
	// +kubebuilder:validation:MinLength=1
	DisplayName string `json:"displayName"`
	// ParentUnit is the code of the unit above the district (Rwanda: the province).
	// +optional
	ParentUnit string `json:"parentUnit,omitempty"`
	// Tier is shared (the platform's Deployments serve it) or dedicated (its own namespace).
	// +kubebuilder:default=shared
	// +optional
	Tier Tier `json:"tier,omitempty"`
	// Contacts are the people to reach about this tenant.
	// +optional
	// +listType=atomic
	Contacts []Contact `json:"contacts,omitempty"`
	// Suspended stops the tenant's writes: services refuse them until it is cleared.
	// +optional
	Suspended bool `json:"suspended,omitempty"`
	// DeletionPolicy says whether deleting the tenant drops its databases.
	// +kubebuilder:default=Retain
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// PublishedEvent records the last tenancy event published, so a reconcile publishes again
// only when the tenant's announced state or configuration changed.
type PublishedEvent struct {
	// Type is the CloudEvents type.
	Type string `json:"type"`
	// ID is the CloudEvents id.
	ID string `json:"id"`
	// Generation is the tenant's generation the event announced.
	Generation int64 `json:"generation"`
	// Time is when it was published.
	Time metav1.Time `json:"time"`
}

// DistrictTenantStatus is what the operator provisioned.
type DistrictTenantStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises the conditions.
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// Databases are the tenant's MongoDB databases, one per service.
	// +optional
	// +listType=set
	Databases []string `json:"databases,omitempty"`
	// SecretRef names the Secret with the tenant's database credentials ("namespace/name").
	// +optional
	SecretRef string `json:"secretRef,omitempty"`
	// Namespace is the dedicated tenant's namespace.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// LastEvent is the last tenancy event published for this tenant.
	// +optional
	LastEvent *PublishedEvent `json:"lastEvent,omitempty"`
	// Conditions carry Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// DistrictTenant is a district served by the platform: the operator checks it against its
// CountryProfile, provisions its databases and credentials (and, when dedicated, its
// namespace), and announces it on l4l.tenancy.events.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=dt
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Country",type=string,JSONPath=`.spec.country`
// +kubebuilder:printcolumn:name="Tier",type=string,JSONPath=`.spec.tier`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.code",message="metadata.name must equal spec.code"
// +kubebuilder:validation:XValidation:rule="self.spec.code.startsWith(self.spec.country + '-')",message="spec.code must start with the country code and a dash"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.tier) || self.spec.tier != 'dedicated' || size(self.spec.code) <= 59",message="a dedicated tenant's code must be at most 59 characters (its namespace is l4l-<code>)"
type DistrictTenant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DistrictTenantSpec   `json:"spec"`
	Status DistrictTenantStatus `json:"status,omitempty"`
}

// DistrictTenantList is a list of DistrictTenants.
//
// +kubebuilder:object:root=true
type DistrictTenantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DistrictTenant `json:"items"`
}
