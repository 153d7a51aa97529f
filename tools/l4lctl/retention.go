package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/web"
)

type retentionOptions struct {
	since time.Duration
	run   bool
}

// runRetention prints every service's retention reports for the tenant (every service
// runs the job: libs' own kinds of record live in every service's database).
func runRetention(cmd *cobra.Command, o privacyOptions, ro retentionOptions) error {
	token, err := privacyToken(o)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	from := time.Now().Add(-ro.since).UTC().Format(time.RFC3339)
	var failed []string
	for _, s := range services {
		name := s.def.Name
		path := o.tenantPath(name, privacy.RetentionRoute(name))
		call := func(method, u string, v any) error {
			req, err := http.NewRequestWithContext(cmd.Context(), method, u, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			return do(req, v)
		}
		if ro.run {
			var run privacy.RetentionRun
			if err := call(http.MethodPost, path, &run); err != nil {
				fmt.Fprintf(out, "%s: the run failed: %v\n\n", name, err)
				failed = append(failed, name)
				continue
			}
		}
		var runs []privacy.RetentionRun
		cursor := ""
		for {
			q := url.Values{"from": {from}, "limit": {"500"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var page web.Page[privacy.RetentionRun]
			if err = call(http.MethodGet, path+"?"+q.Encode(), &page); err != nil {
				break
			}
			runs = append(runs, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if err != nil {
			fmt.Fprintf(out, "%s: %v\n\n", name, err)
			failed = append(failed, name)
			continue
		}
		fmt.Fprintf(out, "%s: %d runs since %s\n", name, len(runs), from)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  STARTED\tTRIGGER\tRECORD\tKEEP\tFROM\tCUTOFF\tREMOVED\tOUTCOME")
		clean := true
		for _, r := range runs {
			clean = clean && r.Outcome == privacy.RunOK
			for _, rule := range r.Rules {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.StartedAt.Format(time.RFC3339), r.Trigger, rule.Record, rule.Keep,
					rule.Source, rule.Cutoff.Format(time.DateOnly), rule.Removed, rule.Outcome)
			}
		}
		_ = tw.Flush()
		fmt.Fprintln(out)
		if !clean {
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		return errors.New("retention: no clean report from " + strings.Join(failed, ", "))
	}
	return nil
}
