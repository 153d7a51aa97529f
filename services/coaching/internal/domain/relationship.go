package domain

import (
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Relationship sources: assigned by the chain's rules, by hand, or an interim cover by
// the unit's education officer while no coach is in post.
const (
	SourceAuto    = "auto"
	SourceManual  = "manual"
	SourceInterim = "interim"
)

// Relationship statuses.
const (
	StatusActive = "active"
	StatusEnded  = "ended"
)

// Reasons a relationship ends.
const (
	EndCoacheeLeft    = "coachee_left"
	EndCoachLeft      = "coach_left"
	EndMoved          = "coachee_moved"
	EndRebalanced     = "rebalanced"
	EndCoachAppointed = "coach_appointed"
	EndByHand         = "ended_by_hand"
)

// Relationship is one coach coaching one coachee in one link of the chain.
type Relationship struct {
	ID   string `json:"id" bson:"_id"`
	Link string `json:"link" bson:"link"`
	// CoachRole is the coach's role: the link's coach role, or the interim cover's (seo).
	CoachID     string `json:"coach_id" bson:"coach_id"`
	CoachRole   string `json:"coach_role" bson:"coach_role"`
	CoacheeID   string `json:"coachee_id" bson:"coachee_id"`
	CoacheeRole string `json:"coachee_role" bson:"coachee_role"`
	// Unit is the coachee's unit (a school for an HT, a sector for an LLL); Units adds
	// the units above it; GroupUnit is the unit whose coaches share its coachees.
	Unit      string    `json:"unit" bson:"unit"`
	Units     []string  `json:"units" bson:"units"`
	GroupUnit string    `json:"group_unit" bson:"group_unit"`
	Source    string    `json:"source" bson:"source"`
	Status    string    `json:"status" bson:"status"`
	StartDate string    `json:"start_date" bson:"start_date"`
	EndDate   string    `json:"end_date,omitempty" bson:"end_date"`
	EndReason string    `json:"end_reason,omitempty" bson:"end_reason"`
	Override  *Override `json:"override,omitempty" bson:"override,omitempty"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
	// ActiveKey is link|coachee while active and the id once ended: a unique index on it
	// makes "one active coach per coachee and link" hold even with concurrent writers
	// (a partial index would say it directly, but FerretDB has none).
	ActiveKey string   `json:"-" bson:"active_key"`
	Parties   []string `json:"-" bson:"parties"`
	Change    string   `json:"-" bson:"change"`
}

// Override records a DEO assigning beyond the caseload limit, and why.
type Override struct {
	By     string `json:"by" bson:"by"`
	Reason string `json:"reason" bson:"reason"`
}

// ActiveKeyOf is the active key of a coachee in a link.
func ActiveKeyOf(link, coachee string) string { return link + "|" + coachee }

func newRelationship(link Link, coach, coachRole, coachee string, p Placement, source, start string, now time.Time) Relationship {
	id := NewID()
	return Relationship{ID: id, Link: link.Key(), CoachID: coach, CoachRole: coachRole, CoacheeID: coachee,
		CoacheeRole: link.CoacheeRole, Unit: p.Unit, Units: p.Units, GroupUnit: p.Group, Source: source,
		Status: StatusActive, StartDate: start, CreatedAt: now, UpdatedAt: now,
		ActiveKey: ActiveKeyOf(link.Key(), coachee), Parties: []string{coach, coachee}, Change: NewChange()}
}

// End ends an active relationship on date.
func (r *Relationship) End(date, reason string, now time.Time) error {
	if r.Status != StatusActive {
		return problem.New(problem.Conflict, "the relationship has already ended")
	}
	if date < r.StartDate {
		date = r.StartDate
	}
	r.Status, r.EndDate, r.EndReason, r.UpdatedAt, r.ActiveKey, r.Change = StatusEnded, date, reason, now, r.ID, NewChange()
	return nil
}

// ActiveOn reports whether the relationship covers date (sessions are logged within it).
func (r Relationship) ActiveOn(date string) bool {
	return r.StartDate <= date && (r.EndDate == "" || date <= r.EndDate)
}

// ManualFields are what a DEO or SEO sends to assign a coach by hand.
type ManualFields struct {
	CoachID     string `json:"coach_id"`
	CoachRole   string `json:"coach_role"`
	CoacheeID   string `json:"coachee_id"`
	CoacheeRole string `json:"coachee_role"`
	StartDate   string `json:"start_date"`
	// OverrideReason lets a DEO assign beyond the caseload limit; it is recorded.
	OverrideReason string `json:"override_reason"`
}

// Caller is who makes a request, as far as the rules care.
type Caller struct {
	PersonID string
	IsDEO    bool
}

// NewManual validates a hand-made assignment. load is the coach's current number of
// active coachees in the link; it is refused (409) beyond the profile's caseload limit
// unless a DEO overrides with a reason.
func NewManual(t Tenant, f ManualFields, r Roster, load int, by Caller, today string, now time.Time) (Relationship, error) {
	var errs fieldErrs
	link, ok := t.LinkOf(f.CoachRole, f.CoacheeRole)
	if !ok {
		errs.add("coach_role", "%s does not coach %s in this country's coaching chain", f.CoachRole, f.CoacheeRole)
	}
	if f.CoachID == "" {
		errs.add("coach_id", "required")
	} else if ok && !r.Holds(f.CoachID, f.CoachRole, "", today) {
		errs.add("coach_id", "%q holds no active %s assignment", f.CoachID, f.CoachRole)
	}
	var place Placement
	if f.CoacheeID == "" {
		errs.add("coachee_id", "required")
	} else if ok {
		found := false
		coachRole, _ := t.Profile.Role(f.CoachRole)
		coacheeRole, _ := t.Profile.Role(f.CoacheeRole)
		for _, a := range r.Active(today) {
			if a.PersonID == f.CoacheeID && a.Role == f.CoacheeRole {
				if p, ok := t.Place(r, a.Unit, coacheeRole.Scope, coachRole.Scope); ok {
					place, found = p, true
					break
				}
			}
		}
		if !found {
			errs.add("coachee_id", "%q holds no active %s assignment in %s", f.CoacheeID, f.CoacheeRole, t.Code)
		}
	}
	if f.CoachID != "" && f.CoachID == f.CoacheeID {
		errs.add("coachee_id", "a person does not coach themselves")
	}
	start := f.StartDate
	if start == "" {
		start = today
	} else if !ValidDate(start) {
		errs.add("start_date", "must be a date YYYY-MM-DD")
	}
	if len(f.OverrideReason) > 1000 {
		errs.add("override_reason", "at most 1000 characters")
	}
	if err := errs.err("the relationship has invalid fields"); err != nil {
		return Relationship{}, err
	}
	rel := newRelationship(link, f.CoachID, f.CoachRole, f.CoacheeID, place, SourceManual, start, now)
	if limit, ok := t.Profile.Caseload(f.CoachRole, f.CoacheeRole); ok && load+1 > limit.Max {
		switch {
		case f.OverrideReason == "":
			return Relationship{}, problem.New(problem.Conflict, "the coach already has %d %s coachees and the limit is %d; a DEO may override with override_reason", load, f.CoacheeRole, limit.Max)
		case !by.IsDEO:
			return Relationship{}, problem.New(problem.Conflict, "the coach already has %d %s coachees and the limit is %d; only a DEO may override it", load, f.CoacheeRole, limit.Max)
		}
		rel.Override = &Override{By: by.PersonID, Reason: f.OverrideReason}
	}
	return rel, nil
}

// EndFields end a relationship by hand.
type EndFields struct {
	EndDate string `json:"end_date"`
}
