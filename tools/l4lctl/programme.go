package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/tools/l4lctl/internal/demo"
)

// programmeResult is what seedProgramme set up.
type programmeResult struct {
	Leaders  int    // LLLs and NLLs assigned
	Campaign string // the demo recruitment campaign's id
	Groups   int    // PLC groups formed
}

// seedProgramme gives the demo district its middle tier, through the public APIs: a DEO,
// an SEO per sector, an LLL per sector (the head teacher of its first school) and two NLLs
// as directory people and role assignments; a 2027 recruitment campaign with the District
// Selection Panel; and the first term of PLC sessions once the groups have formed from the
// directory's events. Every step looks before it writes, so a restart adds nothing.
func seedProgramme(ctx context.Context, urls map[string]string, token string, p *profile.Index, tenant string) (programmeResult, error) {
	var res programmeResult
	d, err := demo.Generate(p, tenant)
	if err != nil {
		return res, err
	}
	dir := client{base: urls["directory"] + "/v1/tenants/" + tenant, token: token}
	deo, err := dir.person(ctx, "RW-DEO-01", "Claudine", "Mukeshimana")
	if err != nil {
		return res, err
	}
	if err := dir.role(ctx, deo, "deo", tenant); err != nil {
		return res, err
	}
	sectors := p.UnitsUnder(tenant, p.SchoolLevel().Key)
	htOf := map[string][]string{} // sector → staff ids of its head teachers, in school order
	sectorOf := map[string]string{}
	for _, s := range d.Schools {
		sectorOf[s.Code] = s.Unit
	}
	for _, h := range d.HeadTeachers {
		htOf[sectorOf[h.SchoolCode]] = append(htOf[sectorOf[h.SchoolCode]], h.StaffID)
	}
	var seos, nlls []string
	for i, u := range sectors {
		seo, err := dir.person(ctx, fmt.Sprintf("RW-SEO-%02d", i+1), "Officer", u.Name)
		if err != nil {
			return res, err
		}
		if err := dir.role(ctx, seo, "seo", u.Code); err != nil {
			return res, err
		}
		seos = append(seos, seo)
		if hts := htOf[u.Code]; len(hts) > 0 {
			lll, err := dir.personByStaffID(ctx, hts[0])
			if err != nil {
				return res, err
			}
			if err := dir.role(ctx, lll, "lll", u.Code); err != nil {
				return res, err
			}
			res.Leaders++
			if i < 2 && len(hts) > 1 {
				nll, err := dir.personByStaffID(ctx, hts[1])
				if err != nil {
					return res, err
				}
				if err := dir.role(ctx, nll, "nll", tenant); err != nil {
					return res, err
				}
				nlls = append(nlls, nll)
				res.Leaders++
			}
		}
	}

	if u, ok := urls["recruitment"]; ok && len(seos) > 0 && len(nlls) > 0 {
		if res.Campaign, err = campaign(ctx, client{base: u + "/v1/tenants/" + tenant, token: token}, p, deo, seos[0], nlls[0]); err != nil {
			return res, fmt.Errorf("recruitment: %w", err)
		}
	}
	if u, ok := urls["plc"]; ok {
		if res.Groups, err = plcGroups(ctx, client{base: u + "/v1/tenants/" + tenant, token: token}, len(sectors)); err != nil {
			return res, fmt.Errorf("plc: %w", err)
		}
	}
	return res, nil
}

// campaign opens the 2027 intake unless one exists. The panel's roles reach recruitment
// through the directory's events, so the first tries may be refused until they arrive.
func campaign(ctx context.Context, c client, p *profile.Index, deo, seo, nll string) (string, error) {
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.do(ctx, "GET", "/campaigns", nil, &list); err != nil {
		return "", err
	}
	if len(list.Items) > 0 {
		return list.Items[0].ID, nil
	}
	today := time.Now().In(p.Location())
	body := map[string]any{"intake": "2027", "opens_on": today.Format(profile.DateLayout),
		"closes_on": today.AddDate(0, 0, 30).Format(profile.DateLayout), "roles": []string{"lll"},
		"panel": map[string]any{"chair": deo, "members": []string{seo, nll}}}
	var created struct{ ID string }
	// Generous: on a loaded machine (or under -race) the events take a while to arrive.
	err := eventually(ctx, 2*time.Minute, func() error { return c.do(ctx, "POST", "/campaigns", body, &created) })
	return created.ID, err
}

// plcGroups waits for the sector PLCs to form from the directory's events.
func plcGroups(ctx context.Context, c client, sectors int) (int, error) {
	var g struct {
		Items []struct{ ID string } `json:"items"`
	}
	err := eventually(ctx, 60*time.Second, func() error {
		if err := c.do(ctx, "GET", "/groups?limit=500", nil, &g); err != nil {
			return err
		}
		if len(g.Items) < sectors {
			return fmt.Errorf("%d of %d PLC groups formed", len(g.Items), sectors)
		}
		return nil
	})
	return len(g.Items), err
}

// scheduleTerms schedules the current and the next term once every group has its
// facilitators (they arrive through the directory's events, after the head teachers; on
// the dev database that takes a minute or two), unless sessions exist already. dev up runs
// it in the background and reports when it is done.
func scheduleTerms(ctx context.Context, plcURL, token string, p *profile.Index, tenant string) (int, error) {
	c := client{base: plcURL + "/v1/tenants/" + tenant, token: token}
	var s struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.do(ctx, "GET", "/sessions?limit=1", nil, &s); err != nil || len(s.Items) > 0 {
		return 0, err
	}
	err := eventually(ctx, 5*time.Minute, func() error {
		var g struct {
			Items []struct {
				Members []struct{ Position string } `json:"members"`
			} `json:"items"`
		}
		if err := c.do(ctx, "GET", "/groups?limit=500", nil, &g); err != nil {
			return err
		}
		for _, grp := range g.Items {
			if !slices.ContainsFunc(grp.Members, func(m struct{ Position string }) bool { return m.Position == "facilitator" }) {
				return fmt.Errorf("a PLC group has no facilitator yet")
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	today := p.Date(time.Now())
	sessions, terms := 0, 0
	for _, y := range p.Spec().Calendar.SchoolYears {
		for _, t := range y.Terms {
			if t.End < today || terms == 2 {
				continue
			}
			terms++
			var out struct {
				Created int `json:"created"`
			}
			if err := c.do(ctx, "POST", "/schedules", map[string]any{"school_year": y.Name, "term": t.Name}, &out); err != nil {
				return sessions, err
			}
			sessions += out.Created
		}
	}
	return sessions, nil
}

// eventually retries f until it succeeds or the time is up.
func eventually(ctx context.Context, within time.Duration, f func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// client calls one service's tenant API with a token.
type client struct{ base, token string }

// do calls the API, retrying with back-off (for up to a minute) while the service asks for
// it (503, or 409 with Retry-After): in dev mode the database has one connection per service and a
// loaded machine makes requests wait for it. A POST carries one Idempotency-Key across
// its retries, so a retry never creates anything twice.
func (c client) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	key := ""
	if method == http.MethodPost {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		key = "l4lctl-" + hex.EncodeToString(b)
	}
	deadline := time.Now().Add(time.Minute)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err := c.once(ctx, method, path, payload, key, out)
		var ae *apiError
		if !errors.As(err, &ae) || !ae.retryable() || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

func (c client) once(ctx context.Context, method, path string, payload []byte, key string, out any) error {
	var r io.Reader
	if payload != nil {
		r = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		e := &apiError{Method: method, URL: c.base + path, RetryAfter: res.Header.Get("Retry-After")}
		_ = json.Unmarshal(b, &e.Problem)
		if e.Problem.Status == 0 {
			e.Problem = problem.Problem{Status: res.StatusCode, Title: http.StatusText(res.StatusCode)}
		}
		return e
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c client) personByStaffID(ctx context.Context, staffID string) (string, error) {
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.do(ctx, "GET", "/people?staff_id="+url.QueryEscape(staffID), nil, &list); err != nil {
		return "", err
	}
	if len(list.Items) == 0 {
		return "", nil
	}
	return list.Items[0].ID, nil
}

// person finds a person by staff id or creates them.
func (c client) person(ctx context.Context, staffID, given, family string) (string, error) {
	id, err := c.personByStaffID(ctx, staffID)
	if err != nil || id != "" {
		return id, err
	}
	var p struct{ ID string }
	err = c.do(ctx, "POST", "/people", map[string]string{"staff_id": staffID, "given_name": given, "family_name": family}, &p)
	return p.ID, err
}

// role assigns role at unit to the person unless they hold it already.
func (c client) role(ctx context.Context, personID, role, unit string) error {
	if personID == "" {
		return fmt.Errorf("no person for the %s role at %s", role, unit)
	}
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err := c.do(ctx, "GET", "/role-assignments?person_id="+personID+"&role="+role, nil, &list); err != nil {
		return err
	}
	if len(list.Items) > 0 {
		return nil
	}
	return c.do(ctx, "POST", "/role-assignments", map[string]string{
		"person_id": personID, "role": role, "unit": unit, "start_date": "2026-09-01"}, nil)
}
