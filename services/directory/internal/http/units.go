package http

import (
	nethttp "net/http"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/web"
)

// Admin units come from the tenant's country profile: they are read here, and changed by
// changing the profile (a CountryProfile resource), not through this API.
func (a *API) listUnits(c *gin.Context) error {
	t := tenantOf(c)
	level := c.Query("level")
	if level == "" {
		level = t.Profile.SchoolLevel().Key
	}
	if _, ok := t.Profile.Level(level); !ok {
		return problem.Fields("invalid query parameter", problem.Field("level", "%q is not a geography level of this country", level))
	}
	units := t.Profile.UnitsUnder(t.Code, level)
	if units == nil {
		units = []profile.Unit{}
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[profile.Unit]{Items: units})
}

func (a *API) getUnit(c *gin.Context) error {
	t := tenantOf(c)
	code := c.Param("code")
	u, ok := t.Profile.Unit(code)
	if !ok || !t.Profile.Within(code, t.Code) {
		return problem.New(problem.NotFound, "no unit %q in %s", code, t.Code)
	}
	return web.JSON(c, nethttp.StatusOK, u)
}
