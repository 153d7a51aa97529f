package domain

import (
	"fmt"
	"strings"
	"time"
)

// RiskCheck records, usually at a school visit, whether the school has a system for
// identifying children at risk of dropping out: each of the rules' criteria holds or not,
// and the school "has a system" when enough of them hold (seed 001's KPI: 72% of schools).
type RiskCheck struct {
	ID           string               `json:"id" bson:"_id"`
	SchoolID     string               `json:"school_id" bson:"school_id"`
	Date         string               `json:"date" bson:"date"`
	RecorderID   string               `json:"recorder_id" bson:"recorder_id"`
	RecorderRole string               `json:"recorder_role" bson:"recorder_role"`
	SessionID    string               `json:"session_id,omitempty" bson:"session_id"`
	Criteria     []RiskCriterionCheck `json:"criteria" bson:"criteria"`
	CriteriaMet  int                  `json:"criteria_met" bson:"criteria_met"`
	HasSystem    bool                 `json:"has_system" bson:"has_system"`
	Units        []string             `json:"units" bson:"units"`
	CreatedAt    time.Time            `json:"created_at" bson:"created_at"`
	Parties      []string             `json:"-" bson:"parties"`
	Change       string               `json:"-" bson:"change"`
}

// RiskCriterionCheck is whether one criterion holds, with a note.
type RiskCriterionCheck struct {
	Key  string `json:"key" bson:"key"`
	Met  *bool  `json:"met" bson:"met"`
	Note string `json:"note,omitempty" bson:"note"`
}

// RiskCheckFields are what the recorder sends.
type RiskCheckFields struct {
	ID        string               `json:"id"`
	SchoolID  string               `json:"school_id"`
	Date      string               `json:"date"`
	SessionID string               `json:"session_id"`
	Criteria  []RiskCriterionCheck `json:"criteria"`
}

// NewRiskCheck validates a drop-out-risk check of a school (units empty when the school is
// not known); the HTTP layer decides who records and checks that the session exists.
func NewRiskCheck(t Tenant, rules PlanRules, f RiskCheckFields, units []string, by Reviewer, now time.Time) (RiskCheck, error) {
	var errs fieldErrs
	if f.ID != "" && !ValidID(f.ID) {
		errs.add("id", "must be a UUID")
	}
	if f.SchoolID == "" {
		errs.add("school_id", "required")
	} else if len(units) == 0 {
		errs.add("school_id", "%q is not a school of %s", f.SchoolID, t.Code)
	}
	switch today := t.Today(now); {
	case !ValidDate(f.Date):
		errs.add("date", "required, as YYYY-MM-DD")
	case f.Date > today:
		errs.add("date", "%s is in the future (today is %s)", f.Date, today)
	}
	seen := map[string]bool{}
	met := 0
	for i, c := range f.Criteria {
		at := fmt.Sprintf("criteria[%d]", i)
		known := false
		for _, k := range rules.riskKeys() {
			known = known || k == c.Key
		}
		switch {
		case !known:
			errs.add(at+".key", "%q is not a drop-out-risk criterion; one of %s", c.Key, strings.Join(rules.riskKeys(), ", "))
		case seen[c.Key]:
			errs.add(at+".key", "%q is answered twice", c.Key)
		}
		seen[c.Key] = true
		if c.Met == nil {
			errs.add(at+".met", "required: true or false")
		} else if *c.Met {
			met++
		}
		if len(c.Note) > maxPlanText {
			errs.add(at+".note", "at most %d characters", maxPlanText)
		}
	}
	var missing []string
	for _, k := range rules.riskKeys() {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		errs.add("criteria", "answer every criterion; not answered: %s", strings.Join(missing, ", "))
	}
	if err := errs.err("the drop-out-risk check has invalid fields"); err != nil {
		return RiskCheck{}, err
	}
	id := f.ID
	if id == "" {
		id = NewID()
	}
	return RiskCheck{ID: id, SchoolID: f.SchoolID, Date: f.Date, RecorderID: by.PersonID, RecorderRole: by.Role, SessionID: f.SessionID,
		Criteria: f.Criteria, CriteriaMet: met, HasSystem: met >= rules.DropoutRisk.MinMet, Units: units, CreatedAt: now,
		Parties: []string{by.PersonID}, Change: NewChange()}, nil
}
