package service

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/tenancy"
	"github.com/l4l-platform/l4l/libs/web"
)

// TenancyGuard decides, for every /v1 route with a {tenant} parameter of every service,
// whether the tenant is served. Start installs it on /v1 after token verification, so a
// service needs no code of its own for it:
//
//   - the token must cover the tenant first (403): a caller from elsewhere learns nothing
//     about another tenant's state;
//   - the tenancy topic's latest event for the tenant decides: provisioned → served;
//     suspended → reads (GET, HEAD, OPTIONS) served, writes 403 with a problem saying how
//     to resume; deprovisioned → 404;
//   - a tenant the topic never announced is served if configured (L4L_TENANTS, or "*" for
//     every tenant of the loaded profiles), else 404; while the topic is still being read
//     after a start, 503 (retry) instead, as its event may simply not have been read yet.
//
// Consumers are not guarded: a suspended tenant's read models keep following other
// services' events, so they are whole when it is resumed.
func TenancyGuard(w *tenancy.Watcher, profiles *profile.Registry, configured []string) gin.HandlerFunc {
	every := slices.Contains(configured, config.EveryTenant)
	listed := map[string]bool{}
	for _, t := range configured {
		listed[t] = true
	}
	isConfigured := func(code string) bool {
		if listed[code] {
			return true
		}
		if !every {
			return false
		}
		_, _, ok := profiles.Tenant(code)
		return ok
	}
	return func(c *gin.Context) {
		code := c.Param("tenant")
		if code == "" {
			c.Next()
			return
		}
		if err := auth.Tenant(c, code); err != nil {
			web.Fail(c, err)
			return
		}
		if s, ok := w.Lookup(code); ok {
			switch s.State {
			case tenancy.Provisioned:
				c.Next()
			case tenancy.Suspended:
				if isRead(c.Request.Method) {
					c.Next()
					return
				}
				web.Fail(c, problem.New(problem.Forbidden,
					"tenant %s is suspended: its data can be read but not changed until it is resumed "+
						"(kubectl patch districttenant %s --type merge -p '{\"spec\":{\"suspended\":false}}', or without Kubernetes: l4lctl tenant resume %s)",
					code, code, code))
			default:
				web.Fail(c, notServed(profiles, code))
			}
			return
		}
		switch {
		case isConfigured(code):
			c.Next()
		case !w.IsCaughtUp():
			web.Fail(c, problem.New(problem.Unavailable,
				"this replica has not finished reading which tenants it serves since it started; retry shortly"))
		default:
			web.Fail(c, notServed(profiles, code))
		}
	}
}

func notServed(profiles *profile.Registry, code string) error {
	if _, _, ok := profiles.Tenant(code); !ok {
		return unknownTenant(code)
	}
	return problem.New(problem.NotFound,
		"tenant %s is not served here: it has not been provisioned (a DistrictTenant, or l4lctl tenant create %s) or it was deprovisioned",
		code, code)
}

func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
