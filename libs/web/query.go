package web

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/problem"
)

// QueryValidator refuses query parameters whose value the service's OpenAPI document does
// not allow (a status outside its enum, a word where a number goes), with a 400 naming
// each parameter, before the handler runs. Handlers then never mistake a typo for a filter
// that matches nothing. Parameters the document does not declare are ignored, as HTTP
// APIs commonly do. Routes the document does not describe pass untouched.
func QueryValidator(doc []byte) (gin.HandlerFunc, error) {
	params := map[string][]*openapi3.Parameter{}
	if len(doc) > 0 {
		d, err := openapi3.NewLoader().LoadFromData(doc)
		if err != nil {
			return nil, fmt.Errorf("OpenAPI document: %w", err)
		}
		for _, path := range d.Paths.InMatchingOrder() {
			item := d.Paths.Value(path)
			for method, op := range item.Operations() {
				var qs []*openapi3.Parameter
				for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
					if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Schema != nil && p.Value.Schema.Value != nil {
						qs = append(qs, p.Value)
					}
				}
				if len(qs) > 0 {
					params[RouteKey(method, path)] = qs
				}
			}
		}
	}
	return func(c *gin.Context) {
		declared := params[RouteKey(c.Request.Method, c.FullPath())]
		if len(declared) == 0 {
			c.Next()
			return
		}
		query := c.Request.URL.Query()
		var bad []problem.FieldError
		for _, p := range declared {
			values, ok := query[p.Name]
			if !ok {
				continue
			}
			if err := checkValues(p.Schema.Value, values); err != nil {
				bad = append(bad, problem.Field(p.Name, "%s", err))
			}
		}
		if len(bad) > 0 {
			Fail(c, problem.Fields("invalid query parameter", bad...))
			return
		}
		c.Next()
	}, nil
}

var templateParam = regexp.MustCompile(`\{[^}]+\}|:[^/]+`)

// RouteKey gives an OpenAPI path and a gin route template one shape: parameter names
// may differ between the two ("{id}" and ":person"), positions do not.
func RouteKey(method, route string) string {
	return method + " " + templateParam.ReplaceAllString(route, "*")
}

func checkValues(s *openapi3.Schema, values []string) error {
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		for _, v := range values {
			if err := checkValue(s.Items.Value, v); err != nil {
				return err
			}
		}
		return nil
	}
	if len(values) > 1 {
		return errors.New("give it once")
	}
	return checkValue(s, values[0])
}

func checkValue(s *openapi3.Schema, raw string) error {
	var v any = raw
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil || n != math.Trunc(n) {
			return errors.New("must be a whole number")
		}
		v = n
	case s.Type.Is(openapi3.TypeNumber):
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return errors.New("must be a number")
		}
		v = n
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("must be true or false")
		}
		v = b
	}
	if err := s.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			return errors.New(se.Reason)
		}
		var me openapi3.MultiError
		if errors.As(err, &me) && len(me) > 0 {
			if errors.As(me[0], &se) {
				return errors.New(se.Reason)
			}
		}
		return err
	}
	return nil
}
