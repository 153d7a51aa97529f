package controller_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/tenancy"
	tenancyv1 "github.com/l4l-platform/l4l/operators/tenant/api/v1alpha1"
	"github.com/l4l-platform/l4l/operators/tenant/internal/controller"
	"github.com/l4l-platform/l4l/services/directory"
)

// The directory, configured with the tenant's Secret and NO tenant, serves the new tenant
// because the operator's provisioned event told it to (libs/service's TenancyGuard reads
// the tenancy topic), and writes into the database the operator created for it.
func TestDirectoryServesAProvisionedTenant(t *testing.T) {
	applyProfile(t, "rwanda.yaml")
	create(t, newTenant("rw-nyarugenge", "shared"))
	waitReady(t, "rw-nyarugenge", metav1.ConditionTrue, tenancyv1.ReasonProvisioned)
	var announced tenancy.Tenant
	if err := envelope(t, waitEvents(t, "rw-nyarugenge", 1)[0]).DecodeData(&announced); err != nil {
		t.Fatal(err)
	}
	var secret corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: platformNamespace, Name: controller.SecretName("rw-nyarugenge")}, &secret); err != nil {
		t.Fatal(err)
	}

	env := servicetest.StartOn(t, stack, directory.Definition, func(c *config.Service) {
		c.MongoURI = string(secret.Data["L4L_MONGO_URI"])
		c.Tenants = nil // servicetest's default serves every tenant; this one must come from the event
	})
	tok := env.Token([]string{"deo"}, announced.Tenant, "")
	r := env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/" + announced.Tenant + "/schools", Token: tok,
		Body: map[string]string{"code": "GS-GIT-01", "name": "G.S. Gitega", "unit": "rw-nyarugenge-gitega"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create school in the new tenant: %d %s", r.Status, r.Body)
	}

	db := mongox.DBName("directory", "rw-nyarugenge")
	if !slices.Contains(announced.Databases, db) {
		t.Fatalf("announced databases %v lack %s", announced.Databases, db)
	}
	colls, err := databases.Client.Database(db).ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(colls, controller.MarkerCollection) || len(colls) < 2 {
		t.Fatalf("collections of %s: %v; want the operator's marker and the directory's data", db, colls)
	}
}
