package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/tenancy"
)

// tenantAction is one `l4lctl tenant` subcommand: the event it publishes and what it
// tells the user afterwards.
type tenantAction struct {
	use, short, long string
	event            string
	done             string // printed after the code, e.g. "provisioned"
}

var tenantActions = []tenantAction{
	{"create", "Provision a district: every service serves it from the next moment",
		"Announce the tenant provisioned on " + events.TenancyTopic + `, as the tenant operator does for a
DistrictTenant. Every service (every replica) reads that topic and serves the tenant
within about a second; its databases are created on the first request.`,
		tenancy.TypeProvisioned, "provisioned: every service serves it"},
	{"suspend", "Suspend a district: reads are served, writes are refused (403)",
		"Announce the tenant suspended. Services keep serving its data to read, refuse its writes\nwith 403, and keep following other services' events so nothing is missed on resume.",
		tenancy.TypeSuspended, "suspended: reads served, writes refused until `l4lctl tenant resume`"},
	{"resume", "Resume a suspended district",
		"Announce the tenant provisioned again: writes are served again.",
		tenancy.TypeProvisioned, "resumed: every service serves it"},
	{"delete", "Deprovision a district: services stop serving it (404); its data is kept",
		`Announce the tenant deprovisioned: every service answers 404 for it. Without Kubernetes
nothing drops databases, so the event says data_retained: true; ` + "`tenant create`" + ` serves the
same data again.`,
		tenancy.TypeDeprovisioned, "deprovisioned: services answer 404 for it (its data is kept)"},
}

func newTenantCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Provision, suspend, resume or delete a district without Kubernetes",
		Long: `Publish the tenancy events the tenant operator publishes for a DistrictTenant, through the
same code (libs/tenancy), so ` + "`make run`" + ` and tests exercise the path production uses.
The code must be a district (tenant-level unit) of a built-in country profile.`,
		Example: `  l4lctl tenant create rw-nyarugenge
  l4lctl tenant suspend rw-nyarugenge
  l4lctl tenant resume rw-nyarugenge
  l4lctl tenant delete rw-nyarugenge --brokers kafka-0:9092,kafka-1:9092`,
	}
	brokers := cmd.PersistentFlags().StringSlice("brokers", defaultBrokers(), "the Kafka brokers (default: $L4L_KAFKA_BROKERS, else dev up's)")
	tier := cmd.PersistentFlags().String("tier", tenancy.TierShared, "the tenant's tier, shared or dedicated (announced; without Kubernetes every tenant shares the services)")
	for _, a := range tenantActions {
		cmd.AddCommand(&cobra.Command{
			Use: a.use + " CODE", Short: a.short, Long: a.long, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				t, err := announcedTenant(args[0], *tier)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
				defer cancel()
				e, err := publishTenancy(ctx, *brokers, a.event, t)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s (event %s)\n", t.Tenant, a.done, e.ID)
				return err
			},
		})
	}
	return cmd
}

func defaultBrokers() []string {
	if v := strings.TrimSpace(os.Getenv("L4L_KAFKA_BROKERS")); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"127.0.0.1:9092"}
}

// announcedTenant checks code against the built-in profiles and returns what its events
// announce: country, parent unit and one database per service dev up runs (the operator
// announces the databases it created, named the same way).
func announcedTenant(code, tier string) (tenancy.Tenant, error) {
	if tier != tenancy.TierShared && tier != tenancy.TierDedicated {
		return tenancy.Tenant{}, fmt.Errorf("--tier %q: want %s or %s", tier, tenancy.TierShared, tenancy.TierDedicated)
	}
	profiles, err := profile.LoadRegistry(profile.Names()...)
	if err != nil {
		return tenancy.Tenant{}, err
	}
	idx, unit, ok := profiles.Tenant(code)
	if !ok {
		return tenancy.Tenant{}, unknownTenantError(profiles, code)
	}
	t := tenancy.Tenant{Tenant: code, Country: idx.Spec().Country, ParentUnit: unit.Parent, Tier: tier}
	for _, s := range services {
		t.Databases = append(t.Databases, mongox.DBName(s.def.Name, code))
	}
	return t, nil
}

// unknownTenantError names the real codes closest to a misspelt one.
func unknownTenantError(profiles *profile.Registry, code string) error {
	type candidate struct {
		code string
		dist int
	}
	var cs []candidate
	for _, country := range profiles.Countries() {
		idx, _ := profiles.Country(country)
		for _, u := range idx.Tenants() {
			cs = append(cs, candidate{u.Code, editDistance(strings.ToLower(code), u.Code)})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	var near []string
	for _, c := range cs {
		if len(near) == 3 || c.dist > max(3, len(code)/3) {
			break
		}
		near = append(near, c.code)
	}
	msg := fmt.Sprintf("%q is not a district of the built-in country profiles (%s)", code, strings.Join(profiles.Countries(), ", "))
	if len(near) > 0 {
		return fmt.Errorf("%s; did you mean %s?", msg, strings.Join(near, " or "))
	}
	return fmt.Errorf("%s; tenants are district codes like rw-gasabo or county codes like ke-nairobi", msg)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// publishTenancy creates the compacted topic if needed and publishes the event.
func publishTenancy(ctx context.Context, brokers []string, typ string, t tenancy.Tenant) (e events.Envelope, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("could not publish to the Kafka brokers at %s (is `l4lctl dev up` running, or is --brokers wrong?): %w", strings.Join(brokers, ","), err)
		}
	}()
	if err := events.EnsureTopics(ctx, brokers, events.TenancyTopic); err != nil {
		return events.Envelope{}, err
	}
	w := events.NewWriter(brokers)
	defer w.Close()
	return tenancy.Publish(ctx, w, typ, t)
}
