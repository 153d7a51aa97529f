package profile_test

import (
	"testing"

	"github.com/l4l-platform/l4l/libs/profile"
)

func TestRegistryFindsTenants(t *testing.T) {
	r, err := profile.LoadRegistry("rw", "ke")
	if err != nil {
		t.Fatal(err)
	}
	if _, u, ok := r.Tenant("rw-gasabo"); !ok || u.Name != "Gasabo" {
		t.Fatalf("rw-gasabo: %v %v", u, ok)
	}
	if _, _, ok := r.Tenant("ke-nairobi"); !ok {
		t.Fatal("ke-nairobi is a county, Kenya's tenant level")
	}
	for _, notTenant := range []string{"rw-gasabo-remera", "rw-kigali", "xx-foo", "", "rw"} {
		if _, _, ok := r.Tenant(notTenant); ok {
			t.Errorf("%q is not a tenant", notTenant)
		}
	}
	if _, err := profile.LoadRegistry("atlantis"); err == nil {
		t.Fatal("unknown profile must fail")
	}
}
