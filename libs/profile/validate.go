package profile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	// Profiles name IANA time zones and services run from minimal container
	// images that may have no zoneinfo; embedding the database (~450 KB)
	// makes time.LoadLocation work everywhere.
	_ "time/tzdata"
)

// DateLayout is the layout of every date in a profile.
const DateLayout = "2006-01-02"

// maxNameLen caps codes and keys. 63 is the Kubernetes limit for object names
// and label values, and tenant codes end up as both.
const maxNameLen = 63

var (
	countryRE = regexp.MustCompile(`^[a-z]{2}$`)
	// codeRE is a DNS-label-like slug: unit codes become Kubernetes names.
	codeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// keyRE is a snake_case identifier: keys appear in JSON, claims and
	// query strings.
	keyRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	// localeRE accepts the common BCP 47 shapes (language, optional script,
	// optional region) without pulling in a full tag parser.
	localeRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`)
)

var frequencies = map[string]bool{
	FrequencyWeekly: true, FrequencyFortnightly: true, FrequencyMonthly: true,
	FrequencyTermly: true, FrequencyYearly: true,
}

// Validate checks the document's envelope and its spec. Spec problems are
// reported under "spec.", as the Kubernetes API server would.
func (d *Document) Validate() error {
	var p problems
	if d.APIVersion != APIVersion {
		p.add("apiVersion", "must be %q, got %q", APIVersion, d.APIVersion)
	}
	if d.Kind != Kind {
		p.add("kind", "must be %q, got %q", Kind, d.Kind)
	}
	switch {
	case d.Metadata.Name == "":
		p.add("metadata.name", "required")
	case d.Metadata.Name != d.Spec.Country:
		// The operator names the cluster-scoped object after the country,
		// and services look profiles up by country code.
		p.add("metadata.name", "must equal spec.country %q, got %q", d.Spec.Country, d.Metadata.Name)
	}
	if err := d.Spec.Validate(); err != nil {
		for _, fe := range err.(*ValidationError).Errors {
			p.add("spec."+fe.Field, "%s", fe.Detail)
		}
	}
	return p.err()
}

// Validate checks the profile and returns a [*ValidationError] listing every
// problem, or nil. Paths are relative to the spec ("geography.units[3].parent").
func (s *Spec) Validate() error {
	v := &validator{spec: s}
	v.top()
	v.geography()
	v.roles()
	v.competencies()
	v.plcs()
	v.calendar()
	v.recruitment()
	v.caseloads()
	v.accreditation()
	v.retention()
	return v.err()
}

type validator struct {
	problems
	spec     *Spec
	levelPos map[string]int  // geography level key → position from the top
	roleIdx  map[string]Role // role key → role
	areaKeys map[string]bool // competency area keys
}

func (v *validator) required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.add(field, "required")
		return false
	}
	return true
}

func (v *validator) key(field, value string) bool {
	if !v.required(field, value) {
		return false
	}
	if len(value) > maxNameLen || !keyRE.MatchString(value) {
		v.add(field, "%q is not a valid key (lowercase snake_case, at most %d characters)", value, maxNameLen)
		return false
	}
	return true
}

// unique reports a duplicate value of a list's identifying field.
func (v *validator) unique(seen map[string]string, field, value string) {
	if value == "" {
		return
	}
	if first, ok := seen[value]; ok {
		v.add(field, "duplicate %q (first at %s)", value, first)
		return
	}
	seen[value] = field
}

// role checks that a field names a defined role.
func (v *validator) role(field, key string) {
	if !v.required(field, key) {
		return
	}
	if _, ok := v.roleIdx[key]; !ok {
		v.add(field, "unknown role %q", key)
	}
}

func (v *validator) roleList(field string, keys []string) {
	seen := map[string]string{}
	for i, k := range keys {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.role(f, k)
		v.unique(seen, f, k)
	}
}

// level checks that a field names a geography level.
func (v *validator) level(field, key string) bool {
	if !v.required(field, key) {
		return false
	}
	if _, ok := v.levelPos[key]; !ok {
		v.add(field, "unknown level %q", key)
		return false
	}
	return true
}

// date parses a profile date, reporting it if it is missing or malformed.
func (v *validator) date(field, value string) (time.Time, bool) {
	if !v.required(field, value) {
		return time.Time{}, false
	}
	t, err := time.Parse(DateLayout, value)
	if err != nil {
		v.add(field, "%q is not a date in the form YYYY-MM-DD", value)
		return time.Time{}, false
	}
	return t, true
}

func (v *validator) top() {
	s := v.spec
	if v.required("country", s.Country) && !countryRE.MatchString(s.Country) {
		v.add("country", "%q is not a lowercase ISO 3166-1 alpha-2 code", s.Country)
	}
	v.required("name", s.Name)
	if v.required("locale", s.Locale) && !localeRE.MatchString(s.Locale) {
		v.add("locale", "%q is not a BCP 47 locale such as \"en-RW\"", s.Locale)
	}
	for i, l := range s.Languages {
		if !localeRE.MatchString(l) {
			v.add(fmt.Sprintf("languages[%d]", i), "%q is not a BCP 47 locale such as \"rw-RW\"", l)
		}
	}
	if v.required("timeZone", s.TimeZone) {
		if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
			v.add("timeZone", "%q is not an IANA time zone", s.TimeZone)
		}
	}
}

func (v *validator) geography() {
	g := &v.spec.Geography
	v.levelPos = map[string]int{}
	if len(g.Levels) == 0 {
		v.add("geography.levels", "at least one level is required")
	}
	seen := map[string]string{}
	for i, l := range g.Levels {
		f := fmt.Sprintf("geography.levels[%d]", i)
		if v.key(f+".key", l.Key) {
			if l.Key == ScopeSchool || l.Key == ScopeCountry {
				v.add(f+".key", "%q is reserved for role scopes", l.Key)
			} else if _, dup := v.levelPos[l.Key]; !dup {
				v.levelPos[l.Key] = i
			}
		}
		v.unique(seen, f+".key", l.Key)
		v.required(f+".name", l.Name)
	}
	tenantOK := v.level("geography.tenantLevel", g.TenantLevel)
	schoolOK := v.level("geography.schoolLevel", g.SchoolLevel)
	if tenantOK && schoolOK && v.levelPos[g.SchoolLevel] < v.levelPos[g.TenantLevel] {
		v.add("geography.schoolLevel", "%q is above the tenant level %q; schools must attach within a tenant", g.SchoolLevel, g.TenantLevel)
	}

	// First pass: codes, so that parents may be listed after their children.
	byCode := map[string]int{}
	codes := map[string]string{}
	prefix := v.spec.Country + "-"
	for i, u := range g.Units {
		f := fmt.Sprintf("geography.units[%d].code", i)
		if !v.required(f, u.Code) {
			continue
		}
		switch {
		case len(u.Code) > maxNameLen || !codeRE.MatchString(u.Code):
			v.add(f, "%q is not a lowercase slug of at most %d characters", u.Code, maxNameLen)
		case v.spec.Country != "" && !strings.HasPrefix(u.Code, prefix):
			v.add(f, "%q does not start with the country prefix %q", u.Code, prefix)
		}
		v.unique(codes, f, u.Code)
		if _, dup := byCode[u.Code]; !dup {
			byCode[u.Code] = i
		}
	}
	// Second pass: levels, parents and sibling names.
	tenants := 0
	siblings := map[string]string{} // parent + "\x00" + folded name → field
	for i, u := range g.Units {
		f := fmt.Sprintf("geography.units[%d]", i)
		v.required(f+".name", u.Name)
		if !v.level(f+".level", u.Level) {
			continue
		}
		pos := v.levelPos[u.Level]
		if u.Level == g.TenantLevel {
			tenants++
		}
		if pos == 0 {
			if u.Parent != "" {
				v.add(f+".parent", "must be empty for a unit at the top level %q", u.Level)
			}
		} else if v.required(f+".parent", u.Parent) {
			pi, ok := byCode[u.Parent]
			switch {
			case !ok:
				v.add(f+".parent", "unknown unit %q", u.Parent)
			case g.Units[pi].Level != g.Levels[pos-1].Key:
				v.add(f+".parent", "%q is a %q, want a %q (the level above %q)", u.Parent, g.Units[pi].Level, g.Levels[pos-1].Key, u.Level)
			}
		}
		// Imports match units by name within their parent, so two siblings
		// with the same name would make them ambiguous.
		if u.Name != "" {
			v.unique(siblings, f+".name", u.Parent+"\x00"+strings.ToLower(strings.TrimSpace(u.Name)))
		}
	}
	if tenantOK && tenants == 0 {
		v.add("geography.units", "no unit at the tenant level %q", g.TenantLevel)
	}
}

func (v *validator) roles() {
	s := v.spec
	v.roleIdx = map[string]Role{}
	if len(s.Roles) == 0 {
		v.add("roles", "at least one role is required")
	}
	seen := map[string]string{}
	for i, r := range s.Roles {
		f := fmt.Sprintf("roles[%d]", i)
		if v.key(f+".key", r.Key) {
			if _, dup := v.roleIdx[r.Key]; !dup {
				v.roleIdx[r.Key] = r
			}
		}
		v.unique(seen, f+".key", r.Key)
		v.required(f+".name", r.Name)
		if v.required(f+".scope", r.Scope) {
			if _, ok := v.levelPos[r.Scope]; !ok && r.Scope != ScopeSchool && r.Scope != ScopeCountry {
				v.add(f+".scope", "unknown scope %q (want a geography level, %q or %q)", r.Scope, ScopeSchool, ScopeCountry)
			}
		}
		if r.Quota != nil {
			v.level(f+".quota.perLevel", r.Quota.PerLevel)
			if r.Quota.Count < 1 {
				v.add(f+".quota.count", "must be at least 1, got %d", r.Quota.Count)
			}
		}
	}
	// Coaches may name roles listed later, so check them once all are known.
	for i, r := range s.Roles {
		f := fmt.Sprintf("roles[%d].coaches", i)
		v.roleList(f, r.Coaches)
		for j, c := range r.Coaches {
			if c == r.Key {
				v.add(fmt.Sprintf("%s[%d]", f, j), "a role cannot coach itself")
			}
		}
	}
}

// scale checks a rating scale listed as 1..N and returns N, or 0 if broken.
func (v *validator) scale(field string, levels []int) int {
	if len(levels) < 2 {
		v.add(field, "at least two levels are required, got %d", len(levels))
		return 0
	}
	n := len(levels)
	for j, l := range levels {
		if l != j+1 {
			v.add(fmt.Sprintf("%s[%d].level", field, j), "got %d, want %d (levels run 1..N in order, without gaps)", l, j+1)
			n = 0
		}
	}
	return n
}

func (v *validator) competencies() {
	c := &v.spec.Competencies
	v.areaKeys = map[string]bool{}
	v.required("competencies.name", c.Name)
	if len(c.Areas) == 0 {
		v.add("competencies.areas", "at least one area is required")
	}
	seen := map[string]string{}
	for i, a := range c.Areas {
		f := fmt.Sprintf("competencies.areas[%d]", i)
		if v.key(f+".key", a.Key) {
			v.areaKeys[a.Key] = true
		}
		v.unique(seen, f+".key", a.Key)
		v.required(f+".name", a.Name)
		if len(a.Indicators) == 0 {
			v.add(f+".indicators", "at least one indicator is required")
		}
		seenInd := map[string]string{}
		for j, ind := range a.Indicators {
			g := fmt.Sprintf("%s.indicators[%d]", f, j)
			v.key(g+".key", ind.Key)
			v.unique(seenInd, g+".key", ind.Key)
			v.required(g+".name", ind.Name)
		}
	}
	nums := make([]int, len(c.Levels))
	for i, l := range c.Levels {
		nums[i] = l.Level
		v.required(fmt.Sprintf("competencies.levels[%d].name", i), l.Name)
	}
	if n := v.scale("competencies.levels", nums); n > 0 {
		if c.MeetsStandardLevel < 1 || c.MeetsStandardLevel > n {
			v.add("competencies.meetsStandardLevel", "must be between 1 and %d, got %d", n, c.MeetsStandardLevel)
		}
	}
}

func (v *validator) plcs() {
	if len(v.spec.PLCs) == 0 {
		v.add("plcs", "at least one PLC is required")
	}
	seen := map[string]string{}
	for i, p := range v.spec.PLCs {
		f := fmt.Sprintf("plcs[%d]", i)
		v.key(f+".key", p.Key)
		v.unique(seen, f+".key", p.Key)
		v.required(f+".name", p.Name)
		v.level(f+".level", p.Level)
		if v.required(f+".frequency", p.Frequency) && !frequencies[p.Frequency] {
			v.add(f+".frequency", "unknown frequency %q (want weekly, fortnightly, monthly, termly or yearly)", p.Frequency)
		}
		v.role(f+".ledBy", p.LedBy)
		v.roleList(f+".with", p.With)
		if len(p.Members) == 0 {
			v.add(f+".members", "at least one member role is required")
		}
		v.roleList(f+".members", p.Members)
		if p.DurationMinutes < 0 {
			v.add(f+".durationMinutes", "must not be negative, got %d", p.DurationMinutes)
		}
	}
}

func (v *validator) calendar() {
	c := &v.spec.Calendar
	if len(c.SchoolYears) == 0 {
		v.add("calendar.schoolYears", "at least one school year is required")
	}
	years := map[string]string{}
	// Terms are checked across years as one sequence, which also keeps the
	// years themselves in order and apart.
	var prevEnd time.Time
	var prevField string
	for i, y := range c.SchoolYears {
		f := fmt.Sprintf("calendar.schoolYears[%d]", i)
		v.required(f+".name", y.Name)
		v.unique(years, f+".name", y.Name)
		if len(y.Terms) == 0 {
			v.add(f+".terms", "at least one term is required")
		}
		for j, t := range y.Terms {
			g := fmt.Sprintf("%s.terms[%d]", f, j)
			v.required(g+".name", t.Name)
			start, okS := v.date(g+".start", t.Start)
			end, okE := v.date(g+".end", t.End)
			if okS && okE && end.Before(start) {
				v.add(g+".end", "%s is before the start %s", t.End, t.Start)
				continue
			}
			if okS && !prevEnd.IsZero() && !start.After(prevEnd) {
				v.add(g+".start", "%s is not after the end of the previous term (%s, %s)", t.Start, prevEnd.Format(DateLayout), prevField)
			}
			if okE {
				prevEnd, prevField = end, g
			}
		}
	}
	dates := map[string]string{}
	for i, h := range c.Holidays {
		f := fmt.Sprintf("calendar.holidays[%d]", i)
		if _, ok := v.date(f+".date", h.Date); ok {
			v.unique(dates, f+".date", h.Date)
		}
		v.required(f+".name", h.Name)
	}
}

func (v *validator) recruitment() {
	r := &v.spec.Recruitment
	if len(r.Roles) == 0 {
		v.add("recruitment.roles", "at least one recruited role is required")
	}
	v.roleList("recruitment.roles", r.Roles)

	v.required("recruitment.panel.name", r.Panel.Name)
	v.level("recruitment.panel.level", r.Panel.Level)
	v.role("recruitment.panel.chair", r.Panel.Chair)
	v.roleList("recruitment.panel.members", r.Panel.Members)
	if r.Panel.MinMembers < 1 {
		v.add("recruitment.panel.minMembers", "must be at least 1, got %d", r.Panel.MinMembers)
	}

	seen := map[string]string{}
	for i, e := range r.Eligibility {
		f := fmt.Sprintf("recruitment.eligibility[%d]", i)
		v.key(f+".key", e.Key)
		v.unique(seen, f+".key", e.Key)
		v.required(f+".description", e.Description)
		switch e.Kind {
		case EligibilityMinimum:
			if e.Min < 1 {
				v.add(f+".min", "must be at least 1 for a minimum rule, got %d", e.Min)
			}
		case EligibilityEvidence:
			if e.Min != 0 {
				v.add(f+".min", "must be empty for an evidence rule")
			}
		case "":
			v.add(f+".kind", "required")
		default:
			v.add(f+".kind", "unknown kind %q (want %q or %q)", e.Kind, EligibilityMinimum, EligibilityEvidence)
		}
	}

	if len(r.Criteria) == 0 {
		v.add("recruitment.criteria", "at least one criterion is required")
	}
	seen = map[string]string{}
	sum, weightsOK, scaleN, scaleFrom := 0, true, 0, ""
	for i, c := range r.Criteria {
		f := fmt.Sprintf("recruitment.criteria[%d]", i)
		v.key(f+".key", c.Key)
		v.unique(seen, f+".key", c.Key)
		v.required(f+".name", c.Name)
		if c.Weight < 1 || c.Weight > 100 {
			v.add(f+".weight", "must be between 1 and 100 percent, got %d", c.Weight)
			weightsOK = false
		}
		sum += c.Weight
		for j, e := range c.Evidence {
			v.key(fmt.Sprintf("%s.evidence[%d]", f, j), e)
		}
		nums := make([]int, len(c.Levels))
		for j, l := range c.Levels {
			nums[j] = l.Level
			v.required(fmt.Sprintf("%s.levels[%d].descriptor", f, j), l.Descriptor)
		}
		if n := v.scale(f+".levels", nums); n > 0 {
			if scaleN == 0 {
				scaleN, scaleFrom = n, f
			} else if n != scaleN {
				v.add(f+".levels", "has %d levels but %s has %d; all criteria share one scale", n, scaleFrom, scaleN)
			}
		}
	}
	if weightsOK && len(r.Criteria) > 0 && sum != 100 {
		v.add("recruitment.criteria", "weights sum to %d, want 100", sum)
	}

	seen = map[string]string{}
	sameSchool := false
	for i, c := range r.Conflicts {
		f := fmt.Sprintf("recruitment.conflicts[%d]", i)
		v.key(f+".key", c.Key)
		v.unique(seen, f+".key", c.Key)
		v.required(f+".description", c.Description)
		switch {
		case c.SameUnit != "" && c.Declared:
			v.add(f, "set either sameUnit or declared, not both")
		case c.SameUnit == "" && !c.Declared:
			v.add(f, "set sameUnit or declared")
		case c.SameUnit == ScopeSchool:
			sameSchool = true
		case c.SameUnit != "":
			v.level(f+".sameUnit", c.SameUnit)
		}
	}
	if !sameSchool {
		// Nobody can fairly score a candidate from their own school; this
		// is not a country's choice.
		v.add("recruitment.conflicts", "a rule with sameUnit %q is required", ScopeSchool)
	}
	if r.ReserveListSize < 0 {
		v.add("recruitment.reserveListSize", "must not be negative, got %d", r.ReserveListSize)
	}
}

func (v *validator) caseloads() {
	seen := map[string]string{}
	for i, c := range v.spec.Caseloads {
		f := fmt.Sprintf("caseloads[%d]", i)
		v.role(f+".role", c.Role)
		v.role(f+".coachee", c.Coachee)
		v.unique(seen, f, c.Role+" → "+c.Coachee)
		if coach, ok := v.roleIdx[c.Role]; ok && len(coach.Coaches) > 0 && !slices.Contains(coach.Coaches, c.Coachee) {
			v.add(f+".coachee", "role %q does not coach %q (see its coaches list)", c.Role, c.Coachee)
		}
		if c.Max < 1 {
			v.add(f+".max", "must be at least 1, got %d", c.Max)
		} else if c.Warn < 0 || c.Warn > c.Max {
			v.add(f+".warn", "must be between 0 and max (%d), got %d", c.Max, c.Warn)
		}
	}
}

func (v *validator) accreditation() {
	a := v.spec.Accreditation
	if a == nil {
		return
	}
	v.required("accreditation.name", a.Name)
	v.required("accreditation.awardingBody", a.AwardingBody)
	if len(a.Roles) == 0 {
		v.add("accreditation.roles", "at least one enrolled role is required")
	}
	v.roleList("accreditation.roles", a.Roles)
	if len(a.Modules) == 0 {
		v.add("accreditation.modules", "at least one module is required")
	}
	seen := map[string]string{}
	for i, m := range a.Modules {
		f := fmt.Sprintf("accreditation.modules[%d]", i)
		v.required(f+".code", m.Code)
		v.unique(seen, f+".code", m.Code)
		v.required(f+".name", m.Name)
		if m.Credits < 1 {
			v.add(f+".credits", "must be at least 1, got %d", m.Credits)
		}
		for j, c := range m.Competencies {
			if !v.areaKeys[c] {
				v.add(fmt.Sprintf("%s.competencies[%d]", f, j), "unknown competency area %q", c)
			}
		}
	}
	seen = map[string]string{}
	for i, e := range a.Evidence {
		f := fmt.Sprintf("accreditation.evidence[%d]", i)
		v.key(f+".key", e.Key)
		v.unique(seen, f+".key", e.Key)
		v.required(f+".name", e.Name)
		if v.required(f+".source", e.Source) && e.Source != EvidenceAutomatic && e.Source != EvidenceUpload {
			v.add(f+".source", "unknown source %q (want %q or %q)", e.Source, EvidenceAutomatic, EvidenceUpload)
		}
		if e.Min < 1 {
			v.add(f+".min", "must be at least 1, got %d", e.Min)
		}
	}
	if n := len(v.spec.Competencies.Levels); a.PassLevel < 1 || a.PassLevel > n {
		v.add("accreditation.passLevel", "must be a level of the competency scale (1..%d), got %d", n, a.PassLevel)
	}
}

func (v *validator) retention() {
	seen := map[string]string{}
	for i, r := range v.spec.Retention {
		f := fmt.Sprintf("retention[%d]", i)
		if v.required(f+".record", r.Record) {
			if _, ok := RetentionRecords[r.Record]; !ok {
				known := make([]string, 0, len(RetentionRecords))
				for k := range RetentionRecords {
					known = append(known, k)
				}
				slices.Sort(known)
				v.add(f+".record", "unknown kind of record %q (one of %s)", r.Record, strings.Join(known, ", "))
			}
		}
		v.unique(seen, f+".record", r.Record)
		if v.required(f+".keep", r.Keep) {
			if _, err := ParsePeriod(r.Keep); err != nil {
				v.add(f+".keep", "%s", err.Error())
			}
		}
	}
}
