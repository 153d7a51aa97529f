package privacy

import "testing"

func TestRouteKeyMatchesOpenAPIAndGinTemplates(t *testing.T) {
	for _, c := range []struct{ doc, gin string }{
		{"/v1/tenants/{tenant}/people/{id}", "/v1/tenants/:tenant/people/:id"},
		{"/v1/tenants/{tenant}/campaigns/{campaign}/applications/{id}", "/v1/tenants/:tenant/campaigns/:cid/applications/:aid"},
	} {
		if a, b := routeKey("GET", c.doc), routeKey("GET", c.gin); a != b {
			t.Errorf("%s → %q but %s → %q", c.doc, a, c.gin, b)
		}
	}
	if routeKey("GET", "/v1/tenants/{tenant}/people") == routeKey("GET", "/v1/tenants/:tenant/people/:id") {
		t.Error("a collection and its items share a key")
	}
}

func TestPersonalOperationsAreReadFromTheDocument(t *testing.T) {
	doc := []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /v1/tenants/{tenant}/people/{id}:
    get:
      x-l4l-personal-data: true
      responses: {"200": {description: ok}}
    put:
      responses: {"200": {description: ok}}
  /v1/tenants/{tenant}/schools:
    get:
      responses: {"200": {description: ok}}
`)
	got, err := personalOperations(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := routeKey("GET", "/v1/tenants/:tenant/people/:id")
	if len(got) != 1 || !got[want] {
		t.Fatalf("personal operations %v, want only %q", got, want)
	}
}
