package http

import (
	"encoding/csv"
	"errors"
	"fmt"
	nethttp "net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

// MaxSeries bounds series: two school years of months.
const MaxSeries = 24

// Report is the answer of the KPI routes.
type Report struct {
	Country string `json:"country"`
	Tenant  string `json:"tenant,omitempty"`
	// Scope is what the figures cover: the tenant, a unit of it, or the country.
	Scope string `json:"scope"`
	// ParkedFacts are facts naming a school the directory has not announced yet: kept,
	// and counted once it does.
	ParkedFacts int `json:"parked_facts"`
	// Periods are oldest first; the last is the one containing `at`.
	Periods []PeriodKPIs `json:"periods"`
	// Breakdown splits the last period by unit (sector, school or tenant).
	Breakdown []UnitKPIs `json:"breakdown,omitempty"`
}

// PeriodKPIs are the KPIs of one period.
type PeriodKPIs struct {
	Period domain.Period  `json:"period"`
	AsOf   string         `json:"as_of"`
	KPIs   []domain.Value `json:"kpis"`
}

// UnitKPIs are the KPIs of one unit.
type UnitKPIs struct {
	Unit string         `json:"unit"`
	KPIs []domain.Value `json:"kpis"`
}

// query is the decoded query string shared by the KPI routes.
type query struct {
	periods   []domain.Period
	today     string
	breakdown string
	csv       bool
}

func (a *API) decode(c *gin.Context, x *profile.Index, breakdowns ...string) (query, error) {
	q := query{today: x.Date(a.Now())}
	var errs []problem.FieldError
	kind := c.DefaultQuery("period", domain.Term)
	if !slices.Contains(domain.PeriodKinds, kind) {
		errs = append(errs, problem.Field("period", "one of %s", strings.Join(domain.PeriodKinds, ", ")))
	}
	at := c.DefaultQuery("at", q.today)
	if _, err := time.Parse(time.DateOnly, at); err != nil {
		errs = append(errs, problem.Field("at", "a date, YYYY-MM-DD"))
	}
	n := 1
	if s := c.Query("series"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > MaxSeries {
			errs = append(errs, problem.Field("series", "a whole number from 1 to %d", MaxSeries))
		}
		n = v
	}
	q.breakdown = c.Query("breakdown")
	if q.breakdown != "" && !slices.Contains(breakdowns, q.breakdown) {
		errs = append(errs, problem.Field("breakdown", "one of %s", strings.Join(breakdowns, ", ")))
	}
	switch f := c.Query("format"); f {
	case "", "json":
		q.csv = f == "" && strings.Contains(c.GetHeader("Accept"), "text/csv")
	case "csv":
		q.csv = true
	default:
		errs = append(errs, problem.Field("format", "json or csv"))
	}
	if len(errs) > 0 {
		return q, problem.Fields("invalid query parameter", errs...)
	}
	periods, err := domain.Periods(x, kind, at, n)
	var none domain.ErrNoPeriod
	if errors.As(err, &none) {
		return q, problem.Fields("no such period", problem.Field("at", "%s", none.Error()))
	}
	if err != nil {
		return q, problem.Fields("invalid query parameter", problem.Field("at", "%v", err))
	}
	q.periods = periods
	return q, nil
}

// tenantKPIs answers a tenant's KPIs for its whole area, or for the unit the token is
// narrowed to (an SEO's sector), with a series and a breakdown by sector or school.
func (a *API) tenantKPIs(c *gin.Context) error {
	t := service.TenantOf(c)
	q, err := a.decode(c, t.Profile, "sector", "school")
	if err != nil {
		return err
	}
	m, err := a.Store.Model(c.Request.Context(), t.Code)
	if err != nil {
		return err
	}
	rules := domain.DefaultRules(t.Profile, t.Code)
	scope := domain.Scope(auth.From(c).Unit)
	rep := Report{Country: t.Profile.Spec().Country, Tenant: t.Code, Scope: string(scope), ParkedFacts: m.Parked}
	if scope == "" {
		rep.Scope = t.Code
	}
	for _, p := range q.periods {
		rep.Periods = append(rep.Periods, PeriodKPIs{Period: p, AsOf: p.AsOf(q.today), KPIs: a.memo.compute(m, rules, p, q.today, scope)})
	}
	last := q.periods[len(q.periods)-1]
	for _, u := range breakdownUnits(m, t.Profile, t.Code, q.breakdown, scope) {
		rep.Breakdown = append(rep.Breakdown, UnitKPIs{Unit: u, KPIs: a.memo.compute(m, rules, last, q.today, domain.Scope(u))})
	}
	return respond(c, q, rep)
}

// breakdownUnits are the sectors (the units directly below the tenant) or the known
// schools within scope, in a stable order.
func breakdownUnits(m *domain.Model, x *profile.Index, tenant, by string, scope domain.Scope) []string {
	var out []string
	switch by {
	case "sector":
		for _, u := range x.Children(tenant) {
			if scope == "" || string(scope) == u.Code {
				out = append(out, u.Code)
			}
		}
	case "school":
		for id, s := range m.Schools {
			if scope == "" || string(scope) == s.Sector || string(scope) == id {
				out = append(out, id)
			}
		}
		slices.Sort(out)
	}
	return out
}

// LeagueRow is one sector's place in the league table.
type LeagueRow struct {
	Rank        int      `json:"rank"`
	Unit        string   `json:"unit"`
	Value       *float64 `json:"value"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
}

// League is the sector league table of one KPI.
type League struct {
	Tenant string        `json:"tenant"`
	Key    string        `json:"key"`
	Name   string        `json:"name"`
	Unit   string        `json:"unit"`
	Period domain.Period `json:"period"`
	AsOf   string        `json:"as_of"`
	Rows   []LeagueRow   `json:"rows"`
}

// league ranks the tenant's sectors on one KPI, highest first; sectors without a figure
// come last, unranked (rank 0). Equal values share a rank.
func (a *API) league(c *gin.Context) error {
	t := service.TenantOf(c)
	key := c.DefaultQuery("key", "ht_meeting_all_standards")
	defs := domain.DefsFor(t.Profile)
	i := slices.IndexFunc(defs, func(d domain.Def) bool { return d.Key == key })
	if i < 0 {
		return problem.Fields("invalid query parameter", problem.Field("key", "not a KPI of this country; see docs/kpis.md"))
	}
	q, err := a.decode(c, t.Profile)
	if err != nil {
		return err
	}
	if c.Query("series") != "" {
		return problem.Fields("invalid query parameter", problem.Field("series", "a league table is of one period"))
	}
	m, err := a.Store.Model(c.Request.Context(), t.Code)
	if err != nil {
		return err
	}
	p := q.periods[len(q.periods)-1]
	rules := domain.DefaultRules(t.Profile, t.Code)
	out := League{Tenant: t.Code, Key: key, Name: defs[i].Name, Unit: defs[i].Unit, Period: p, AsOf: p.AsOf(q.today), Rows: []LeagueRow{}}
	for _, u := range breakdownUnits(m, t.Profile, t.Code, "sector", domain.Scope(auth.From(c).Unit)) {
		v := a.memo.compute(m, rules, p, q.today, domain.Scope(u))[i]
		out.Rows = append(out.Rows, LeagueRow{Unit: u, Value: v.Value, Numerator: v.Numerator, Denominator: v.Denominator})
	}
	slices.SortStableFunc(out.Rows, func(a, b LeagueRow) int {
		switch {
		case a.Value == nil && b.Value == nil:
			return strings.Compare(a.Unit, b.Unit)
		case a.Value == nil:
			return 1
		case b.Value == nil:
			return -1
		case *a.Value != *b.Value:
			if *a.Value > *b.Value {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	for i := range out.Rows {
		switch {
		case out.Rows[i].Value == nil:
		case i > 0 && out.Rows[i-1].Value != nil && *out.Rows[i-1].Value == *out.Rows[i].Value:
			out.Rows[i].Rank = out.Rows[i-1].Rank
		default:
			out.Rows[i].Rank = i + 1
		}
	}
	if q.csv {
		return writeCSV(c, func(w *csv.Writer) {
			_ = w.Write([]string{"rank", "unit", "key", "value", "numerator", "denominator"})
			for _, r := range out.Rows {
				_ = w.Write([]string{strconv.Itoa(r.Rank), r.Unit, key, num(r.Value), strconv.Itoa(r.Numerator), strconv.Itoa(r.Denominator)})
			}
		})
	}
	return web.JSON(c, nethttp.StatusOK, out)
}

// countryKPIs is the national roll-up: every tenant's parts summed, ratios recomputed
// from the sums (never an average of the districts' ratios). National roles only.
func (a *API) countryKPIs(c *gin.Context) error {
	country := c.Param("country")
	p := auth.From(c)
	if p.Tenant != "" || p.Country != country {
		return problem.New(problem.Forbidden, "the national roll-up of %q needs a national token of that country", country)
	}
	x, ok := a.Profiles.Country(country)
	if !ok {
		return problem.New(problem.NotFound, "no country profile %q", country)
	}
	q, err := a.decode(c, x, "tenant")
	if err != nil {
		return err
	}
	rep := Report{Country: country, Scope: country}
	perTenant := make([][][]domain.Value, len(q.periods)) // period → tenant → KPIs
	tenants := x.Tenants()
	for _, u := range tenants {
		m, err := a.Store.Model(c.Request.Context(), u.Code)
		if err != nil {
			return err
		}
		rep.ParkedFacts += m.Parked
		rules := domain.DefaultRules(x, u.Code)
		for i, per := range q.periods {
			perTenant[i] = append(perTenant[i], a.memo.compute(m, rules, per, q.today, ""))
		}
	}
	for i, per := range q.periods {
		rep.Periods = append(rep.Periods, PeriodKPIs{Period: per, AsOf: per.AsOf(q.today), KPIs: domain.Sum(perTenant[i]...)})
	}
	if q.breakdown == "tenant" {
		last := perTenant[len(q.periods)-1]
		for i, u := range tenants {
			rep.Breakdown = append(rep.Breakdown, UnitKPIs{Unit: u.Code, KPIs: last[i]})
		}
	}
	return respond(c, q, rep)
}

// memo keeps computed KPIs per model, period and scope. A model is replaced, never
// changed, when its facts change, so its pointer is a complete cache key: the national
// roll-up asks 30 districts the same question and mostly finds the answer here.
type memo struct {
	mu   sync.Mutex
	vals map[memoKey][]domain.Value
}

type memoKey struct {
	model  *domain.Model
	tenant string
	period domain.Period
	today  string
	scope  domain.Scope
}

// memoSize bounds the memo; when full it starts again (models change anyway).
const memoSize = 4096

func (m *memo) compute(model *domain.Model, rules domain.Rules, p domain.Period, today string, scope domain.Scope) []domain.Value {
	k := memoKey{model, rules.Tenant, p, p.AsOf(today), scope}
	m.mu.Lock()
	v, ok := m.vals[k]
	m.mu.Unlock()
	if ok {
		return v
	}
	v = domain.Compute(model, rules, p, today, scope)
	m.mu.Lock()
	if m.vals == nil || len(m.vals) >= memoSize {
		m.vals = map[memoKey][]domain.Value{}
	}
	m.vals[k] = v
	m.mu.Unlock()
	return v
}

func respond(c *gin.Context, q query, rep Report) error {
	if !q.csv {
		return web.JSON(c, nethttp.StatusOK, rep)
	}
	return writeCSV(c, func(w *csv.Writer) {
		_ = w.Write([]string{"scope", "period", "from", "to", "as_of", "key", "unit", "value", "numerator", "denominator"})
		row := func(scope string, p PeriodKPIs, v domain.Value) {
			_ = w.Write([]string{scope, p.Period.Name, p.Period.From, p.Period.To, p.AsOf, v.Key, v.Unit, num(v.Value),
				strconv.Itoa(v.Numerator), strconv.Itoa(v.Denominator)})
		}
		for _, p := range rep.Periods {
			for _, v := range p.KPIs {
				row(rep.Scope, p, v)
			}
		}
		last := rep.Periods[len(rep.Periods)-1]
		for _, u := range rep.Breakdown {
			for _, v := range u.KPIs {
				row(u.Unit, last, v)
			}
		}
	})
}

func writeCSV(c *gin.Context, rows func(w *csv.Writer)) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="kpis.csv"`)
	c.Status(nethttp.StatusOK)
	w := csv.NewWriter(c.Writer)
	rows(w)
	w.Flush()
	return w.Error()
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}
