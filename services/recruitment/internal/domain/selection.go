package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Offer statuses.
const (
	OfferPending  = "pending"
	OfferAccepted = "accepted"
	OfferDeclined = "declined"
)

// Appointment statuses: appointed on acceptance, active once inducted (the centralised
// induction event, seed 000), exited when the leader leaves.
const (
	Appointed = "appointed"
	Active    = "active"
	Exited    = "exited"
)

// ExitReasons are why a leader leaves (the event contract's list).
var ExitReasons = []string{"resigned", "retired", "transferred", "dismissed", "deceased", "other"}

// Offer is a position offered to a ranked candidate.
type Offer struct {
	ID            string     `json:"id" bson:"id"`
	Position      string     `json:"position" bson:"position"`
	ApplicationID string     `json:"application_id" bson:"application_id"`
	PersonID      string     `json:"person_id" bson:"person_id"`
	Status        string     `json:"status" bson:"status"`
	MadeAt        time.Time  `json:"made_at" bson:"made_at"`
	RespondedAt   *time.Time `json:"responded_at,omitempty" bson:"responded_at"`
	// Replaces is the appointment whose leader's exit this offer replaces.
	Replaces string `json:"replaces,omitempty" bson:"replaces"`
}

// Appointment is a leader of learning appointed through the campaign.
type Appointment struct {
	ID            string `json:"id" bson:"id"`
	OfferID       string `json:"offer_id" bson:"offer_id"`
	ApplicationID string `json:"application_id" bson:"application_id"`
	PersonID      string `json:"person_id" bson:"person_id"`
	Position      string `json:"position" bson:"position"`
	Role          string `json:"role" bson:"role"`
	Unit          string `json:"unit" bson:"unit"`
	Status        string `json:"status" bson:"status"`
	StartDate     string `json:"start_date" bson:"start_date"`
	InductedOn    string `json:"inducted_on,omitempty" bson:"inducted_on"`
	EndDate       string `json:"end_date,omitempty" bson:"end_date"`
	ExitReason    string `json:"exit_reason,omitempty" bson:"exit_reason"`
}

// Blocker is why a candidate keeps the campaign from being ranked.
type Blocker struct {
	ApplicationID string   `json:"application_id"`
	Missing       []string `json:"missing,omitempty"`
	Flags         []string `json:"flags,omitempty"`
}

// BlockedError refuses a ranking while scores are missing or flags are open.
type BlockedError struct{ Blockers []Blocker }

func (e *BlockedError) Error() string {
	var parts []string
	for _, b := range e.Blockers {
		var why []string
		why = append(why, b.Missing...)
		for _, f := range b.Flags {
			why = append(why, "moderation flag open on "+f)
		}
		parts = append(parts, b.ApplicationID+": "+strings.Join(why, "; "))
	}
	return "ranking is blocked until every eligible candidate is fully scored and every flag is moderated: " + strings.Join(parts, " | ")
}

// Problem turns the error into a 409 naming each application.
func (e *BlockedError) Problem() error {
	var fields []problem.FieldError
	for _, b := range e.Blockers {
		why := append(slices.Clone(b.Missing), prefixAll("moderation flag open on ", b.Flags)...)
		fields = append(fields, problem.Field("applications."+b.ApplicationID, "%s", strings.Join(why, "; ")))
	}
	return &problem.Error{Kind: problem.Conflict, Detail: e.Error(), Fields: fields}
}

func prefixAll(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// ApplyRanking stores the ranking and the selection queues: per position the top
// candidates for its places, then up to reserveSize more as its reserve list. Ranking
// closes the campaign to applications. A campaign may be ranked again until the first
// offer is made.
func (c *Campaign) ApplyRanking(runs []PositionRun, reserveSize int, now time.Time) error {
	if len(c.Offers) > 0 {
		return conflict("offers have been made: the ranking is final")
	}
	for i := range runs {
		p, _ := c.Position(runs[i].Position)
		n := min(len(runs[i].Ranked), p.Places+reserveSize)
		runs[i].Queue = make([]string, n)
		for j := range n {
			runs[i].Queue[j] = runs[i].Ranked[j].ApplicationID
		}
		runs[i].Next = 0
	}
	c.Ranking, c.Status, c.RankedAt, c.UpdatedAt = runs, CampaignRanked, &now, now
	c.Refresh()
	return nil
}

func (c *Campaign) run(position string) *PositionRun {
	i := slices.IndexFunc(c.Ranking, func(r PositionRun) bool { return r.Position == position })
	if i < 0 {
		return nil
	}
	return &c.Ranking[i]
}

// free counts the places of a position with neither a leader nor a pending offer.
func (c *Campaign) free(p Position) int {
	taken := 0
	for _, o := range c.Offers {
		if o.Position == p.Key && o.Status == OfferPending {
			taken++
		}
	}
	for _, a := range c.Appointments {
		if a.Position == p.Key && a.Status != Exited {
			taken++
		}
	}
	return p.Places - taken
}

func (c *Campaign) offerNext(p Position, replaces string, now time.Time) (Offer, bool) {
	run := c.run(p.Key)
	if run == nil || run.Next >= len(run.Queue) || c.free(p) <= 0 {
		return Offer{}, false
	}
	id := run.Queue[run.Next]
	run.Next++
	var person string
	for _, r := range run.Ranked {
		if r.ApplicationID == id {
			person = r.PersonID
		}
	}
	o := Offer{ID: NewID(), Position: p.Key, ApplicationID: id, PersonID: person, Status: OfferPending, MadeAt: now, Replaces: replaces}
	c.Offers = append(c.Offers, o)
	return o, true
}

// MakeOffers offers every free place to the next candidates in rank order.
func (c *Campaign) MakeOffers(now time.Time) ([]Offer, error) {
	if c.Status != CampaignRanked {
		return nil, conflict("rank the candidates first")
	}
	var made []Offer
	for _, p := range c.Positions {
		for {
			o, ok := c.offerNext(p, "", now)
			if !ok {
				break
			}
			made = append(made, o)
		}
	}
	c.UpdatedAt = now
	c.Refresh()
	return made, nil
}

// OfferTo offers a position to one candidate, who must be eligible, ranked and next in
// rank order for a position with a free place: the ranking binds the panel.
func (c *Campaign) OfferTo(a Application, now time.Time) (Offer, error) {
	switch {
	case c.Status != CampaignRanked:
		return Offer{}, conflict("rank the candidates first")
	case a.CampaignID != c.ID:
		return Offer{}, problem.New(problem.NotFound, "no application %q in this campaign", a.ID)
	case !a.Active():
		return Offer{}, conflict("application %s was withdrawn", a.ID)
	case !a.Eligible():
		return Offer{}, conflict("application %s is not eligible: it failed screening and was not ranked", a.ID)
	}
	run := c.run(a.Position)
	if run == nil || !slices.ContainsFunc(run.Ranked, func(r Ranked) bool { return r.ApplicationID == a.ID }) {
		return Offer{}, conflict("application %s is not ranked", a.ID)
	}
	if slices.ContainsFunc(c.Offers, func(o Offer) bool { return o.ApplicationID == a.ID }) {
		return Offer{}, conflict("application %s has already had an offer", a.ID)
	}
	p, _ := c.Position(a.Position)
	if c.free(*p) <= 0 {
		return Offer{}, conflict("position %s has no free place", p.Key)
	}
	if run.Next >= len(run.Queue) || run.Queue[run.Next] != a.ID {
		return Offer{}, conflict("application %s is not next in rank order for %s (neither a top candidate nor the next on the reserve list)", a.ID, p.Key)
	}
	o, _ := c.offerNext(*p, "", now)
	c.UpdatedAt = now
	c.Refresh()
	return o, nil
}

func (c *Campaign) pendingOffer(id string) (*Offer, error) {
	i := slices.IndexFunc(c.Offers, func(o Offer) bool { return o.ID == id })
	if i < 0 {
		return nil, problem.New(problem.NotFound, "no offer %q in this campaign", id)
	}
	if o := &c.Offers[i]; o.Status != OfferPending {
		return nil, conflict("offer %s was already %s", id, o.Status)
	}
	return &c.Offers[i], nil
}

// Accept appoints the candidate from startDate.
func (c *Campaign) Accept(t Tenant, offerID, startDate string, now time.Time) (Appointment, error) {
	if _, err := parseDate(startDate); err != nil {
		return Appointment{}, problem.Fields("invalid start date", problem.Field("start_date", "YYYY-MM-DD"))
	}
	o, err := c.pendingOffer(offerID)
	if err != nil {
		return Appointment{}, err
	}
	o.Status, o.RespondedAt = OfferAccepted, &now
	p, _ := c.Position(o.Position)
	a := Appointment{ID: NewID(), OfferID: o.ID, ApplicationID: o.ApplicationID, PersonID: o.PersonID, Position: p.Key,
		Role: p.Role, Unit: p.Unit, Status: Appointed, StartDate: startDate}
	c.Appointments = append(c.Appointments, a)
	c.UpdatedAt = now
	c.Refresh()
	return a, nil
}

// Decline records the candidate's refusal and offers the place to the next on the reserve
// list, if any.
func (c *Campaign) Decline(offerID string, now time.Time) (declined Offer, next *Offer, err error) {
	o, err := c.pendingOffer(offerID)
	if err != nil {
		return Offer{}, nil, err
	}
	o.Status, o.RespondedAt = OfferDeclined, &now
	declined = *o
	p, _ := c.Position(o.Position)
	if n, ok := c.offerNext(*p, o.Replaces, now); ok {
		next = &n
	}
	c.UpdatedAt = now
	c.Refresh()
	return declined, next, nil
}

func (c *Campaign) appointment(id string) (*Appointment, error) {
	i := slices.IndexFunc(c.Appointments, func(a Appointment) bool { return a.ID == id })
	if i < 0 {
		return nil, problem.New(problem.NotFound, "no appointment %q in this campaign", id)
	}
	return &c.Appointments[i], nil
}

// Induct records the leader's attendance at the induction event: the leader is active.
func (c *Campaign) Induct(id, date string, now time.Time) (Appointment, error) {
	if _, err := parseDate(date); err != nil {
		return Appointment{}, problem.Fields("invalid date", problem.Field("date", "required, as YYYY-MM-DD"))
	}
	a, err := c.appointment(id)
	if err != nil {
		return Appointment{}, err
	}
	if a.Status != Appointed {
		return Appointment{}, conflict("the leader is %s: only an appointed leader is inducted", a.Status)
	}
	a.Status, a.InductedOn, c.UpdatedAt = Active, date, now
	return *a, nil
}

// Exit records that a leader left, and runs the replacement plan: the next on the
// position's reserve list is offered the place; without one, the place stays open for the
// next campaign.
func (c *Campaign) Exit(id, endDate, reason string, now time.Time) (Appointment, *Offer, error) {
	var errs []problem.FieldError
	if _, err := parseDate(endDate); err != nil {
		errs = append(errs, problem.Field("end_date", "required, as YYYY-MM-DD"))
	}
	if !slices.Contains(ExitReasons, reason) {
		errs = append(errs, problem.Field("reason", "one of %s", strings.Join(ExitReasons, ", ")))
	}
	if len(errs) > 0 {
		return Appointment{}, nil, problem.Fields("the exit has invalid fields", errs...)
	}
	a, err := c.appointment(id)
	if err != nil {
		return Appointment{}, nil, err
	}
	if a.Status == Exited {
		return Appointment{}, nil, conflict("the leader already exited on %s", a.EndDate)
	}
	if endDate < a.StartDate {
		return Appointment{}, nil, problem.Fields("the exit has invalid fields", problem.Field("end_date", "before the appointment's start date %s", a.StartDate))
	}
	a.Status, a.EndDate, a.ExitReason = Exited, endDate, reason
	exited := *a
	p, _ := c.Position(a.Position)
	var next *Offer
	if n, ok := c.offerNext(*p, exited.ID, now); ok {
		next = &n
	}
	c.UpdatedAt = now
	c.Refresh()
	return exited, next, nil
}

// Refresh derives each position's counts and each reserve list from the offers and
// appointments.
func (c *Campaign) Refresh() {
	for i := range c.Positions {
		p := &c.Positions[i]
		p.Offered, p.Appointed, p.Open = 0, 0, 0
		for _, o := range c.Offers {
			if o.Position == p.Key && o.Status == OfferPending {
				p.Offered++
			}
		}
		for _, a := range c.Appointments {
			if a.Position == p.Key && a.Status != Exited {
				p.Appointed++
			}
		}
		run := c.run(p.Key)
		if run == nil {
			continue
		}
		if run.Next >= len(run.Queue) {
			p.Open = max(0, p.Places-p.Offered-p.Appointed)
		}
		run.Reserve = []string{}
		if start := max(run.Next, p.Places); start < len(run.Queue) {
			run.Reserve = slices.Clone(run.Queue[start:])
		}
	}
}

// Funnel counts a campaign's candidates at each stage.
type Funnel struct {
	Applied   int `json:"applied"`
	Eligible  int `json:"eligible"`
	Assessed  int `json:"assessed"`
	Ranked    int `json:"ranked"`
	Offered   int `json:"offered"`
	Appointed int `json:"appointed"`
}

// FunnelOf counts the stages; assessed means scored by at least one counted member.
func FunnelOf(c Campaign, apps []Application, assessed func(Application) bool) Funnel {
	var f Funnel
	if e := c.FunnelBeforeRetention; e != nil {
		f.Applied, f.Eligible, f.Assessed = e.Applied, e.Eligible, e.Assessed
		apps = nil
	}
	for _, a := range apps {
		if !a.Active() {
			continue
		}
		f.Applied++
		if a.Eligible() {
			f.Eligible++
			if assessed(a) {
				f.Assessed++
			}
		}
	}
	for _, r := range c.Ranking {
		f.Ranked += len(r.Ranked)
	}
	seen := map[string]bool{}
	for _, o := range c.Offers {
		if !seen[o.ApplicationID] {
			seen[o.ApplicationID] = true
			f.Offered++
		}
	}
	f.Appointed = len(c.Appointments)
	return f
}

// String names a position for messages.
func (p Position) String() string { return fmt.Sprintf("%s of %s", p.Role, p.Unit) }

// Members maps panel members to their affiliations (from the directory), for the
// conflict-of-interest rules.
type Members map[string]Affiliation

// Counted says whose scores count for an application: panel members (the keys of m)
// with no conflict of interest with the candidate. A member the directory knows nothing
// of has no detectable conflict; a declared one still counts.
func (m Members) Counted(t Tenant, a Application) func(member string) bool {
	memo := map[string]bool{}
	return func(member string) bool {
		ok, seen := memo[member]
		if !seen {
			aff, onPanel := m[member]
			ok = onPanel && len(a.ConflictsOf(t, aff, member)) == 0
			memo[member] = ok
		}
		return ok
	}
}

// Prepare readies a campaign's applications for ranking: each active, eligible one
// becomes a candidate, unless scores are missing or moderation flags are open, which
// block the ranking. Conflicts are judged once per (candidate, panel member), and the
// units above each school once per school unit: a Kenya-sized intake is 30,000
// applications.
func Prepare(t Tenant, c Campaign, apps []Application, members Members) ([]Candidate, error) {
	var cands []Candidate
	var blockers []Blocker
	rules := t.Rules().Conflicts
	panel := c.Panel.All()
	unitsOf := map[string]map[string][]string{}
	for _, a := range apps {
		if !a.Active() || !a.Eligible() {
			continue
		}
		units, ok := unitsOf[a.SchoolUnit]
		if !ok {
			units = CandidateAffiliation(t, "", a.SchoolUnit).Units
			unitsOf[a.SchoolUnit] = units
		}
		cand := Affiliation{Schools: []string{a.SchoolID}, Units: units}
		countedSet := make(map[string]bool, len(panel))
		for _, m := range panel {
			countedSet[m] = len(Conflicts(rules, members[m], cand, a.DeclaredBy(m))) == 0
		}
		counted := func(m string) bool { return countedSet[m] }
		lv := a.levels(counted)
		missing, flags := a.Missing(t, c, counted), a.flags(t, lv)
		if len(missing) > 0 || len(flags) > 0 {
			blockers = append(blockers, Blocker{ApplicationID: a.ID, Missing: missing, Flags: flags})
			continue
		}
		cands = append(cands, a.candidate(lv))
	}
	if len(blockers) > 0 {
		return nil, (&BlockedError{Blockers: blockers}).Problem()
	}
	return cands, nil
}
