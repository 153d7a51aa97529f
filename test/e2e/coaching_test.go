package e2e

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

type relationship struct {
	ID        string `json:"id"`
	CoachID   string `json:"coach_id"`
	CoacheeID string `json:"coachee_id"`
	Link      string `json:"link"`
}

// schoolID is the directory's id of a school, by its EMIS code.
func (d *district) schoolID(code string) string {
	d.p.t.Helper()
	var pg struct {
		Items []idDoc `json:"items"`
	}
	d.p.must("directory", call{method: "GET", path: d.path("/schools?code=" + url.QueryEscape(code)), token: d.deo}, 200).decode(d.p.t, &pg)
	if len(pg.Items) != 1 {
		d.p.t.Fatalf("%d schools coded %s", len(pg.Items), code)
	}
	return pg.Items[0].ID
}

// coaching: the LLLs' relationships assign themselves from the directory's roles; visits
// (two observed by the SEO: accreditation evidence), ratings against the four standards,
// English lesson observations.
func (s *scenario) coaching(t *testing.T) {
	p, gas := s.p, s.gas
	r1, r2, r3 := gas.people["GAS-HT-R1"], gas.people["GAS-HT-R2"], gas.people["GAS-HT-R3"]
	k1, k2 := gas.people["GAS-HT-K1"], gas.people["GAS-HT-K2"]
	coachOf := map[string]string{}
	relOf := map[string]string{}
	p.eventually("the LLLs' coaching relationships", 2*time.Minute, "coaching",
		call{method: "GET", path: gas.path("/relationships?status=active&link=" + url.QueryEscape("lll>ht") + "&limit=100"), token: gas.deo}, 200,
		func(r response) bool {
			var pg struct {
				Items []relationship `json:"items"`
			}
			_ = json.Unmarshal(r.Body, &pg)
			for _, rel := range pg.Items {
				coachOf[rel.CoacheeID], relOf[rel.CoacheeID] = rel.CoachID, rel.ID
			}
			return coachOf[r1] == r2 && coachOf[r3] == r2 && coachOf[k2] == k1 && coachOf[gas.people["GAS-HT-K3"]] == k1
		})
	if _, ok := coachOf[r2]; ok && coachOf[r2] == r2 {
		t.Fatalf("the Remera LLL coaches themselves")
	}
	today := time.Now().In(kigali()).Format(time.DateOnly)
	lllRemera := p.token(r2, []string{"lll", "ht"}, gasabo, remera)
	lllKacyiru := p.token(k1, []string{"lll", "ht"}, gasabo, kacyiru)
	visit := func(tok, coachee, observer string) {
		body := map[string]any{"relationship_id": relOf[coachee], "date": today, "mode": "school_visit", "duration_minutes": 90,
			"focus_areas": []string{"leading_teaching"}, "notes": "Observed a P3 English lesson together.",
			"goals":   []string{"Weekly lesson observations"},
			"actions": []map[string]string{{"description": "Observe two English lessons a week", "due_date": time.Now().AddDate(0, 0, 30).Format(time.DateOnly)}}}
		if observer != "" {
			body["observer_id"] = observer
		}
		p.must("coaching", call{method: "POST", path: gas.path("/coaching-sessions"), token: tok, body: body}, 201)
	}
	visit(lllRemera, r1, gas.people["GAS-SEO-REM"])
	visit(lllRemera, r3, gas.people["GAS-SEO-REM"])
	visit(lllKacyiru, k2, "")

	rate := func(tok, ht string, lv map[string]int) {
		var areas []map[string]any
		for _, a := range []string{"school_direction", "leading_teaching", "leading_learning", "community_partnership"} {
			areas = append(areas, map[string]any{"area": a, "level": lv[a]})
		}
		p.must("coaching", call{method: "POST", path: gas.path("/ratings"), token: tok, body: map[string]any{"head_teacher_id": ht, "date": today, "areas": areas}}, 201)
	}
	all := func(l int) map[string]int {
		return map[string]int{"school_direction": l, "leading_teaching": l, "leading_learning": l, "community_partnership": l}
	}
	rate(lllRemera, r1, all(3))
	weak := all(3)
	weak["leading_teaching"] = 2
	rate(lllRemera, r3, weak)
	rate(lllKacyiru, k2, all(4))

	// Two teachers of GAS-REM-01, observed in English by their head teacher: one meets the
	// benchmark, one does not.
	school := gas.schoolID("GAS-REM-01")
	htR1 := p.token(r1, []string{"ht"}, gasabo, school)
	for i, met := range []bool{true, false} {
		var teacher idDoc
		p.must("directory", call{method: "POST", path: gas.path("/people"), token: gas.deo, body: map[string]string{
			"staff_id": "GAS-T-REM01-" + string(rune('A'+i)), "given_name": "Teacher", "family_name": "Remera", "school_id": school}}, 201).decode(t, &teacher)
		p.eventually("the teacher known to coaching", time.Minute, "coaching", call{method: "POST", path: gas.path("/observations"), token: htR1,
			body: map[string]any{"teacher_id": teacher.ID, "date": today, "subject": "english",
				"items": []map[string]any{{"key": "lesson_objective", "score": 3}, {"key": "learner_engagement", "score": 2}}, "benchmark_met": met}}, 201, nil)
	}
}
