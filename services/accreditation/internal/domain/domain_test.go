package domain_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
)

var now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func rwanda(t testing.TB) (domain.Programme, *profile.Index) {
	t.Helper()
	reg, err := profile.LoadRegistry("rw")
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := reg.Country("rw")
	extras, err := os.ReadFile("../../programmes/rw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := domain.NewProgramme(idx.Spec(), extras)
	if err != nil || !ok {
		t.Fatalf("programme: %v %v", ok, err)
	}
	return p, idx
}

func TestProgrammeFromProfile(t *testing.T) {
	p, _ := rwanda(t)
	if !slices.Equal(p.CompetencyKeys(), []string{"leading_teaching", "leading_learning", "school_direction", "community_partnership"}) {
		t.Errorf("competencies %v", p.CompetencyKeys())
	}
	plc, _ := p.Requirement("plcs_led")
	group, _ := p.Requirement("group_project")
	if plc.Collector != domain.CollectPLCFacilitated || plc.Min != 6 || !group.Group || p.PassLevel != 3 || p.MaxResubmissions != 1 {
		t.Errorf("programme %+v", p)
	}
	for _, bad := range []string{
		"collectors: {}\nuploads: {maxBytes: 10, types: [text/plain]}\n",                                           // automatic requirement without a collector
		"collectors: {plcs_led: x, observed_coaching_sessions: y}\nuploads: {maxBytes: 10, types: [a]}\n",          // unknown collectors
		"collectors: {plcs_led: plc_session_facilitated, observed_coaching_sessions: coaching_session_observed}\n", // no upload limits
		"colectors: {}\n", // a misspelt key
	} {
		reg, _ := profile.LoadRegistry("rw")
		idx, _ := reg.Country("rw")
		if _, _, err := domain.NewProgramme(idx.Spec(), []byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestCohort(t *testing.T) {
	_, idx := rwanda(t)
	for date, want := range map[string]string{
		"2026-10-01": "2026-2027", // in a term
		"2026-12-24": "2026-2027", // a holiday inside the year
		"2026-08-01": "2026-2027", // the long holiday: the coming year
		"2031-02-01": "2031",      // beyond the profile's calendar
	} {
		if got := domain.Cohort(idx.Spec(), date); got != want {
			t.Errorf("Cohort(%s) = %s, want %s", date, got, want)
		}
	}
}

func TestConflictsOfInterest(t *testing.T) {
	leader := domain.PersonFacts{PersonID: "lll-1", SchoolID: "sch-1", Coaches: []string{"nll-1", "nll-old"}}
	for _, tc := range []struct {
		assessor domain.Assessor
		conflict bool
	}{
		{domain.Assessor{PersonID: "asr-1", Active: true}, false},
		{domain.Assessor{PersonID: "asr-2", SchoolID: "sch-2", Active: true}, false},
		{domain.Assessor{PersonID: "lll-1", Active: true}, true},                    // the leader
		{domain.Assessor{PersonID: "nll-old", Active: true}, true},                  // a past coach
		{domain.Assessor{PersonID: "asr-3", SchoolID: "sch-1", Active: true}, true}, // the leader's school
		{domain.Assessor{PersonID: "asr-4", Active: false}, true},                   // retired
	} {
		if got := domain.Conflict(leader, tc.assessor) != ""; got != tc.conflict {
			t.Errorf("%s: conflict %v, want %v", tc.assessor.PersonID, got, tc.conflict)
		}
	}
	// A leader without a known school does not conflict with assessors without one.
	if why := domain.Conflict(domain.PersonFacts{PersonID: "x"}, domain.Assessor{PersonID: "a", Active: true}); why != "" {
		t.Errorf("no schools: %s", why)
	}
	pool := []domain.Assessor{{PersonID: "nll-1", Active: true}, {PersonID: "b", Active: true}, {PersonID: "a", Active: true}, {PersonID: "c", Active: true}}
	if a, _ := domain.PickAssessor(leader, pool, map[string]int{"a": 2, "b": 1, "c": 1}); a.PersonID != "b" {
		t.Errorf("least loaded, ties by id: %s", a.PersonID)
	}
	if _, ok := domain.PickAssessor(leader, pool[:1], nil); ok {
		t.Error("picked the leader's coach")
	}
}

// portfolio makes a complete portfolio for person, less what drop names.
func portfolio(p domain.Programme, person string, drop string) []domain.Evidence {
	var evs []domain.Evidence
	for _, r := range p.Requirements {
		n := r.Min
		if r.Key == drop {
			n--
		}
		for i := range n {
			evs = append(evs, domain.Evidence{ID: fmt.Sprintf("%s-%d", r.Key, i), Requirement: r.Key, Owners: []string{person}})
		}
	}
	for i, c := range p.Competencies {
		if c.Key != drop {
			evs[i].Mappings = []domain.Mapping{{Competency: c.Key, Reflection: "why"}}
		}
	}
	return evs
}

func enrolled(t *testing.T, p domain.Programme, idx *profile.Index) domain.Enrolment {
	t.Helper()
	e, err := domain.NewEnrolment(p, idx, "rw-gasabo", "en-1", domain.EnrolFields{PersonID: "lll-1", Role: "lll", Unit: "rw-gasabo-remera", Source: domain.SourceManual}, now)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSubmit(t *testing.T) {
	p, idx := rwanda(t)
	for _, tc := range []struct {
		drop    string
		missing string
	}{
		{"plcs_led", "requirements.plcs_led"},
		{"group_project", "requirements.group_project"},
		{"community_partnership", "competencies.community_partnership"},
		{"", ""},
	} {
		e := enrolled(t, p, idx)
		err := e.Submit(p, portfolio(p, "lll-1", tc.drop), now)
		if tc.missing == "" {
			if err != nil || e.Status != domain.StatusSubmitted || len(e.Submissions) != 1 {
				t.Errorf("complete portfolio: %v, %s", err, e.Status)
			}
			if err := e.Submit(p, portfolio(p, "lll-1", ""), now); !problem.Is(err, problem.Conflict) {
				t.Errorf("submitted twice: %v", err)
			}
			continue
		}
		var pe *problem.Error
		if !problem.Is(err, problem.Unprocessable) || !asProblem(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.missing {
			t.Errorf("drop %s: %v", tc.drop, err)
		}
		if e.Status != domain.StatusEnrolled || len(e.Submissions) != 0 {
			t.Errorf("a refused submission changed the enrolment: %+v", e)
		}
	}
	pr := domain.Progress(p, "lll-1", portfolio(p, "lll-1", "plcs_led"))
	if pr.Complete || pr.Requirements[0].Have != 5 || pr.Requirements[0].Met {
		t.Errorf("progress %+v", pr)
	}
}

func asProblem(err error, pe **problem.Error) bool {
	e, ok := err.(*problem.Error)
	*pe = e
	return ok
}

func judged(p domain.Programme, level int) []domain.Judgement {
	var js []domain.Judgement
	for _, c := range p.Competencies {
		js = append(js, domain.Judgement{Competency: c.Key, Level: level})
	}
	return js
}

// submitted is an enrolment submitted (for the n-th time) with asr-1 assigned.
func submitted(t *testing.T, p domain.Programme, idx *profile.Index, id string) domain.Enrolment {
	t.Helper()
	e := enrolled(t, p, idx)
	e.ID = id
	if err := e.Submit(p, portfolio(p, "lll-1", ""), now); err != nil {
		t.Fatal(err)
	}
	if err := e.AssignAssessor(domain.PersonFacts{PersonID: "lll-1"}, domain.Assessor{PersonID: "asr-1", Active: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// unsampled finds an enrolment id whose first submission's pass is not in the sample.
func unsampled(p domain.Programme, in bool) string {
	for i := 0; ; i++ {
		id := fmt.Sprintf("en-%d", i)
		if domain.Sampled(id, 1, p.ModerationSample) == in {
			return id
		}
	}
}

func TestAssessmentModerationAward(t *testing.T) {
	p, idx := rwanda(t)
	leader := domain.PersonFacts{PersonID: "lll-1", Coaches: []string{"nll-1"}}
	second := domain.Assessor{PersonID: "asr-2", Active: true}

	// A pass outside the sample is awarded at once.
	e := submitted(t, p, idx, unsampled(p, false))
	if err := e.Assess(p, "asr-1", domain.AssessmentInput{Judgements: judged(p, 3), Outcome: domain.OutcomePass}, now); err != nil {
		t.Fatal(err)
	}
	if e.ModerationPending() || e.Award("cred-1") != nil || e.Status != domain.StatusAwarded {
		t.Errorf("unsampled pass: %+v", e)
	}

	// A sampled pass waits for its moderation.
	e = submitted(t, p, idx, unsampled(p, true))
	_ = e.Assess(p, "asr-1", domain.AssessmentInput{Judgements: judged(p, 4), Outcome: domain.OutcomePass}, now)
	if !e.ModerationPending() || !problem.Is(e.Award("c"), problem.Conflict) {
		t.Fatalf("sampled pass awarded without moderation: %+v", e)
	}
	if err := e.Moderate(p, leader, domain.Assessor{PersonID: "asr-1", Active: true}, domain.OutcomePass, "", now); !problem.Is(err, problem.Unprocessable) {
		t.Errorf("the assessor moderated their own assessment: %v", err)
	}
	if err := e.Moderate(p, leader, domain.Assessor{PersonID: "nll-1", Active: true}, domain.OutcomePass, "", now); !problem.Is(err, problem.Unprocessable) {
		t.Errorf("the leader's coach moderated: %v", err)
	}
	if err := e.Moderate(p, leader, second, domain.OutcomeFail, "not at level 4", now); err != nil || e.Status != domain.StatusFailed {
		t.Fatalf("the moderator's fail stands: %v %s", err, e.Status)
	}
	if !problem.Is(e.Award("c"), problem.Conflict) {
		t.Error("a failed portfolio was awarded")
	}

	// Resubmission: allowed once (the profile's maxResubmissions), then refused.
	e = submitted(t, p, idx, "en-r")
	if err := e.Assess(p, "asr-1", domain.AssessmentInput{Judgements: judged(p, 2), Outcome: domain.OutcomeResubmit, Feedback: "more on community"}, now); err != nil {
		t.Fatal(err)
	}
	if e.Status != domain.StatusResubmit || !e.Open() || e.AssessorID != "" {
		t.Fatalf("resubmit reopens: %+v", e)
	}
	if err := e.Submit(p, portfolio(p, "lll-1", ""), now); err != nil || len(e.Submissions) != 2 {
		t.Fatal(err)
	}
	_ = e.AssignAssessor(leader, domain.Assessor{PersonID: "asr-1", Active: true})
	err := e.Assess(p, "asr-1", domain.AssessmentInput{Judgements: judged(p, 2), Outcome: domain.OutcomeResubmit}, now)
	if !problem.Is(err, problem.Invalid) {
		t.Errorf("a second resubmission: %v", err)
	}

	// Rubric errors are named; the wrong assessor is refused.
	e = submitted(t, p, idx, "en-x")
	for _, tc := range []struct {
		in    domain.AssessmentInput
		field string
	}{
		{domain.AssessmentInput{Judgements: judged(p, 3)[:3], Outcome: domain.OutcomePass}, "judgements"},
		{domain.AssessmentInput{Judgements: append(judged(p, 3), domain.Judgement{Competency: "juggling", Level: 3}), Outcome: domain.OutcomePass}, "judgements[4].competency"},
		{domain.AssessmentInput{Judgements: judged(p, 9), Outcome: domain.OutcomePass}, "judgements[0].level"},
		{domain.AssessmentInput{Judgements: judged(p, 2), Outcome: domain.OutcomePass}, "outcome"},
		{domain.AssessmentInput{Judgements: judged(p, 3), Outcome: "distinction"}, "outcome"},
	} {
		var pe *problem.Error
		err := e.Assess(p, "asr-1", tc.in, now)
		if !asProblem(err, &pe) || !slices.ContainsFunc(pe.Fields, func(f problem.FieldError) bool { return f.Field == tc.field }) {
			t.Errorf("want %s named: %v", tc.field, err)
		}
	}
	if err := e.Assess(p, "asr-9", domain.AssessmentInput{Judgements: judged(p, 3), Outcome: domain.OutcomePass}, now); !problem.Is(err, problem.Forbidden) {
		t.Errorf("another assessor: %v", err)
	}
	if e.Status != domain.StatusSubmitted || e.Current().Assessment != nil {
		t.Errorf("refused assessments changed the enrolment: %+v", e)
	}

	// Withdrawal: a live enrolment ends and frees the person; an award stays.
	e = enrolled(t, p, idx)
	if changed, _ := e.Withdraw("resigned", now); !changed || e.Status != domain.StatusWithdrawn || e.ActiveKey != e.ID {
		t.Errorf("withdraw: %+v", e)
	}
	if changed, _ := e.Withdraw("resigned", now); changed {
		t.Error("withdrawn twice")
	}
}

func TestSampleIsStableAndProportionate(t *testing.T) {
	in := 0
	for i := range 2000 {
		id := fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
		s := domain.Sampled(id, 1, 20)
		if s != domain.Sampled(id, 1, 20) {
			t.Fatal("not stable")
		}
		if s {
			in++
		}
	}
	if in < 320 || in > 480 { // 20% of 2,000 = 400
		t.Errorf("%d of 2000 sampled at 20%%", in)
	}
	if domain.Sampled("x", 1, 0) || !domain.Sampled("x", 1, 100) {
		t.Error("0% and 100%")
	}
}

func TestUploadChecksAndMappings(t *testing.T) {
	p, _ := rwanda(t)
	enrolledPeople := func(id string) bool { return id == "lll-2" }
	ok := domain.UploadFields{Requirement: "group_project", Title: "Report", TeamMembers: []string{"lll-2"}}
	if errs := domain.CheckUpload(p, "lll-1", ok, enrolledPeople); len(errs) != 0 {
		t.Errorf("good upload: %v", errs)
	}
	ev := domain.Uploaded("ev-1", "lll-1", ok, domain.File{Name: "r.pdf"}, profile.EvidenceUpload, now)
	if !slices.Equal(ev.Owners, []string{"lll-1", "lll-2"}) || ev.Date != "2026-11-02" {
		t.Errorf("group upload %+v", ev)
	}
	if err := ev.SetMappings(p, []domain.Mapping{{Competency: "leading_teaching", Reflection: "x"}, {Competency: "leading_teaching", Reflection: "y"}}); err == nil {
		t.Error("mapped one competency twice")
	}
	if len(ev.Mappings) != 0 {
		t.Error("refused mappings were kept")
	}
	if _, ok := domain.Collected(p, "e", domain.CollectObservedCoaching, "", "cs-1", "2026-10-02", now); ok {
		t.Error("evidence for nobody")
	}
	c, _ := domain.Collected(p, "e", domain.CollectObservedCoaching, "lll-1", "cs-1", "2026-10-02", now)
	if c.Requirement != "observed_coaching_sessions" || c.SourceKey != "coaching:cs-1:lll-1" {
		t.Errorf("collected %+v", c)
	}
}

func TestAppointmentsHoldTheEnrolment(t *testing.T) {
	p, idx := rwanda(t)
	e, err := domain.NewEnrolment(p, idx, "rw-gasabo", "en-1", domain.EnrolFields{PersonID: "lll-1", Role: "lll", Unit: "rw-gasabo-remera",
		AppointmentID: "apt-lll", Source: domain.SourceAppointment}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !e.AddAppointment("apt-nll") || e.AddAppointment("apt-nll") {
		t.Fatal("a second appointment is recorded once")
	}
	if e.EndAppointment("apt-lll") {
		t.Fatal("the NLL appointment still holds the enrolment")
	}
	if !e.EndAppointment("apt-nll") {
		t.Fatal("no appointment left")
	}
	if _, err := domain.NewEnrolment(p, idx, "rw-gasabo", "en-2", domain.EnrolFields{PersonID: "x", Role: "nll", Unit: "rw-gasabo"}, now); err != nil {
		t.Errorf("an NLL enrolled in the district: %v", err)
	}
}
