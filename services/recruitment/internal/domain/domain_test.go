package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

var now = time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)

func rwanda(t testing.TB) Tenant {
	t.Helper()
	s, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{Code: "rw-gasabo", Profile: profile.NewIndex(s)}
}

// headTeacher is a person who leads school in unit since start.
func headTeacher(id, school, unit, start string) PersonFacts {
	return PersonFacts{PersonID: id, Roles: []RoleFact{{AssignmentID: "a-" + id, PersonID: id, Role: "ht", Unit: school, StartDate: start}},
		SchoolUnits: map[string]string{school: unit}}
}

func staff(id, role, unit string) PersonFacts {
	return PersonFacts{PersonID: id, Roles: []RoleFact{{AssignmentID: "a-" + id, PersonID: id, Role: role, Unit: unit, StartDate: "2020-01-01"}}}
}

func panelCheck() PanelCheck {
	return PanelCheck{Today: "2027-03-10", People: map[string]PersonFacts{
		"deo": staff("deo", "deo", "rw-gasabo"), "seo-remera": staff("seo-remera", "seo", "rw-gasabo-remera"),
		"nll": {PersonID: "nll", SchoolUnits: map[string]string{"school-k": "rw-gasabo-kacyiru"}, Roles: []RoleFact{
			{Role: "ht", Unit: "school-k", StartDate: "2015-01-01"}, {Role: "nll", Unit: "rw-gasabo", StartDate: "2022-01-01"}}},
	}}
}

func openCampaign(t testing.TB, tn Tenant, f CampaignFields) Campaign {
	t.Helper()
	if f.Intake == "" {
		f.Intake = "2027"
	}
	if f.OpensOn == "" {
		f.OpensOn, f.ClosesOn = "2027-03-01", "2027-03-31"
	}
	if f.Panel == nil {
		f.Panel = &Panel{Chair: "deo", Members: []string{"seo-remera", "nll"}}
	}
	c, err := NewCampaign(tn, f, panelCheck(), now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fields(err error) []string {
	var e *problem.Error
	if err == nil {
		return nil
	}
	var out []string
	if pe, ok := err.(*problem.Error); ok {
		e = pe
		for _, f := range e.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

func TestNewCampaignPositionsFromQuotas(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{Places: []PlacesOverride{{Role: "lll", Unit: "rw-gasabo-remera", Places: 0}}})
	sectors := tn.Profile.UnitsUnder("rw-gasabo", "sector")
	if len(c.Positions) != len(sectors)+1 {
		t.Fatalf("%d positions for %d sectors + the district", len(c.Positions), len(sectors))
	}
	remera, _ := c.Position("lll:rw-gasabo-remera")
	nll, _ := c.Position("nll:rw-gasabo")
	kacyiru, _ := c.Position("lll:rw-gasabo-kacyiru")
	if remera.Places != 0 || nll.Places != 2 || kacyiru.Places != 1 {
		t.Fatalf("places: remera %d, nll %d, kacyiru %d", remera.Places, nll.Places, kacyiru.Places)
	}
}

func TestNewCampaignRefusesBadFields(t *testing.T) {
	tn := rwanda(t)
	tests := []struct {
		name string
		f    CampaignFields
		want string
	}{
		{"no intake", CampaignFields{OpensOn: "2027-03-01", ClosesOn: "2027-03-31"}, "intake"},
		{"closes before it opens", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-02-01"}, "closes_on"},
		{"bad date", CampaignFields{Intake: "x", OpensOn: "March", ClosesOn: "2027-02-01"}, "opens_on"},
		{"role not recruited", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Roles: []string{"deo"}}, "roles[0]"},
		{"override of another district's sector", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Places: []PlacesOverride{{Role: "lll", Unit: "rw-kicukiro-niboye", Places: 1}}}, "places[0].unit"},
		{"negative places", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Places: []PlacesOverride{{Role: "lll", Unit: "rw-gasabo-remera", Places: -1}}}, "places[0].places"},
		{"chair is not the DEO", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Panel: &Panel{Chair: "seo-remera", Members: []string{"nll", "deo"}}}, "panel.chair"},
		{"member unknown to the directory", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Panel: &Panel{Chair: "deo", Members: []string{"seo-remera", "ghost"}}}, "panel.members[1]"},
		{"panel too small", CampaignFields{Intake: "x", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Panel: &Panel{Chair: "deo", Members: []string{"seo-remera"}}}, "panel.members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCampaign(tn, tt.f, panelCheck(), now)
			if !problem.Is(err, problem.Invalid) || !slices.Contains(fields(err), tt.want) {
				t.Fatalf("got %v (fields %v), want a field error on %s", err, fields(err), tt.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	tn := rwanda(t)
	rules := tn.Rules().Conflicts
	cand := CandidateAffiliation(tn, "school-r1", "rw-gasabo-remera")
	today := "2027-03-10"
	tests := []struct {
		name     string
		member   PersonFacts
		declared []string
		want     []string
	}{
		{"head teacher of the same school", headTeacher("m", "school-r1", "rw-gasabo-remera", "2010-01-01"), nil, []string{"same_school", "same_sector"}},
		{"head teacher in the same sector", headTeacher("m", "school-r2", "rw-gasabo-remera", "2010-01-01"), nil, []string{"same_sector"}},
		{"SEO of the candidate's sector", staff("m", "seo", "rw-gasabo-remera"), nil, []string{"same_sector"}},
		{"SEO of another sector", staff("m", "seo", "rw-gasabo-kacyiru"), nil, nil},
		{"DEO of the district", staff("m", "deo", "rw-gasabo"), nil, nil},
		{"declared interest", staff("m", "deo", "rw-gasabo"), []string{"declared_interest"}, []string{"declared_interest"}},
		{"person record names the school", PersonFacts{PersonID: "m", SchoolID: "school-r1", SchoolUnits: map[string]string{"school-r1": "rw-gasabo-remera"}}, nil, []string{"same_school", "same_sector"}},
		{"ended assignment does not count", PersonFacts{PersonID: "m", Roles: []RoleFact{{Role: "ht", Unit: "school-r1", StartDate: "2010-01-01", EndDate: "2020-01-01"}}, SchoolUnits: map[string]string{"school-r1": "rw-gasabo-remera"}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Conflicts(rules, tt.member.Affiliation(tn, today), cand, tt.declared)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("conflicts %v, want %v", got, tt.want)
			}
		})
	}
	// Same school conflicts even in a profile that forgot the rule.
	got := Conflicts(nil, headTeacher("m", "school-r1", "rw-gasabo-remera", "2010-01-01").Affiliation(tn, today), cand, nil)
	if !slices.Equal(got, []string{"same_school"}) {
		t.Fatalf("without rules: %v", got)
	}
}

func apply(t testing.TB, tn Tenant, c Campaign, p PersonFacts, evidence map[string]bool) (Application, error) {
	t.Helper()
	return NewApplication(tn, ApplicationFields{PersonID: p.PersonID, Role: "lll", Evidence: evidence}, ApplicationContext{Campaign: c, Person: p}, now)
}

var allEvidence = map[string]bool{"sip_focused_on_learning": true, "collaborative_planning_evidence": true}

func TestApplicationRules(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{MaxApplications: 2, Places: []PlacesOverride{{Role: "lll", Unit: "rw-gasabo-ndera", Places: 0}}})
	ht := headTeacher("p1", "s1", "rw-gasabo-remera", "2020-01-01")
	closed := c
	closed.Close(now)
	future := c
	future.OpensOn, future.ClosesOn = "2027-04-01", "2027-04-30"
	lll := headTeacher("p2", "s2", "rw-gasabo-remera", "2015-01-01")
	lll.Roles = append(lll.Roles, RoleFact{Role: "lll", Unit: "rw-gasabo-remera", StartDate: "2024-01-01"})
	tests := []struct {
		name   string
		c      Campaign
		p      PersonFacts
		f      ApplicationFields
		n      int
		kind   problem.Kind
		field  string
		detail string
	}{
		{"not a head teacher", c, staff("p9", "seo", "rw-gasabo-remera"), ApplicationFields{PersonID: "p9", Role: "lll"}, 0, problem.Invalid, "person_id", ""},
		{"head teacher of another district", c, headTeacher("p8", "s8", "rw-kicukiro-niboye", "2010-01-01"), ApplicationFields{PersonID: "p8", Role: "lll"}, 0, problem.Invalid, "person_id", ""},
		{"head teacher whose assignment ended", c, PersonFacts{PersonID: "p7", Roles: []RoleFact{{Role: "ht", Unit: "s1", StartDate: "2010-01-01", EndDate: "2026-12-31"}}, SchoolUnits: map[string]string{"s1": "rw-gasabo-remera"}}, ApplicationFields{PersonID: "p7", Role: "lll"}, 0, problem.Invalid, "person_id", ""},
		{"unknown role", c, ht, ApplicationFields{PersonID: "p1", Role: "deo"}, 0, problem.Invalid, "role", ""},
		{"unknown evidence", c, ht, ApplicationFields{PersonID: "p1", Role: "lll", Evidence: map[string]bool{"charm": true}}, 0, problem.Invalid, "evidence.charm", ""},
		{"years sent by the applicant", c, ht, ApplicationFields{PersonID: "p1", Role: "lll", Counts: map[string]int{"years_as_head_teacher": 9}}, 0, problem.Invalid, "counts.years_as_head_teacher", ""},
		{"campaign closed", closed, ht, ApplicationFields{PersonID: "p1", Role: "lll"}, 0, problem.Conflict, "", "takes no more"},
		{"before the window", future, ht, ApplicationFields{PersonID: "p1", Role: "lll"}, 0, problem.Conflict, "", "from 2027-04-01 to 2027-04-30"},
		{"campaign full", c, ht, ApplicationFields{PersonID: "p1", Role: "lll"}, 2, problem.Conflict, "", "full"},
		{"already a leader of learning", c, lll, ApplicationFields{PersonID: "p2", Role: "nll"}, 0, problem.Conflict, "", "one role per person"},
		{"no place in the sector", c, headTeacher("p3", "s3", "rw-gasabo-ndera", "2010-01-01"), ApplicationFields{PersonID: "p3", Role: "lll"}, 0, problem.Conflict, "", "no lll place"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewApplication(tn, tt.f, ApplicationContext{Campaign: tt.c, Person: tt.p, Applications: tt.n}, now)
			if problem.KindOf(err) != tt.kind {
				t.Fatalf("got %v, want kind %d", err, tt.kind)
			}
			if tt.field != "" && !slices.Contains(fields(err), tt.field) {
				t.Fatalf("fields %v, want %s", fields(err), tt.field)
			}
			if !strings.Contains(err.Error(), tt.detail) && !strings.Contains(fmt.Sprint(err.(*problem.Error).Detail), tt.detail) {
				t.Fatalf("detail %q, want it to say %q", err.(*problem.Error).Detail, tt.detail)
			}
		})
	}
	a, err := apply(t, tn, c, ht, allEvidence)
	if err != nil || a.Position != "lll:rw-gasabo-remera" || a.SchoolID != "s1" {
		t.Fatalf("valid application: %+v %v", a, err)
	}
}

func TestScreening(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	tests := []struct {
		name     string
		since    string
		evidence map[string]bool
		eligible bool
		failed   []string
	}{
		{"all rules met", "2020-01-01", allEvidence, true, nil},
		{"exactly three years to the day", "2024-03-10", allEvidence, true, nil},
		{"a day short of three years", "2024-03-11", allEvidence, false, []string{"years_as_head_teacher"}},
		{"no school improvement plan", "2010-01-01", map[string]bool{"collaborative_planning_evidence": true}, false, []string{"sip_focused_on_learning"}},
		{"nothing", "2026-01-01", nil, false, []string{"years_as_head_teacher", "sip_focused_on_learning", "collaborative_planning_evidence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := apply(t, tn, c, headTeacher("p", "s", "rw-gasabo-remera", tt.since), tt.evidence)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range a.Screening.Rules {
				if !r.Passed {
					failed = append(failed, r.Rule)
					if r.Reason == "" {
						t.Errorf("rule %s failed without a reason", r.Rule)
					}
				}
			}
			if a.Eligible() != tt.eligible || !slices.Equal(failed, tt.failed) || len(a.Screening.Rules) != 3 {
				t.Fatalf("eligible %v failed %v, want %v %v", a.Eligible(), failed, tt.eligible, tt.failed)
			}
		})
	}
	a, _ := apply(t, tn, c, headTeacher("p", "s", "rw-gasabo-remera", "2026-01-01"), allEvidence)
	if err := a.OverrideScreening(true, "short", "deo", now); !slices.Contains(fields(err), "justification") {
		t.Fatalf("override without a real justification: %v", err)
	}
	if err := a.OverrideScreening(true, "Acting head teacher for two years before appointment", "deo", now); err != nil || !a.Eligible() || a.Screening.Eligible {
		t.Fatalf("override: %v eligible %v", err, a.Eligible())
	}
	// Screening again keeps the chair's decision.
	a.Screen(tn, headTeacher("p", "s", "rw-gasabo-remera", "2026-01-01"), now)
	if !a.Eligible() {
		t.Fatal("re-screening dropped the override")
	}
}

// assessed returns an eligible application visited by the whole panel.
func assessed(t testing.TB, tn Tenant, c Campaign, id string) Application {
	t.Helper()
	a, err := apply(t, tn, c, headTeacher(id, "school-"+id, "rw-gasabo-kacyiru", "2015-01-01"), allEvidence)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordAssessment(c, AssessmentFields{Kind: SiteVisit, Date: "2027-03-12", Present: c.Panel.All(),
		Notes: []EvidenceNote{{Source: "teachers", Text: "Weekly coaching"}}}, now); err != nil {
		t.Fatal(err)
	}
	return a
}

func levels(l int) map[string]int {
	return map[string]int{"coaching_skill": l, "drive_to_improve_others": l, "appetite_for_learning": l, "openness": l, "external_collaboration": l, "inclusive_education": l}
}

func TestScoring(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	ranked := c
	ranked.Status = CampaignRanked
	tests := []struct {
		name      string
		c         Campaign
		f         ScoreFields
		conflicts []string
		kind      problem.Kind
		field     string
	}{
		{"level above the scale", c, ScoreFields{MemberID: "deo", Levels: map[string]int{"coaching_skill": 5}}, nil, problem.Invalid, "levels.coaching_skill"},
		{"level zero", c, ScoreFields{MemberID: "deo", Levels: map[string]int{"openness": 0}}, nil, problem.Invalid, "levels.openness"},
		{"unknown criterion", c, ScoreFields{MemberID: "deo", Levels: map[string]int{"charisma": 3}}, nil, problem.Invalid, "levels.charisma"},
		{"no member", c, ScoreFields{Levels: levels(3)}, nil, problem.Invalid, "member_id"},
		{"not on the panel", c, ScoreFields{MemberID: "stranger", Levels: levels(3)}, nil, problem.Forbidden, ""},
		{"conflicted member", c, ScoreFields{MemberID: "seo-remera", Levels: levels(3)}, []string{"same_sector"}, problem.Conflict, ""},
		{"after ranking", ranked, ScoreFields{MemberID: "deo", Levels: levels(3)}, nil, problem.Conflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := assessed(t, tn, c, "p1")
			err := a.RecordScores(tn, tt.c, tt.f, tt.conflicts, now)
			if problem.KindOf(err) != tt.kind || (tt.field != "" && !slices.Contains(fields(err), tt.field)) {
				t.Fatalf("got %v %v", err, fields(err))
			}
			if len(a.Scores) != 0 {
				t.Fatalf("refused scores were kept: %+v", a.Scores)
			}
		})
	}
	t.Run("member not present", func(t *testing.T) {
		a, _ := apply(t, tn, c, headTeacher("p2", "s2", "rw-gasabo-kacyiru", "2015-01-01"), allEvidence)
		if _, err := a.RecordAssessment(c, AssessmentFields{Kind: Interview, Date: "2027-03-12", Present: []string{"deo"}}, now); err != nil {
			t.Fatal(err)
		}
		if err := a.RecordScores(tn, c, ScoreFields{MemberID: "nll", Levels: levels(3)}, nil, now); !problem.Is(err, problem.Conflict) {
			t.Fatalf("absent member scored: %v", err)
		}
	})
	t.Run("ineligible candidate", func(t *testing.T) {
		a, _ := apply(t, tn, c, headTeacher("p3", "s3", "rw-gasabo-kacyiru", "2026-01-01"), allEvidence)
		if _, err := a.RecordAssessment(c, AssessmentFields{Kind: Interview, Date: "2027-03-12", Present: []string{"deo"}}, now); !problem.Is(err, problem.Conflict) {
			t.Fatalf("assessing an ineligible candidate: %v", err)
		}
	})
}

func TestAssessmentFields(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	tests := []struct {
		name  string
		f     AssessmentFields
		field string
	}{
		{"unknown kind", AssessmentFields{Kind: "lunch", Date: "2027-03-12", Present: []string{"deo"}}, "kind"},
		{"bad date", AssessmentFields{Kind: SiteVisit, Date: "12/03/2027", Present: []string{"deo"}}, "date"},
		{"nobody present", AssessmentFields{Kind: SiteVisit, Date: "2027-03-12"}, "present"},
		{"stranger present", AssessmentFields{Kind: SiteVisit, Date: "2027-03-12", Present: []string{"deo", "x"}}, "present[1]"},
		{"unknown evidence source", AssessmentFields{Kind: SiteVisit, Date: "2027-03-12", Present: []string{"deo"}, Notes: []EvidenceNote{{Source: "gossip", Text: "t"}}}, "notes[0].source"},
		{"empty note", AssessmentFields{Kind: SiteVisit, Date: "2027-03-12", Present: []string{"deo"}, Notes: []EvidenceNote{{Source: "pupils", Text: " "}}}, "notes[0].text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := apply(t, tn, c, headTeacher("p", "s", "rw-gasabo-kacyiru", "2015-01-01"), allEvidence)
			if _, err := a.RecordAssessment(c, tt.f, now); !slices.Contains(fields(err), tt.field) || len(a.Assessments) != 0 {
				t.Fatalf("got %v %v", err, fields(err))
			}
		})
	}
}

func everyone(string) bool { return true }

func TestFlagsAndModeration(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	a := assessed(t, tn, c, "p1")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.RecordScores(tn, c, ScoreFields{MemberID: "deo", Levels: levels(2)}, nil, now))
	must(a.RecordScores(tn, c, ScoreFields{MemberID: "seo-remera", Levels: levels(3)}, nil, now))
	l := levels(3)
	l["openness"] = 4
	must(a.RecordScores(tn, c, ScoreFields{MemberID: "nll", Levels: l}, nil, now))
	if f := a.Flags(tn, everyone); !slices.Equal(f, []string{"openness"}) {
		t.Fatalf("flags %v, want openness (2 vs 4)", f)
	}
	// The conflicted member's score is not counted, so the spread is gone.
	if f := a.Flags(tn, func(m string) bool { return m != "deo" }); len(f) != 0 {
		t.Fatalf("flags without deo: %v", f)
	}
	if err := a.Moderate(tn, c, "coaching_skill", "Discussed; the spread stands.", "deo", everyone, now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("moderating an unflagged criterion: %v", err)
	}
	must(a.Moderate(tn, c, "openness", "Panel discussed the evidence from teachers.", "deo", everyone, now))
	if f := a.Flags(tn, everyone); len(f) != 0 {
		t.Fatalf("moderated flag still open: %v", f)
	}
	// A changed score reopens the moderation.
	l["openness"] = 1
	must(a.RecordScores(tn, c, ScoreFields{MemberID: "nll", Levels: l}, nil, now))
	if f := a.Flags(tn, everyone); !slices.Equal(f, []string{"openness"}) {
		t.Fatalf("after a changed score: %v", f)
	}
}

func TestPrepareBlocksRanking(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	full := assessed(t, tn, c, "p1")
	for _, m := range c.Panel.All() {
		if err := full.RecordScores(tn, c, ScoreFields{MemberID: m, Levels: levels(3)}, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	partial := assessed(t, tn, c, "p2")
	_ = partial.RecordScores(tn, c, ScoreFields{MemberID: "deo", Levels: levels(3)}, nil, now)
	noVisit, _ := apply(t, tn, c, headTeacher("p3", "s3", "rw-gasabo-kacyiru", "2015-01-01"), allEvidence)
	ineligible, _ := apply(t, tn, c, headTeacher("p4", "s4", "rw-gasabo-kacyiru", "2026-01-01"), allEvidence)
	members := Members{}
	cands, err := Prepare(tn, c, []Application{full, ineligible}, members)
	if err != nil || len(cands) != 1 || cands[0].ApplicationID != full.ID {
		t.Fatalf("ready: %v %+v", err, cands)
	}
	_, err = Prepare(tn, c, []Application{full, partial, noVisit}, members)
	if !problem.Is(err, problem.Conflict) || !slices.Equal(fields(err), []string{"applications." + partial.ID, "applications." + noVisit.ID}) {
		t.Fatalf("blocked: %v %v", err, fields(err))
	}
	// The SEO of Kacyiru conflicts with candidates of that sector: their missing scores do
	// not block, and their scores are not counted.
	members["seo-remera"] = staff("seo-remera", "seo", "rw-gasabo-kacyiru").Affiliation(tn, "2027-03-10")
	members["nll"] = Affiliation{}
	members["deo"] = Affiliation{}
	p2 := partial
	_ = p2.RecordScores(tn, c, ScoreFields{MemberID: "nll", Levels: levels(3)}, nil, now)
	if _, err := Prepare(tn, c, []Application{p2}, members); err != nil {
		t.Fatalf("conflicted member's missing scores block: %v", err)
	}
}

func cand(id, pos string, years int, submitted int, lv map[string][]int) Candidate {
	return Candidate{ApplicationID: id, PersonID: "person-" + id, Position: pos, Levels: lv, YearsAsHeadTeacher: years,
		SubmittedAt: now.Add(time.Duration(submitted) * time.Minute)}
}

func uniform(l ...int) map[string][]int {
	out := map[string][]int{}
	for _, k := range []string{"coaching_skill", "drive_to_improve_others", "appetite_for_learning", "openness", "external_collaboration", "inclusive_education"} {
		out[k] = l
	}
	return out
}

func TestRankTieBreaks(t *testing.T) {
	tn := rwanda(t)
	crit := tn.Rules().Criteria
	pos := []Position{{Key: "lll:a", Places: 1}, {Key: "nll:d", Places: 2}}
	tests := []struct {
		name  string
		cands []Candidate
		want  []string
	}{
		{"higher aggregate first", []Candidate{cand("low", "lll:a", 9, 0, uniform(2)), cand("high", "lll:a", 1, 1, uniform(4))}, []string{"high", "low"}},
		{"mean over scorers", []Candidate{cand("x", "lll:a", 5, 0, uniform(3, 3)), cand("y", "lll:a", 5, 1, uniform(2, 4, 4))}, []string{"y", "x"}},
		{"tie: more years as head teacher", []Candidate{cand("junior", "lll:a", 3, 0, uniform(3)), cand("senior", "lll:a", 8, 1, uniform(3))}, []string{"senior", "junior"}},
		{"tie: earlier application", []Candidate{cand("late", "lll:a", 5, 9, uniform(3)), cand("early", "lll:a", 5, 1, uniform(3))}, []string{"early", "late"}},
		{"unknown position left out", []Candidate{cand("a", "lll:a", 5, 0, uniform(3)), cand("z", "lll:zz", 5, 0, uniform(4))}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := Rank(crit, pos, tt.cands)
			var got []string
			for _, r := range runs[0].Ranked {
				got = append(got, r.ApplicationID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("order %v, want %v (%+v)", got, tt.want, runs[0].Ranked)
			}
		})
	}
	// Equal aggregates (3.0 each: +25 -15 -10 against +15 -15): the heavier criterion,
	// coaching skill, decides before years and application time.
	coach := withLevels(uniform(3), map[string]int{"coaching_skill": 4, "appetite_for_learning": 2, "openness": 2})
	other := withLevels(uniform(3), map[string]int{"external_collaboration": 4, "inclusive_education": 2})
	runs := Rank(crit, pos, []Candidate{cand("other", "lll:a", 9, 0, other), cand("coach", "lll:a", 1, 5, coach)})
	if runs[0].Ranked[0].ApplicationID != "coach" || runs[0].Ranked[0].Score != runs[0].Ranked[1].Score {
		t.Fatalf("equal aggregates: coaching skill decides: %+v", runs[0].Ranked)
	}
	if runs[0].Ranked[0].Rank != 1 || runs[0].Ranked[1].Rank != 2 || runs[0].Ranked[0].Criteria["coaching_skill"] != 4 {
		t.Fatalf("ranks and criteria: %+v", runs[0].Ranked)
	}
}

func withLevels(base map[string][]int, set map[string]int) map[string][]int {
	for k, v := range set {
		base[k] = []int{v}
	}
	return base
}

// ranked builds a ranked campaign with n candidates for the Remera LLL place.
func rankedCampaign(t *testing.T, n int) Campaign {
	t.Helper()
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{Roles: []string{"lll"}})
	var cands []Candidate
	for i := range n {
		cands = append(cands, cand(fmt.Sprintf("app%d", i), "lll:rw-gasabo-remera", 5, i, uniform(4-i%4)))
	}
	if err := c.ApplyRanking(Rank(tn.Rules().Criteria, c.Positions, cands), tn.Rules().ReserveListSize, now); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSelection(t *testing.T) {
	tn := rwanda(t)
	c := rankedCampaign(t, 8)
	run := c.run("lll:rw-gasabo-remera")
	if len(run.Queue) != 6 || !slices.Equal(run.Reserve, run.Queue[1:]) {
		t.Fatalf("queue %v reserve %v: one place and a reserve list of 5", run.Queue, run.Reserve)
	}
	first := run.Queue[0]
	offers, err := c.MakeOffers(now)
	if err != nil || len(offers) != 1 || offers[0].ApplicationID != first {
		t.Fatalf("offers %+v %v", offers, err)
	}
	if again, _ := c.MakeOffers(now); len(again) != 0 {
		t.Fatalf("a pending offer holds the place, yet %d more were made", len(again))
	}
	declined, next, err := c.Decline(offers[0].ID, now)
	if err != nil || declined.Status != OfferDeclined || next == nil || next.ApplicationID != run.Queue[1] {
		t.Fatalf("decline: %+v next %+v %v", declined, next, err)
	}
	if _, _, err := c.Decline(offers[0].ID, now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("declining twice: %v", err)
	}
	ap, err := c.Accept(tn, next.ID, "2027-05-01", now)
	if err != nil || ap.Role != "lll" || ap.Unit != "rw-gasabo-remera" || ap.Status != Appointed {
		t.Fatalf("accept: %+v %v", ap, err)
	}
	p, _ := c.Position("lll:rw-gasabo-remera")
	if p.Appointed != 1 || p.Offered != 0 || p.Open != 0 || len(c.run(p.Key).Reserve) != 4 {
		t.Fatalf("position after acceptance: %+v reserve %v", p, c.run(p.Key).Reserve)
	}
	if _, err := c.Induct(ap.ID, "bad", now); !slices.Contains(fields(err), "date") {
		t.Fatalf("induct with a bad date: %v", err)
	}
	if a, err := c.Induct(ap.ID, "2027-05-10", now); err != nil || a.Status != Active {
		t.Fatalf("induct: %+v %v", a, err)
	}
	if _, _, err := c.Exit(ap.ID, "2028-01-31", "bored", now); !slices.Contains(fields(err), "reason") {
		t.Fatalf("exit with an unknown reason: %v", err)
	}
	if _, _, err := c.Exit(ap.ID, "2027-01-01", "resigned", now); !slices.Contains(fields(err), "end_date") {
		t.Fatalf("exit before the start: %v", err)
	}
	exited, repl, err := c.Exit(ap.ID, "2028-01-31", "resigned", now)
	if err != nil || exited.Status != Exited || repl == nil || repl.ApplicationID != run.Queue[2] || repl.Replaces != ap.ID {
		t.Fatalf("exit: %+v replacement %+v %v", exited, repl, err)
	}
	if _, _, err := c.Exit(ap.ID, "2028-01-31", "resigned", now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("exiting twice: %v", err)
	}
	// Decline every remaining reserve: the place is then open for the next campaign.
	for o := repl; o != nil; {
		_, o, err = c.Decline(o.ID, now)
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ = c.Position("lll:rw-gasabo-remera")
	if p.Open != 1 || p.Appointed != 0 || len(c.run(p.Key).Reserve) != 0 {
		t.Fatalf("after the reserve ran out: %+v", p)
	}
	if err := c.ApplyRanking(nil, 5, now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("re-ranking after offers: %v", err)
	}
}

func TestOfferTo(t *testing.T) {
	tn := rwanda(t)
	c := rankedCampaign(t, 3)
	run := c.run("lll:rw-gasabo-remera")
	app := func(id string, eligible bool) Application {
		return Application{ID: id, CampaignID: c.ID, Position: "lll:rw-gasabo-remera", Status: ApplicationActive, Screening: Screening{Eligible: eligible}}
	}
	tests := []struct {
		name string
		a    Application
		kind problem.Kind
	}{
		{"ineligible", app("nope", false), problem.Conflict},
		{"not ranked", app("unranked", true), problem.Conflict},
		{"not next in rank order", app(run.Queue[1], true), problem.Conflict},
		{"withdrawn", Application{ID: run.Queue[0], CampaignID: c.ID, Status: ApplicationWithdrawn, Screening: Screening{Eligible: true}}, problem.Conflict},
		{"another campaign's", Application{ID: run.Queue[0], CampaignID: "other", Status: ApplicationActive}, problem.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.OfferTo(tt.a, now); problem.KindOf(err) != tt.kind || len(c.Offers) != 0 {
				t.Fatalf("got %v with %d offers", err, len(c.Offers))
			}
		})
	}
	o, err := c.OfferTo(app(run.Queue[0], true), now)
	if err != nil || o.ApplicationID != run.Queue[0] {
		t.Fatalf("offer to the top candidate: %+v %v", o, err)
	}
	if _, err := c.OfferTo(app(run.Queue[1], true), now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("second offer for a single place: %v", err)
	}
	_ = tn
}

func TestWholeYears(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     int
	}{{"2024-03-10", "2027-03-10", 3}, {"2024-03-11", "2027-03-10", 2}, {"2024-02-29", "2027-02-28", 2}, {"2027-01-01", "2026-01-01", 0}, {"x", "2026-01-01", 0}} {
		if got := wholeYears(tt.from, tt.to); got != tt.want {
			t.Errorf("wholeYears(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestMembersCounted(t *testing.T) {
	tn := rwanda(t)
	c := openCampaign(t, tn, CampaignFields{})
	a := assessed(t, tn, c, "p1") // a Kacyiru candidate
	if err := a.DeclareConflict(tn, c, "deo", "declared_interest", now); err != nil {
		t.Fatal(err)
	}
	m := Members{"deo": {}, "seo-remera": staff("seo-remera", "seo", "rw-gasabo-kacyiru").Affiliation(tn, "2027-03-10"), "nll": {}}
	counted := m.Counted(tn, a)
	for member, want := range map[string]bool{"deo": false, "seo-remera": false, "nll": true, "left-the-panel": false} {
		if got := counted(member); got != want {
			t.Errorf("%s counted %v, want %v", member, got, want)
		}
	}
}
