package domain

import (
	"encoding/json"
	"testing"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// FuzzPlanSubmission: whatever a client sends, a submission is a plan or a 400 naming
// fields, never a panic or another kind of error.
func FuzzPlanSubmission(f *testing.F) {
	good, _ := json.Marshal(PlanFields{SchoolID: "sch-1", SchoolYear: "2026-2027", PlanContent: goodContent()})
	f.Add(good)
	f.Add([]byte(`{"school_id":"s","school_year":"2026-2027","priorities":[{"key":"a","areas":["x"]}],"actions":[{"key":"a"}]}`))
	f.Add([]byte(`{}`))
	spec, err := profile.Load("rw")
	if err != nil {
		f.Fatal(err)
	}
	tn := Tenant{Code: "rw-gasabo", Profile: profile.NewIndex(spec)}
	f.Fuzz(func(t *testing.T, body []byte) {
		var pf PlanFields
		if json.Unmarshal(body, &pf) != nil {
			return
		}
		p, err := NewPlan(tn, DefaultPlanRules, pf, "ht-1", []string{pf.SchoolID}, now)
		switch {
		case err == nil:
			if len(p.Versions) != 1 || len(p.Latest().Priorities) == 0 {
				t.Fatalf("accepted plan %+v", p)
			}
		case !problem.Is(err, problem.Invalid):
			t.Fatalf("not a field error: %v", err)
		}
	})
}
