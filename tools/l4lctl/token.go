package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/profile"
)

type tokenOptions struct {
	roles                          []string
	tenant, unit, country, subject string
	ttl                            time.Duration
	dir                            string
}

func newTokenCmd() *cobra.Command {
	var o tokenOptions
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a dev bearer token signed with the dev issuer's key",
		Long: `Print a bearer token signed with the dev issuer's key in --dir, the key ` + "`l4lctl dev up`" + ` serves
and its services trust. It works whether or not the stack is running (the key is created
on first use). Roles and scope come from the flags; the country defaults to the tenant's
prefix (rw-gasabo → rw). Without --tenant the token is country-scoped, for national roles.`,
		Example: `  export TOKEN=$(l4lctl token --role deo --tenant rw-gasabo)
  l4lctl token --role seo --tenant rw-gasabo --unit rw-gasabo-kimironko
  l4lctl token --role analyst --country rw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, err := mintToken(o)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.roles, "role", nil, "a role the token carries (repeat, or comma-separate, for several): deo, seo, ht, admin, analyst, ...")
	f.StringVar(&o.tenant, "tenant", "", "the tenant (district) the token is limited to, e.g. rw-gasabo")
	f.StringVar(&o.unit, "unit", "", "narrow the token to a unit inside the tenant (a sector code, or a school id)")
	f.StringVar(&o.country, "country", "", "the country (default: the tenant's prefix)")
	f.StringVar(&o.subject, "subject", "dev-user", "the token's subject (who the caller is)")
	f.DurationVar(&o.ttl, "ttl", devTokenTTL, "how long the token is valid")
	f.StringVar(&o.dir, "dir", defaultDir, "where the dev issuer's key is kept (as for dev up)")
	return cmd
}

// mintToken checks the flags against each other and against the built-in country
// profiles (a mistyped tenant would otherwise only show as a 403 later), then signs.
func mintToken(o tokenOptions) (string, error) {
	if len(o.roles) == 0 {
		return "", errors.New("--role is required: the roles the token carries, e.g. --role deo (repeat for more)")
	}
	for _, r := range o.roles {
		if strings.TrimSpace(r) == "" {
			return "", errors.New("--role: empty role name")
		}
	}
	if o.ttl <= 0 {
		return "", fmt.Errorf("--ttl must be positive, like 12h or 30m (got %s)", o.ttl)
	}
	if o.unit != "" && o.tenant == "" {
		return "", errors.New("--unit narrows a tenant-scoped token: also pass --tenant")
	}
	country := o.country
	if o.tenant != "" {
		prefix, _, ok := strings.Cut(o.tenant, "-")
		if !ok {
			return "", fmt.Errorf("--tenant %q: tenant codes start with their country, like rw-gasabo", o.tenant)
		}
		if country == "" {
			country = prefix
		} else if country != prefix {
			return "", fmt.Errorf("--country %q does not match --tenant %q (country %q)", country, o.tenant, prefix)
		}
	}
	if country == "" {
		return "", errors.New("say whose token it is: --tenant CODE for a district (e.g. rw-gasabo), or --country CODE for a national token")
	}
	if err := checkScope(country, o.tenant, o.unit); err != nil {
		return "", err
	}
	is, err := devissuer.Load(o.dir, devissuer.DefaultIssuer)
	if err != nil {
		return "", err
	}
	return is.Token(o.subject, o.roles, country, o.tenant, o.unit, o.ttl)
}

// checkScope checks the tenant and unit against the built-in profile of country, when
// there is one; countries loaded from YAML files by the services are not checked.
func checkScope(country, tenant, unit string) error {
	spec, err := profile.Load(country)
	if err != nil {
		return nil
	}
	idx := profile.NewIndex(spec)
	if tenant == "" {
		return nil
	}
	if t, ok := idx.Unit(tenant); !ok || t.Level != idx.TenantLevel().Key {
		return fmt.Errorf("--tenant %q is not a %s of the %s profile", tenant, strings.ToLower(idx.TenantLevel().Name), country)
	}
	// A unit that is not a profile code may be a school id, which only the directory knows.
	if _, ok := idx.Unit(unit); ok && !idx.Within(unit, tenant) {
		return fmt.Errorf("--unit %q is not inside %s", unit, tenant)
	}
	return nil
}
