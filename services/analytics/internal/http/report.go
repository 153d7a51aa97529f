package http

import (
	"context"
	"errors"
	"fmt"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/report"
)

// reportQuery is the decoded query of the report routes.
type reportQuery struct {
	quarters []domain.Period // oldest first, the last is the report's
	today    string
	pdf      bool
	lang     string
}

// decodeReport reads quarter, format and lang (and Accept, Accept-Language). Every bad
// parameter is named at once.
func (a *API) decodeReport(c *gin.Context, x *profile.Index) (reportQuery, error) {
	q := reportQuery{today: x.Date(a.Now())}
	var errs []problem.FieldError
	today, _ := time.Parse(time.DateOnly, q.today)
	// Default: the last quarter that ended (a committee reviews a finished quarter).
	quarter := domain.QuarterOf(domain.QuarterOf(today).FromTime().AddDate(0, 0, -1))
	if s := c.Query("quarter"); s != "" {
		p, err := domain.ParseQuarter(s)
		switch {
		case err != nil:
			errs = append(errs, problem.Field("quarter", "%v", err))
		case p.From > q.today:
			errs = append(errs, problem.Field("quarter", "%s has not started yet (today is %s)", s, q.today))
		default:
			quarter = p
		}
	}
	switch f := c.Query("format"); f {
	case "":
		// A browser's Accept names text/html (and */*): it gets the page. A client that
		// names application/pdf and not text/html gets the PDF.
		accept := c.GetHeader("Accept")
		q.pdf = strings.Contains(accept, "application/pdf") && !strings.Contains(accept, "text/html")
	case "html", "pdf":
		q.pdf = f == "pdf"
	default:
		errs = append(errs, problem.Field("format", "html or pdf"))
	}
	lang, err := report.Choose(report.Languages(x), c.Query("lang"), c.GetHeader("Accept-Language"))
	if err != nil {
		errs = append(errs, problem.Field("lang", "%v", err))
	}
	q.lang = lang
	if len(errs) > 0 {
		return q, problem.Fields("invalid query parameter", errs...)
	}
	q.quarters, err = domain.Periods(x, domain.Quarter, quarter.From, report.MaxQuarters)
	return q, err
}

// tenantReport is a district's quarterly report. Readers as for /kpis; the report covers
// the whole district, so a token narrowed to a unit (an SEO's sector) is refused rather
// than given a district report with its sector's figures.
func (a *API) tenantReport(c *gin.Context) error {
	t := service.TenantOf(c)
	if auth.From(c).Unit != "" {
		return problem.New(problem.Forbidden, "the quarterly report covers the whole district; a token narrowed to %s cannot read it", auth.From(c).Unit)
	}
	q, err := a.decodeReport(c, t.Profile)
	if err != nil {
		return err
	}
	m, err := a.Store.Model(c.Request.Context(), t.Code)
	if err != nil {
		return err
	}
	rules := domain.DefaultRules(t.Profile, t.Code)
	level := t.Profile.TenantLevel()
	in := a.reportInput(t.Profile, q, level.Key, level.Name, t.Code)
	for _, p := range q.quarters {
		in.KPIs = append(in.KPIs, a.memo.compute(m, rules, p, q.today, ""))
	}
	last := q.quarters[len(q.quarters)-1]
	for _, u := range t.Profile.Children(t.Code) {
		in.Units = append(in.Units, report.Unit{Code: u.Code, Name: u.Name, KPIs: a.memo.compute(m, rules, last, q.today, domain.Scope(u.Code))})
	}
	in.Parked = m.Parked
	return a.sendReport(c, t.Profile, q, in)
}

// countryReport is the national quarterly report: the roll-up's figures (parts summed),
// the districts furthest behind. National roles of that country only, as the roll-up.
func (a *API) countryReport(c *gin.Context) error {
	country := c.Param("country")
	if p := auth.From(c); p.Tenant != "" || p.Country != country {
		return problem.New(problem.Forbidden, "the national report of %q needs a national token of that country", country)
	}
	x, ok := a.Profiles.Country(country)
	if !ok {
		return problem.New(problem.NotFound, "no country profile %q", country)
	}
	q, err := a.decodeReport(c, x)
	if err != nil {
		return err
	}
	in := a.reportInput(x, q, "country", "Country", country)
	perQuarter := make([][][]domain.Value, len(q.quarters))
	for _, u := range x.Tenants() {
		m, err := a.Store.Model(c.Request.Context(), u.Code)
		if err != nil {
			return err
		}
		in.Parked += m.Parked
		rules := domain.DefaultRules(x, u.Code)
		for i, p := range q.quarters {
			perQuarter[i] = append(perQuarter[i], a.memo.compute(m, rules, p, q.today, ""))
		}
		in.Units = append(in.Units, report.Unit{Code: u.Code, Name: u.Name, KPIs: perQuarter[len(q.quarters)-1][len(in.Units)]})
	}
	for i := range q.quarters {
		in.KPIs = append(in.KPIs, domain.Sum(perQuarter[i]...))
	}
	return a.sendReport(c, x, q, in)
}

func (a *API) reportInput(x *profile.Index, q reportQuery, kind, kindName, scope string) report.Input {
	s := x.Spec()
	name := s.Name
	if u, ok := x.Unit(scope); ok {
		name = u.Name
	}
	programme := s.Programme
	if programme == "" {
		programme = "Leaders of Learning"
	}
	return report.Input{Programme: programme, Scope: scope, ScopeName: name, ScopeKind: kind, ScopeKindName: kindName,
		Quarters: q.quarters, AsOf: q.quarters[len(q.quarters)-1].AsOf(q.today)}
}

// sendReport renders the page, and prints it when a PDF was asked for. Without Chromium
// a PDF is 503 (the HTML page is still served: ask for format=html).
func (a *API) sendReport(c *gin.Context, x *profile.Index, q reportQuery, in report.Input) error {
	r := report.Build(in)
	labels := report.LabelsFor(q.lang)
	page, err := report.HTML(r, labels)
	if err != nil {
		return err
	}
	c.Header("Content-Language", q.lang)
	c.Header("Cache-Control", "no-store")
	c.Header("Vary", "Accept, Accept-Language")
	name := fmt.Sprintf("l4l-report-%s-%s", in.Scope, in.Quarters[len(in.Quarters)-1].Name)
	if !q.pdf {
		// The page is self-contained: no scripts, no external assets.
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		c.Data(nethttp.StatusOK, "text/html; charset=utf-8", page)
		return nil
	}
	browser, err := a.chromium()
	if err != nil {
		return problem.Wrap(problem.Unavailable, err, "PDF printing is not available on this server (no Chromium); the report is served as HTML with format=html")
	}
	pdf, err := report.PDF(c.Request.Context(), browser, page, in.Programme, labels)
	if err != nil {
		if errors.Is(c.Request.Context().Err(), context.DeadlineExceeded) {
			return problem.Wrap(problem.Unavailable, err, "printing the PDF took too long")
		}
		return problem.Wrap(problem.Unavailable, err, "printing the PDF failed; the report is served as HTML with format=html")
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	c.Data(nethttp.StatusOK, "application/pdf", pdf)
	return nil
}

func (a *API) chromium() (string, error) {
	if a.Chromium != nil {
		return a.Chromium()
	}
	return report.Chromium()
}
