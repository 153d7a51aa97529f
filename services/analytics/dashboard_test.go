package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/analytics/internal/fixture"
)

// browser starts headless Debian Chromium. Without it the test skips on a workstation but
// fails in CI (CI=true): `make debian-packages` installs it there.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (CI=true): run `make debian-packages`")
		}
		t.Skip("chromium is not installed; `make debian-packages` installs it (CI fails instead of skipping)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 1800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// shown opens the dashboard at fragment and returns what each tile shows: the KPI's
// value as the page wrote it (data-value) and its visible text.
func shown(t *testing.T, ctx context.Context, url, shot string) (values, texts map[string]string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`#status[data-state="ready"]`)))
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
		t.Fatalf("dashboard %s: %v (status: %q)", url, err, status)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll(".tile")].map(t => [t.dataset.key,
		t.querySelector(".value").dataset.value, t.querySelector(".value").textContent]))`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, shot), png, 0o644); err != nil {
		t.Fatal(err)
	}
	var tiles [][3]string
	if err := json.Unmarshal([]byte(raw), &tiles); err != nil {
		t.Fatal(err)
	}
	values, texts = map[string]string{}, map[string]string{}
	for _, tl := range tiles {
		values[tl[0]], texts[tl[0]] = tl[1], tl[2]
	}
	return values, texts
}

// TestDashboardShowsTheAPIsNumbers opens the dashboard in a real browser for a district
// and for the country, and checks every tile against the API's answer for the same query.
func TestDashboardShowsTheAPIsNumbers(t *testing.T) {
	ctx := browser(t)
	env := servicetest.Start(t, analytics.Definition)
	pub := newPublisher(t, env)
	pub.send(fixture.District()...)
	pub.send(fixture.OtherDistrict()...)
	pub.settled()

	for _, c := range []struct {
		name, token, fragment, api, shot string
	}{
		{"district", env.Token([]string{"deo"}, fixture.Tenant, ""), "tenant=" + fixture.Tenant,
			"/v1/tenants/" + fixture.Tenant + "/kpis", "dashboard-district.png"},
		{"country", env.Token([]string{"analyst"}, "rw", ""), "country=rw", "/v1/countries/rw/kpis", "dashboard-country.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := report(t, env, c.token, c.api+"?period=month&at=2026-10-15&series=4")
			values, texts := shown(t, ctx, env.URL+"/dashboard#"+c.fragment+"&period=month&at=2026-10-15&series=4&token="+c.token, c.shot)
			last := rep.Periods[len(rep.Periods)-1].KPIs
			if len(values) != len(last) {
				t.Errorf("%d tiles, the API has %d KPIs", len(values), len(last))
			}
			for _, v := range last {
				want := ""
				if v.Value != nil {
					want = fmt.Sprint(*v.Value)
				}
				got, ok := values[v.Key]
				if !ok || got != want {
					t.Errorf("%s: the page shows %q, the API says %q", v.Key, got, want)
				}
				if want != "" && !strings.HasPrefix(texts[v.Key], want) {
					t.Errorf("%s: visible text %q does not start with %q", v.Key, texts[v.Key], want)
				}
			}
			if c.name == "district" && values["ht_meeting_all_standards"] != "66.7" {
				t.Errorf("district all standards shown as %q, want 66.7 (h1, h3 of 3)", values["ht_meeting_all_standards"])
			}
			if c.name == "country" && values["ht_meeting_all_standards"] != "75" {
				t.Errorf("national all standards shown as %q, want 75 ((2+1)/(3+1))", values["ht_meeting_all_standards"])
			}
		})
	}

	t.Run("a bad token shows the problem, not numbers", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/dashboard#tenant="+fixture.Tenant+"&token=nonsense"),
			chromedp.WaitVisible(chromedp.CSS(`#status[data-state="error"]`)))
		status := ""
		if err == nil {
			status, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
		}
		if err != nil || !strings.HasPrefix(status, "401 ") {
			t.Errorf("status %q, err %v; want the 401 problem shown", status, err)
		}
		tiles, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".tile").length`))
		if err != nil || tiles != 0 {
			t.Errorf("%d tiles shown without a valid token (%v)", tiles, err)
		}
	})
}
