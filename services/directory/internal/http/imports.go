package http

import (
	"io"
	"mime/multipart"
	nethttp "net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

// ImportReport is the answer to an import.
type ImportReport struct {
	Mode      string               `json:"mode"`
	DryRun    bool                 `json:"dry_run"`
	Rows      int                  `json:"rows"`
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Rejected  int                  `json:"rejected"`
	Errors    []problem.FieldError `json:"errors"`
}

// Import modes: all-or-nothing (the default: one bad row and nothing is imported) or
// valid-rows (the good rows are imported, the bad ones reported).
const (
	ModeAll   = "all"
	ModeValid = "valid"
)

type importOptions struct {
	mode   string
	dryRun bool
}

func options(c *gin.Context) (importOptions, error) {
	o := importOptions{mode: c.DefaultQuery("mode", ModeAll), dryRun: c.Query("dry_run") == "true"}
	if o.mode != ModeAll && o.mode != ModeValid {
		return o, problem.Fields("invalid query parameter", problem.Field("mode", "all (import nothing if any row is bad) or valid (import the good rows)"))
	}
	if d := c.Query("dry_run"); d != "" && d != "true" && d != "false" {
		return o, problem.Fields("invalid query parameter", problem.Field("dry_run", "true or false"))
	}
	return o, nil
}

// rejectOrReport decides what a batch of row errors means for the import.
func (o importOptions) rejectOrReport(r *ImportReport, errs []problem.FieldError) error {
	r.Errors = append(r.Errors, errs...)
	r.Rejected = countRows(errs)
	if len(errs) > 0 && o.mode == ModeAll {
		return &problem.Error{Kind: problem.Unprocessable, Fields: r.Errors,
			Detail: "the file has errors and nothing was imported; fix the rows listed, or send mode=valid to import the good rows only"}
	}
	return nil
}

func countRows(errs []problem.FieldError) int {
	rows := map[string]bool{}
	for _, e := range errs {
		row, _, _ := strings.Cut(e.Field, ",")
		rows[row] = true
	}
	return len(rows)
}

func (a *API) importer(kind string) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		o, err := options(c)
		if err != nil {
			return err
		}
		t := tenantOf(c)
		var report *ImportReport
		switch kind {
		case "schools":
			if err := requireCSV(c); err != nil {
				return err
			}
			report, err = a.importSchools(c, t, c.Request.Body, o)
		case "head-teachers":
			if err := requireCSV(c); err != nil {
				return err
			}
			report, err = a.importHeadTeachers(c, t, c.Request.Body, o)
		case "oneroster":
			report, err = a.importOneRoster(c, t, o)
		}
		if err != nil {
			return err
		}
		return web.JSON(c, nethttp.StatusOK, report)
	}
}

func requireCSV(c *gin.Context) error {
	ct := c.ContentType()
	if ct != "text/csv" && ct != "application/csv" {
		return problem.New(problem.UnsupportedMediaType, "send the file as the body with Content-Type: text/csv (got %q)", ct)
	}
	return nil
}

func (a *API) importSchools(c *gin.Context, t domain.Tenant, body io.Reader, o importOptions) (*ImportReport, error) {
	rows, errs := domain.ReadCSV(body, domain.SchoolColumns)
	return a.importSchoolRows(c, t, rows, errs, o)
}

func (a *API) importSchoolRows(c *gin.Context, t domain.Tenant, rows []domain.Row, errs []problem.FieldError, o importOptions) (*ImportReport, error) {
	r := &ImportReport{Mode: o.mode, DryRun: o.dryRun, Rows: len(rows), Errors: []problem.FieldError{}}
	good, rowErrs := domain.SchoolRows(t, rows)
	if err := o.rejectOrReport(r, append(errs, rowErrs...)); err != nil {
		return nil, err
	}
	existing, err := a.Store.Schools.All(c.Request.Context(), t.Code, nil)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]domain.School, len(existing))
	for _, s := range existing {
		byCode[s.Code] = s
	}
	now := a.Now()
	var creates []mongox.New[domain.School]
	var updates []domain.School
	for _, row := range good {
		old, ok := byCode[row.Fields.Code]
		if !ok {
			s, err := domain.NewSchool(t, row.Fields, now)
			if err != nil {
				return nil, err
			}
			ev, err := events.ForSchool(events.SchoolCreated, t.Code, s)
			if err != nil {
				return nil, err
			}
			creates = append(creates, mongox.New[domain.School]{ID: s.ID, Value: s, Events: []mongox.Event{ev}})
			continue
		}
		if changed, err := old.Apply(t, row.Fields, now); err != nil {
			return nil, err
		} else if changed {
			updates = append(updates, old)
			continue
		}
		r.Unchanged++
	}
	r.Created, r.Updated = len(creates), len(updates)
	if o.dryRun {
		return r, nil
	}
	if err := a.Store.Schools.InsertMany(c.Request.Context(), t.Code, creates); err != nil {
		return nil, err
	}
	for _, s := range updates {
		_, _, err := a.Store.Schools.Update(c.Request.Context(), t.Code, s.ID, 0, func(cur *domain.School) ([]mongox.Event, error) {
			if _, err := cur.Apply(t, s.Fields(), now); err != nil {
				return nil, err
			}
			ev, err := events.ForSchool(events.SchoolUpdated, t.Code, *cur)
			return []mongox.Event{ev}, err
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (a *API) importHeadTeachers(c *gin.Context, t domain.Tenant, body io.Reader, o importOptions) (*ImportReport, error) {
	rows, errs := domain.ReadCSV(body, domain.HeadTeacherColumns)
	return a.importHeadTeacherRows(c, t, rows, errs, o)
}

// importHeadTeacherRows creates or updates each head teacher (by staff id) and makes them
// the head teacher of their school; a school's previous head teacher's assignment ends.
func (a *API) importHeadTeacherRows(c *gin.Context, t domain.Tenant, rows []domain.Row, errs []problem.FieldError, o importOptions) (*ImportReport, error) {
	r := &ImportReport{Mode: o.mode, DryRun: o.dryRun, Rows: len(rows), Errors: []problem.FieldError{}}
	htRole, ok := domain.HeadTeacherRole(t)
	if !ok {
		return nil, problem.New(problem.Unprocessable, "this country's profile has no school-level role to import head teachers into")
	}
	schools, err := a.Store.Schools.All(c.Request.Context(), t.Code, nil)
	if err != nil {
		return nil, err
	}
	schoolByCode := map[string]domain.School{}
	for _, s := range schools {
		schoolByCode[s.Code] = s
	}
	today := t.Profile.Date(a.Now())
	good, rowErrs := domain.HeadTeacherRows(rows, func(code string) bool { _, ok := schoolByCode[code]; return ok }, today)
	if err := o.rejectOrReport(r, append(errs, rowErrs...)); err != nil {
		return nil, err
	}
	people, err := a.Store.People.All(c.Request.Context(), t.Code, nil)
	if err != nil {
		return nil, err
	}
	personByStaff := map[string]store.Person{}
	for _, p := range people {
		if p.StaffID != "" {
			personByStaff[p.StaffID] = p
		}
	}
	roles, err := a.Store.Roles.All(c.Request.Context(), t.Code, bson.D{{Key: "role", Value: htRole.Key}})
	if err != nil {
		return nil, err
	}
	activeHT := map[string]domain.RoleAssignment{} // by school id
	for _, ra := range roles {
		if ra.EndDate == "" {
			activeHT[ra.Unit] = ra
		}
	}

	now := a.Now()
	var newPeople []mongox.New[store.Person]
	var newRoles []mongox.New[domain.RoleAssignment]
	type change struct {
		person *store.Person
		ends   *domain.RoleAssignment
	}
	var changes []change
	for _, row := range good {
		school := schoolByCode[row.SchoolCode]
		row.Person.SchoolID = school.ID
		p, known := personByStaff[row.Person.StaffID]
		personChanged := false
		if !known {
			np, err := domain.NewPerson(row.Person, now)
			if err != nil {
				return nil, err
			}
			ev, err := events.ForPerson(events.PersonCreated, t.Code, np)
			if err != nil {
				return nil, err
			}
			p = store.StoredPerson(np)
			newPeople = append(newPeople, mongox.New[store.Person]{ID: np.ID, Value: p, Events: []mongox.Event{ev}})
		} else if personChanged, err = p.Apply(row.Person, now); err != nil {
			return nil, err
		}
		cur, hasHT := activeHT[school.ID]
		if hasHT && cur.PersonID == p.ID {
			if personChanged {
				pp := p
				changes = append(changes, change{person: &pp})
				r.Updated++
			} else {
				r.Unchanged++
			}
			continue
		}
		ra, err := domain.NewRoleAssignment(t, domain.RoleFields{PersonID: p.ID, Role: htRole.Key, Unit: school.ID, StartDate: row.StartDate},
			domain.RoleTarget{PersonExists: true, SchoolExists: true}, domain.SourceManual, now)
		if err != nil {
			return nil, err
		}
		ev, err := events.ForRole(events.RoleAssigned, t.Code, ra)
		if err != nil {
			return nil, err
		}
		newRoles = append(newRoles, mongox.New[domain.RoleAssignment]{ID: ra.ID, Value: ra, Events: []mongox.Event{ev}})
		ch := change{}
		if known && personChanged {
			pp := p
			ch.person = &pp
		}
		if hasHT {
			old := cur
			ch.ends = &old
		}
		changes = append(changes, ch)
		if known {
			r.Updated++
		} else {
			r.Created++
		}
	}
	if o.dryRun {
		return r, nil
	}
	if err := a.Store.People.InsertMany(c.Request.Context(), t.Code, newPeople); err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if ch.person != nil {
			want := ch.person.Fields()
			if _, _, err := a.Store.People.Update(c.Request.Context(), t.Code, ch.person.ID, 0, func(p *store.Person) ([]mongox.Event, error) {
				if _, err := p.Apply(want, now); err != nil {
					return nil, err
				}
				*p = store.StoredPerson(p.Person)
				ev, err := events.ForPerson(events.PersonUpdated, t.Code, p.Person)
				return []mongox.Event{ev}, err
			}); err != nil {
				return nil, err
			}
		}
		if ch.ends != nil {
			if _, _, err := a.Store.Roles.Update(c.Request.Context(), t.Code, ch.ends.ID, 0, func(ra *domain.RoleAssignment) ([]mongox.Event, error) {
				ra.EndDate, ra.UpdatedAt = today, now
				ev, err := events.ForRole(events.RoleUpdated, t.Code, *ra)
				return []mongox.Event{ev}, err
			}); err != nil {
				return nil, err
			}
		}
	}
	if err := a.Store.Roles.InsertMany(c.Request.Context(), t.Code, newRoles); err != nil {
		return nil, err
	}
	return r, nil
}

// OneRoster 1.2 CSV columns (IMS Global OneRoster v1.2 CSV binding). Only the columns we
// map are required; the rest are accepted and ignored.
var (
	orgsColumns = domain.Columns{Required: []string{"sourcedid", "name", "type"},
		Optional: []string{"status", "datelastmodified", "identifier", "parentsourcedid"}}
	usersColumns = domain.Columns{Required: []string{"sourcedid", "givenname", "familyname"},
		Optional: []string{"status", "datelastmodified", "enableduser", "username", "userids", "middlename", "identifier",
			"email", "sms", "phone", "agentsourcedids", "grades", "password", "usermasteridentifier", "resourcesourcedids",
			"preferredgivenname", "preferredmiddlename", "preferredfamilyname", "primaryorgsourcedid", "pronouns"}}
	rolesColumns = domain.Columns{Required: []string{"userSourcedId", "role", "orgSourcedId"},
		Optional: []string{"sourcedid", "status", "datelastmodified", "roletype", "begindate", "enddate", "userprofilesourcedid"}}
)

func init() {
	for i, c := range rolesColumns.Required {
		rolesColumns.Required[i] = strings.ToLower(c)
	}
}

// importOneRoster reads a multipart upload of OneRoster 1.2 files: orgs.csv (schools: orgs
// of type school; their parent org's identifier or name is the unit), and optionally
// users.csv with roles.csv (head teachers: users with role principal at a school).
func (a *API) importOneRoster(c *gin.Context, t domain.Tenant, o importOptions) (*ImportReport, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, problem.Wrap(problem.Malformed, err, "send multipart/form-data with the files orgs (orgs.csv) and optionally users and roles")
	}
	read := func(name string, cols domain.Columns, required bool) ([]domain.Row, []problem.FieldError, error) {
		fh := form.File[name]
		if len(fh) == 0 {
			if required {
				return nil, nil, problem.Fields("a file is missing", problem.Field(name, "required: the OneRoster %s.csv", name))
			}
			return nil, nil, nil
		}
		f, err := fh[0].Open()
		if err != nil {
			return nil, nil, problem.Wrap(problem.Malformed, err, "could not read %s", name)
		}
		defer func(f multipart.File) { _ = f.Close() }(f)
		rows, errs := domain.ReadCSV(f, cols)
		return rows, prefix(name+".csv ", errs), nil
	}
	orgs, errs, err := read("orgs", orgsColumns, true)
	if err != nil {
		return nil, err
	}
	users, uerrs, err := read("users", usersColumns, false)
	if err != nil {
		return nil, err
	}
	roles, rerrs, err := read("roles", rolesColumns, users != nil)
	if err != nil {
		return nil, err
	}
	errs = append(append(errs, uerrs...), rerrs...)
	if len(errs) > 0 {
		return nil, &problem.Error{Kind: problem.Unprocessable, Fields: errs, Detail: "the OneRoster files have errors and nothing was imported"}
	}
	orgByID := map[string]domain.Row{}
	for _, r := range orgs {
		orgByID[r.Cells["sourcedid"]] = r
	}
	var schoolRows []domain.Row
	schoolCode := map[string]string{} // org sourcedId → school code
	for _, r := range orgs {
		if r.Cells["type"] != "school" || r.Cells["status"] == "tobedeleted" {
			continue
		}
		code := firstNonEmpty(r.Cells["identifier"], r.Cells["sourcedid"])
		schoolCode[r.Cells["sourcedid"]] = code
		parent := orgByID[r.Cells["parentsourcedid"]]
		unit := firstNonEmpty(parent.Cells["identifier"], parent.Cells["name"])
		if _, ok := t.Profile.Unit(parent.Cells["identifier"]); !ok {
			unit = firstNonEmpty(parent.Cells["name"], parent.Cells["identifier"])
		}
		schoolRows = append(schoolRows, domain.Row{Line: r.Line, Cells: map[string]string{"code": code, "name": r.Cells["name"], "unit": unit}})
	}
	report, err := a.importSchoolRows(c, t, schoolRows, nil, o)
	if err != nil || users == nil {
		return report, err
	}
	userByID := map[string]domain.Row{}
	for _, u := range users {
		userByID[u.Cells["sourcedid"]] = u
	}
	var htRows []domain.Row
	for _, r := range roles {
		if r.Cells["role"] != "principal" || r.Cells["status"] == "tobedeleted" {
			continue
		}
		u, ok := userByID[r.Cells["usersourcedid"]]
		if !ok {
			errs = append(errs, domain.RowError(r.Line, "userSourcedId", "no user %q in users.csv", r.Cells["usersourcedid"]))
			continue
		}
		htRows = append(htRows, domain.Row{Line: r.Line, Cells: map[string]string{
			"staff_id": firstNonEmpty(u.Cells["identifier"], u.Cells["sourcedid"]), "given_name": u.Cells["givenname"],
			"family_name": u.Cells["familyname"], "email": u.Cells["email"], "phone": u.Cells["phone"],
			"school_code": schoolCode[r.Cells["orgsourcedid"]], "start_date": r.Cells["begindate"],
		}})
	}
	hts, err := a.importHeadTeacherRows(c, t, htRows, prefix("roles.csv ", errs), o)
	if err != nil {
		return nil, err
	}
	report.Rows += hts.Rows
	report.Created += hts.Created
	report.Updated += hts.Updated
	report.Unchanged += hts.Unchanged
	report.Rejected += hts.Rejected
	report.Errors = append(report.Errors, hts.Errors...)
	return report, nil
}

func prefix(p string, errs []problem.FieldError) []problem.FieldError {
	for i := range errs {
		errs[i].Field = p + errs[i].Field
	}
	return errs
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
