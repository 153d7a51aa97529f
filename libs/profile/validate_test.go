package profile

import (
	"errors"
	"strings"
	"testing"
)

func fieldErrors(t *testing.T, err error) []FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *ValidationError: %v", err, err)
	}
	if len(ve.Errors) == 0 {
		t.Fatal("ValidationError with no errors")
	}
	return ve.Errors
}

func TestValidateBrokenProfiles(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(s *Spec)
		field  string // path that must be reported
		detail string // substring of its detail
		only   bool   // the only problem reported
	}{
		{"country missing", func(s *Spec) { s.Country = "" }, "country", "required", true},
		{"country shape", func(s *Spec) { s.Country = "RWA" }, "country", "ISO 3166-1", false},
		{"name missing", func(s *Spec) { s.Name = " " }, "name", "required", true},
		{"locale", func(s *Spec) { s.Locale = "english" }, "locale", "BCP 47", true},
		{"language", func(s *Spec) { s.Languages = []string{"en-RW", "kinyarwanda"} }, "languages[1]", "BCP 47", true},
		{"time zone", func(s *Spec) { s.TimeZone = "Africa/Atlantis" }, "timeZone", "IANA", true},
		{"time zone missing", func(s *Spec) { s.TimeZone = "" }, "timeZone", "required", true},

		{"no levels", func(s *Spec) { s.Geography.Levels = nil }, "geography.levels", "at least one", false},
		{"duplicate level", func(s *Spec) { s.Geography.Levels = append(s.Geography.Levels, Level{Key: "district", Name: "Again"}) }, "geography.levels[3].key", `duplicate "district"`, true},
		{"reserved level", func(s *Spec) { s.Geography.Levels = append(s.Geography.Levels, Level{Key: "school", Name: "School"}) }, "geography.levels[3].key", "reserved", true},
		{"level name", func(s *Spec) { s.Geography.Levels[0].Name = "" }, "geography.levels[0].name", "required", true},
		{"tenant level unknown", func(s *Spec) { s.Geography.TenantLevel = "village" }, "geography.tenantLevel", `unknown level "village"`, true},
		{"school level above tenant", func(s *Spec) { s.Geography.SchoolLevel = "province" }, "geography.schoolLevel", "above the tenant level", true},
		{"no tenant units", func(s *Spec) {
			s.Geography.Levels = append(s.Geography.Levels, Level{Key: "cell", Name: "Cell"})
			s.Geography.TenantLevel, s.Geography.SchoolLevel = "cell", "cell"
		}, "geography.units", `no unit at the tenant level "cell"`, true},
		{"unknown parent", func(s *Spec) { s.Geography.Units[12].Parent = "rw-foo" }, "geography.units[12].parent", `unknown unit "rw-foo"`, true},
		{"parent two levels up", func(s *Spec) { s.Geography.Units[12].Parent = "rw-kigali" }, "geography.units[12].parent", `want a "district"`, true},
		{"top level with parent", func(s *Spec) { s.Geography.Units[0].Parent = "rw-gasabo" }, "geography.units[0].parent", "must be empty", true},
		{"missing parent", func(s *Spec) { s.Geography.Units[12].Parent = "" }, "geography.units[12].parent", "required", true},
		{"unknown unit level", func(s *Spec) { s.Geography.Units[12].Level = "cell" }, "geography.units[12].level", `unknown level "cell"`, true},
		{"duplicate code", func(s *Spec) { s.Geography.Units[7].Code = s.Geography.Units[6].Code }, "geography.units[7].code", "duplicate", true},
		{"code without country prefix", func(s *Spec) { s.Geography.Units[6].Code = "ke-gasabo-bumbogo" }, "geography.units[6].code", `prefix "rw-"`, true},
		{"code not a slug", func(s *Spec) { s.Geography.Units[6].Code = "rw-Gasabo_Bumbogo" }, "geography.units[6].code", "slug", true},
		{"code too long", func(s *Spec) { s.Geography.Units[6].Code = "rw-" + strings.Repeat("a", 61) }, "geography.units[6].code", "at most 63", true},
		{"unit name", func(s *Spec) { s.Geography.Units[6].Name = "" }, "geography.units[6].name", "required", true},
		{"duplicate sibling name", func(s *Spec) { s.Geography.Units[7].Name = strings.ToUpper(s.Geography.Units[6].Name) }, "geography.units[7].name", "duplicate", true},

		{"no roles", func(s *Spec) { s.Roles = nil }, "roles", "at least one", false},
		{"duplicate role", func(s *Spec) { s.Roles = append(s.Roles, s.Roles[0]) }, "roles[9].key", `duplicate "ht"`, true},
		{"role key shape", func(s *Spec) { s.Roles = append(s.Roles, Role{Key: "Field-Staff", Name: "x", Scope: "school"}) }, "roles[9].key", "snake_case", true},
		{"role scope", func(s *Spec) { s.Roles[0].Scope = "village" }, "roles[0].scope", `unknown scope "village"`, true},
		{"quota level", func(s *Spec) { s.Roles[1].Quota.PerLevel = "village" }, "roles[1].quota.perLevel", `unknown level "village"`, true},
		{"quota count", func(s *Spec) { s.Roles[1].Quota.Count = 0 }, "roles[1].quota.count", "at least 1", true},
		{"coaches unknown role", func(s *Spec) { s.Roles[1].Coaches = append(s.Roles[1].Coaches, "nobody") }, "roles[1].coaches[1]", `unknown role "nobody"`, true},
		{"coaches itself", func(s *Spec) { s.Roles[1].Coaches = append(s.Roles[1].Coaches, "lll") }, "roles[1].coaches[1]", "itself", true},

		{"competency area key", func(s *Spec) { s.Competencies.Areas[1].Key = s.Competencies.Areas[0].Key }, "competencies.areas[1].key", "duplicate", false},
		{"no indicators", func(s *Spec) { s.Competencies.Areas[2].Indicators = nil }, "competencies.areas[2].indicators", "at least one", true},
		{"duplicate indicator", func(s *Spec) {
			a := &s.Competencies.Areas[0]
			a.Indicators = append(a.Indicators, a.Indicators[0])
		}, "competencies.areas[0].indicators[4].key", "duplicate", true},
		{"performance levels gap", func(s *Spec) { s.Competencies.Levels[1].Level = 3 }, "competencies.levels[1].level", "got 3, want 2", true},
		{"one performance level", func(s *Spec) { s.Competencies.Levels = s.Competencies.Levels[:1]; s.Accreditation.PassLevel = 1 }, "competencies.levels", "at least two", true},
		{"threshold out of range", func(s *Spec) { s.Competencies.MeetsStandardLevel = 5 }, "competencies.meetsStandardLevel", "between 1 and 4", true},

		{"no PLCs", func(s *Spec) { s.PLCs = nil }, "plcs", "at least one", true},
		{"PLC led by unknown role", func(s *Spec) { s.PLCs[0].LedBy = "mentor" }, "plcs[0].ledBy", `unknown role "mentor"`, true},
		{"PLC with unknown role", func(s *Spec) { s.PLCs[1].With = []string{"deo", "mayor"} }, "plcs[1].with[1]", `unknown role "mayor"`, true},
		{"PLC member unknown", func(s *Spec) { s.PLCs[0].Members = []string{"teacher"} }, "plcs[0].members[0]", `unknown role "teacher"`, true},
		{"PLC no members", func(s *Spec) { s.PLCs[0].Members = nil }, "plcs[0].members", "at least one", true},
		{"PLC level", func(s *Spec) { s.PLCs[0].Level = "cell" }, "plcs[0].level", `unknown level "cell"`, true},
		{"PLC frequency", func(s *Spec) { s.PLCs[0].Frequency = "daily" }, "plcs[0].frequency", `unknown frequency "daily"`, true},
		{"PLC duplicate key", func(s *Spec) { s.PLCs[1].Key = s.PLCs[0].Key }, "plcs[1].key", "duplicate", true},

		{"no school years", func(s *Spec) { s.Calendar.SchoolYears = nil }, "calendar.schoolYears", "at least one", true},
		{"bad date", func(s *Spec) { s.Calendar.SchoolYears[0].Terms[0].Start = "2026-9-7" }, "calendar.schoolYears[0].terms[0].start", "YYYY-MM-DD", true},
		{"impossible date", func(s *Spec) { s.Calendar.SchoolYears[0].Terms[2].End = "2027-02-30" }, "calendar.schoolYears[0].terms[2].end", "YYYY-MM-DD", true},
		{"term ends before it starts", func(s *Spec) { s.Calendar.SchoolYears[0].Terms[1].End = "2027-01-01" }, "calendar.schoolYears[0].terms[1].end", "before the start", true},
		{"terms overlap", func(s *Spec) { s.Calendar.SchoolYears[0].Terms[1].Start = "2026-12-18" }, "calendar.schoolYears[0].terms[1].start", "not after the end of the previous term", true},
		{"years overlap", func(s *Spec) {
			y := s.Calendar.SchoolYears[0]
			y.Name = "again"
			s.Calendar.SchoolYears = append(s.Calendar.SchoolYears, y)
		}, "calendar.schoolYears[1].terms[0].start", "not after", true},
		{"duplicate year name", func(s *Spec) {
			s.Calendar.SchoolYears = append(s.Calendar.SchoolYears, SchoolYear{Name: s.Calendar.SchoolYears[0].Name,
				Terms: []Term{{Name: "T", Start: "2027-09-06", End: "2027-12-17"}}})
		}, "calendar.schoolYears[1].name", "duplicate", true},
		{"holiday date", func(s *Spec) { s.Calendar.Holidays[0].Date = "25 Dec 2026" }, "calendar.holidays[0].date", "YYYY-MM-DD", true},
		{"duplicate holiday", func(s *Spec) { s.Calendar.Holidays[1].Date = s.Calendar.Holidays[0].Date }, "calendar.holidays[1].date", "duplicate", true},

		{"recruited role unknown", func(s *Spec) { s.Recruitment.Roles = []string{"lll", "mentor"} }, "recruitment.roles[1]", `unknown role "mentor"`, true},
		{"panel chair unknown", func(s *Spec) { s.Recruitment.Panel.Chair = "mayor" }, "recruitment.panel.chair", `unknown role "mayor"`, true},
		{"panel level unknown", func(s *Spec) { s.Recruitment.Panel.Level = "region" }, "recruitment.panel.level", `unknown level "region"`, true},
		{"panel size", func(s *Spec) { s.Recruitment.Panel.MinMembers = 0 }, "recruitment.panel.minMembers", "at least 1", true},
		{"eligibility minimum", func(s *Spec) { s.Recruitment.Eligibility[0].Min = 0 }, "recruitment.eligibility[0].min", "at least 1", true},
		{"eligibility kind", func(s *Spec) { s.Recruitment.Eligibility[1].Kind = "maybe" }, "recruitment.eligibility[1].kind", `unknown kind "maybe"`, true},
		{"evidence rule with min", func(s *Spec) { s.Recruitment.Eligibility[1].Min = 2 }, "recruitment.eligibility[1].min", "must be empty", true},
		{"weights do not sum to 100", func(s *Spec) { s.Recruitment.Criteria[0].Weight = 20 }, "recruitment.criteria", "weights sum to 95, want 100", true},
		{"weight out of range", func(s *Spec) { s.Recruitment.Criteria[0].Weight = 0 }, "recruitment.criteria[0].weight", "between 1 and 100", true},
		{"criterion levels gap", func(s *Spec) { s.Recruitment.Criteria[1].Levels[2].Level = 4 }, "recruitment.criteria[1].levels[2].level", "got 4, want 3", true},
		{"criteria scales differ", func(s *Spec) { s.Recruitment.Criteria[2].Levels = s.Recruitment.Criteria[2].Levels[:3] }, "recruitment.criteria[2].levels", "has 3 levels", true},
		{"criterion descriptor", func(s *Spec) { s.Recruitment.Criteria[3].Levels[0].Descriptor = "" }, "recruitment.criteria[3].levels[0].descriptor", "required", true},
		{"no same-school rule", func(s *Spec) { s.Recruitment.Conflicts = s.Recruitment.Conflicts[1:] }, "recruitment.conflicts", `sameUnit "school" is required`, true},
		{"conflict level", func(s *Spec) { s.Recruitment.Conflicts[1].SameUnit = "village" }, "recruitment.conflicts[1].sameUnit", `unknown level "village"`, true},
		{"conflict both kinds", func(s *Spec) { s.Recruitment.Conflicts[1].Declared = true }, "recruitment.conflicts[1]", "not both", true},
		{"conflict neither kind", func(s *Spec) { s.Recruitment.Conflicts[2].Declared = false }, "recruitment.conflicts[2]", "set sameUnit or declared", true},
		{"reserve list", func(s *Spec) { s.Recruitment.ReserveListSize = -1 }, "recruitment.reserveListSize", "negative", true},

		{"caseload role", func(s *Spec) { s.Caseloads[0].Role = "mentor" }, "caseloads[0].role", `unknown role "mentor"`, true},
		{"caseload outside the coaching chain", func(s *Spec) { s.Caseloads[0].Coachee = "seo" }, "caseloads[0].coachee", `does not coach "seo"`, true},
		{"caseload warn above max", func(s *Spec) { s.Caseloads[0].Warn = 9 }, "caseloads[0].warn", "between 0 and max", true},
		{"caseload max", func(s *Spec) { s.Caseloads[0].Max = 0 }, "caseloads[0].max", "at least 1", true},
		{"duplicate caseload", func(s *Spec) { s.Caseloads = append(s.Caseloads, s.Caseloads[0]) }, "caseloads[3]", "duplicate", true},

		{"awarding body", func(s *Spec) { s.Accreditation.AwardingBody = "" }, "accreditation.awardingBody", "required", true},
		{"module competency", func(s *Spec) { s.Accreditation.Modules[0].Competencies[0] = "leading_dance" }, "accreditation.modules[0].competencies[0]", `unknown competency area "leading_dance"`, true},
		{"module credits", func(s *Spec) { s.Accreditation.Modules[1].Credits = 0 }, "accreditation.modules[1].credits", "at least 1", true},
		{"duplicate module", func(s *Spec) { s.Accreditation.Modules[1].Code = s.Accreditation.Modules[0].Code }, "accreditation.modules[1].code", "duplicate", true},
		{"evidence source", func(s *Spec) { s.Accreditation.Evidence[0].Source = "email" }, "accreditation.evidence[0].source", `unknown source "email"`, true},
		{"evidence min", func(s *Spec) { s.Accreditation.Evidence[0].Min = 0 }, "accreditation.evidence[0].min", "at least 1", true},
		{"pass level", func(s *Spec) { s.Accreditation.PassLevel = 0 }, "accreditation.passLevel", "1..4", true},
		{"enrolled role", func(s *Spec) { s.Accreditation.Roles = []string{"lll", "lll"} }, "accreditation.roles[1]", "duplicate", true},

		{"retention record unknown", func(s *Spec) { s.Retention[1].Record = "rejected_aplications" }, "retention[1].record", `unknown kind of record "rejected_aplications"`, true},
		{"retention record missing", func(s *Spec) { s.Retention[0].Record = "" }, "retention[0].record", "required", true},
		{"retention record twice", func(s *Spec) { s.Retention = append(s.Retention, RetentionPeriod{Record: "audit_entries", Keep: "1y"}) }, "retention[2].record", "duplicate", true},
		{"retention keep unit", func(s *Spec) { s.Retention[0].Keep = "5 years" }, "retention[0].keep", "not a lifetime like 90d", true},
		{"retention keep zero", func(s *Spec) { s.Retention[1].Keep = "0d" }, "retention[1].keep", "not a lifetime", true},
		{"retention keep weeks", func(s *Spec) { s.Retention[1].Keep = "2w" }, "retention[1].keep", "not a lifetime", true},
		{"retention keep missing", func(s *Spec) { s.Retention[1].Keep = "" }, "retention[1].keep", "required", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustLoad(t, "rw")
			tt.break_(s)
			errs := fieldErrors(t, s.Validate())
			if errs == nil {
				t.Fatal("Validate accepted the broken profile")
			}
			found := false
			for _, fe := range errs {
				if fe.Field == tt.field && strings.Contains(fe.Detail, tt.detail) {
					found = true
				}
			}
			if !found {
				t.Errorf("want %s: …%s…; got %v", tt.field, tt.detail, errs)
			}
			if tt.only && len(errs) != 1 {
				t.Errorf("want only that problem, got %d: %v", len(errs), errs)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	s := mustLoad(t, "rw")
	s.TimeZone = "Mars/Olympus"
	s.Geography.Units[12].Parent = "rw-foo"
	s.Recruitment.Criteria[0].Weight = 20
	errs := fieldErrors(t, s.Validate())
	want := []string{"timeZone", "geography.units[12].parent", "recruitment.criteria"}
	if len(errs) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(errs), len(want), errs)
	}
	for i, fe := range errs {
		if fe.Field != want[i] {
			t.Errorf("problem %d is at %s, want %s", i, fe.Field, want[i])
		}
	}
	msg := (&ValidationError{Errors: errs}).Error()
	if !strings.Contains(msg, "3 problems") || !strings.Contains(msg, `geography.units[12].parent: unknown unit "rw-foo"`) {
		t.Errorf("Error() = %q", msg)
	}
}

func TestAccreditationIsOptional(t *testing.T) {
	s := mustLoad(t, "rw")
	s.Accreditation = nil
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDocumentValidate(t *testing.T) {
	doc := Document{APIVersion: "l4l.org/v1", Kind: "Profile", Metadata: Metadata{Name: "ke"}, Spec: *mustLoad(t, "rw")}
	doc.Spec.TimeZone = "nowhere"
	errs := fieldErrors(t, doc.Validate())
	want := map[string]bool{"apiVersion": true, "kind": true, "metadata.name": true, "spec.timeZone": true}
	for _, fe := range errs {
		if !want[fe.Field] {
			t.Errorf("unexpected problem %v", fe)
		}
		delete(want, fe.Field)
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v (got %v)", want, errs)
	}
}
