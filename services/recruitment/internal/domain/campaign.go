package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Campaign statuses. A campaign takes applications while open and inside its window;
// ranking closes it (later applicants could not be ranked), and selection then runs on
// the ranking until every place is filled or the reserve is used up.
const (
	CampaignOpen   = "open"
	CampaignClosed = "closed"
	CampaignRanked = "ranked"
)

// Campaign is one intake of a tenant: its application window, the positions it fills,
// the selection panel, and — once ranked — the ranking, offers, reserve lists and the
// leaders appointed. Selection lives in this one aggregate so that a decline and the
// offer to the next reserve, or an exit and the replacement offer, are one document
// update with their events (no transactions).
type Campaign struct {
	ID     string `json:"id" bson:"_id"`
	Intake string `json:"intake" bson:"intake"`
	// OpensOn and ClosesOn bound the application window (dates in the profile's zone, inclusive).
	OpensOn  string `json:"opens_on" bson:"opens_on"`
	ClosesOn string `json:"closes_on" bson:"closes_on"`
	Status   string `json:"status" bson:"status"`
	// MaxApplications caps the applications the campaign takes (0: no cap).
	MaxApplications int           `json:"max_applications" bson:"max_applications"`
	Positions       []Position    `json:"positions" bson:"positions"`
	Panel           Panel         `json:"panel" bson:"panel"`
	Ranking         []PositionRun `json:"ranking,omitempty" bson:"ranking"`
	RankedAt        *time.Time    `json:"ranked_at,omitempty" bson:"ranked_at"`
	Offers          []Offer       `json:"offers" bson:"offers"`
	Appointments    []Appointment `json:"appointments" bson:"appointments"`
	// FunnelBeforeRetention holds the funnel's first stages as they were when the
	// retention job first removed applications of the campaign (retention.go): the
	// funnel then stays what it was.
	FunnelBeforeRetention *EarlyStages `json:"funnel_before_retention,omitempty" bson:"funnel_before_retention,omitempty"`
	CreatedAt             time.Time    `json:"created_at" bson:"created_at"`
	UpdatedAt             time.Time    `json:"updated_at" bson:"updated_at"`
}

// Position is a role to fill in a unit: the LLL of a sector, the NLLs of a district.
type Position struct {
	// Key is "<role>:<unit>", e.g. "lll:rw-gasabo-remera".
	Key    string `json:"key" bson:"key"`
	Role   string `json:"role" bson:"role"`
	Unit   string `json:"unit" bson:"unit"`
	Places int    `json:"places" bson:"places"`
	// The counts below are derived by Refresh after every selection step.
	Offered   int `json:"offered" bson:"offered"`
	Appointed int `json:"appointed" bson:"appointed"`
	// Open is the number of places with no leader and no pending offer once the reserve
	// is used up: the District Selection Committee fills them in the next campaign.
	Open int `json:"open" bson:"open"`
}

// PositionKey names a position.
func PositionKey(role, unit string) string { return role + ":" + unit }

// Panel is the selection panel of a campaign: the chair (the DEO in Rwanda) and members,
// all people of the directory (person ids).
type Panel struct {
	Chair   string   `json:"chair" bson:"chair"`
	Members []string `json:"members" bson:"members"`
}

// Has reports whether person sits on the panel.
func (p Panel) Has(person string) bool {
	return person != "" && (p.Chair == person || slices.Contains(p.Members, person))
}

// All lists the chair and members.
func (p Panel) All() []string {
	if p.Chair == "" {
		return slices.Clone(p.Members)
	}
	return append([]string{p.Chair}, p.Members...)
}

// CampaignFields are what a client sends to open a campaign.
type CampaignFields struct {
	Intake          string           `json:"intake"`
	OpensOn         string           `json:"opens_on"`
	ClosesOn        string           `json:"closes_on"`
	Roles           []string         `json:"roles"`
	MaxApplications int              `json:"max_applications"`
	Places          []PlacesOverride `json:"places"`
	Panel           *Panel           `json:"panel"`
}

// PlacesOverride changes the number of places of one position from the profile's quota
// (a sector that already has its LLL recruits 0).
type PlacesOverride struct {
	Role   string `json:"role"`
	Unit   string `json:"unit"`
	Places int    `json:"places"`
}

// NewCampaign validates the fields against the tenant's profile and opens a campaign with
// a position per unit of each role's quota level (Rwanda: an LLL per sector, two NLLs for
// the district).
func NewCampaign(t Tenant, f CampaignFields, panel PanelCheck, now time.Time) (Campaign, error) {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) { errs = append(errs, problem.Field(field, format, args...)) }
	f.Intake = strings.TrimSpace(f.Intake)
	if f.Intake == "" || len(f.Intake) > 40 {
		add("intake", "required: the intake's name, e.g. \"2027\" (at most 40 characters)")
	}
	open, err1 := parseDate(f.OpensOn)
	if err1 != nil {
		add("opens_on", "required, as YYYY-MM-DD")
	}
	closes, err2 := parseDate(f.ClosesOn)
	if err2 != nil {
		add("closes_on", "required, as YYYY-MM-DD")
	} else if err1 == nil && closes.Before(open) {
		add("closes_on", "before opens_on")
	}
	if f.MaxApplications < 0 {
		add("max_applications", "0 (no cap) or more")
	}
	rules := t.Rules()
	roles := f.Roles
	if len(roles) == 0 {
		roles = rules.Roles
	}
	var positions []Position
	for i, r := range roles {
		if !slices.Contains(rules.Roles, r) {
			add(fmt.Sprintf("roles[%d]", i), "%q is not recruited in this country; one of %s", r, strings.Join(rules.Roles, ", "))
			continue
		}
		if slices.Contains(roles[:i], r) {
			add(fmt.Sprintf("roles[%d]", i), "%q is listed twice", r)
			continue
		}
		role, _ := t.Profile.Role(r)
		if role.Quota == nil {
			add(fmt.Sprintf("roles[%d]", i), "%q has no quota in the country profile", r)
			continue
		}
		for _, u := range t.Profile.UnitsUnder(t.Code, role.Quota.PerLevel) {
			positions = append(positions, Position{Key: PositionKey(r, u.Code), Role: r, Unit: u.Code, Places: role.Quota.Count})
		}
	}
	for i, o := range f.Places {
		field := fmt.Sprintf("places[%d]", i)
		j := slices.IndexFunc(positions, func(p Position) bool { return p.Key == PositionKey(o.Role, o.Unit) })
		switch {
		case j < 0:
			add(field+".unit", "no %s position in %q in this campaign", o.Role, o.Unit)
		case o.Places < 0 || o.Places > 50:
			add(field+".places", "from 0 to 50")
		default:
			positions[j].Places = o.Places
		}
	}
	if len(errs) == 0 && len(positions) == 0 {
		add("roles", "the campaign has no position to fill")
	}
	c := Campaign{ID: NewID(), Intake: f.Intake, OpensOn: f.OpensOn, ClosesOn: f.ClosesOn, Status: CampaignOpen,
		MaxApplications: f.MaxApplications, Positions: positions, Offers: []Offer{}, Appointments: []Appointment{},
		Panel: Panel{Members: []string{}}, CreatedAt: now, UpdatedAt: now}
	if f.Panel != nil {
		if f.Panel.Members == nil {
			f.Panel.Members = []string{}
		}
		errs = append(errs, panel.check(t, *f.Panel, "panel.")...)
		c.Panel = *f.Panel
	}
	if len(errs) > 0 {
		return Campaign{}, problem.Fields("the campaign has invalid fields", sortFields(errs)...)
	}
	c.Refresh()
	return c, nil
}

// PanelCheck holds what the directory says about the proposed panel's people.
type PanelCheck struct {
	People map[string]PersonFacts
	Today  string
}

func (pc PanelCheck) check(t Tenant, p Panel, prefix string) []problem.FieldError {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, problem.Field(prefix+field, format, args...))
	}
	rules := t.Rules().Panel
	chairRole, _ := t.Profile.Role(rules.Chair)
	if p.Chair == "" {
		add("chair", "required: the person id of the %s", chairRole.Name)
	} else if !pc.People[p.Chair].Holds(pc.Today, rules.Chair) {
		add("chair", "%q is not a %s of %s in the directory", p.Chair, chairRole.Name, t.Code)
	}
	seen := map[string]bool{p.Chair: true}
	for i, m := range p.Members {
		field := fmt.Sprintf("members[%d]", i)
		switch {
		case m == "":
			add(field, "required")
		case seen[m]:
			add(field, "%q is on the panel twice", m)
		case !pc.People[m].Holds(pc.Today, rules.Members...):
			add(field, "%q holds none of the panel's roles (%s) in the directory", m, strings.Join(rules.Members, ", "))
		}
		seen[m] = true
	}
	if n := len(p.Members) + 1; n < rules.MinMembers {
		add("members", "the %s needs at least %d people, chair included; this has %d", rules.Name, rules.MinMembers, n)
	}
	return errs
}

// SetPanel replaces the panel. Once candidates are ranked the panel is history.
func (c *Campaign) SetPanel(t Tenant, p Panel, pc PanelCheck, now time.Time) error {
	if c.Status == CampaignRanked {
		return conflict("the campaign is ranked: its panel can no longer change")
	}
	if p.Members == nil {
		p.Members = []string{}
	}
	if errs := pc.check(t, p, ""); len(errs) > 0 {
		return problem.Fields("the panel is not valid", sortFields(errs)...)
	}
	c.Panel, c.UpdatedAt = p, now
	return nil
}

// Close stops taking applications. It reports false when already closed.
func (c *Campaign) Close(now time.Time) bool {
	if c.Status != CampaignOpen {
		return false
	}
	c.Status, c.UpdatedAt = CampaignClosed, now
	return true
}

// Position returns the position with key.
func (c *Campaign) Position(key string) (*Position, bool) {
	i := slices.IndexFunc(c.Positions, func(p Position) bool { return p.Key == key })
	if i < 0 {
		return nil, false
	}
	return &c.Positions[i], true
}

// PositionFor finds the position an applicant for role competes for: the one of the
// role's quota level that contains the applicant's school.
func (c *Campaign) PositionFor(t Tenant, role, schoolUnit string) (*Position, bool) {
	r, ok := t.Profile.Role(role)
	if !ok || r.Quota == nil {
		return nil, false
	}
	unit, ok := t.UnitAt(schoolUnit, r.Quota.PerLevel)
	if !ok {
		return nil, false
	}
	return c.Position(PositionKey(role, unit))
}
