package domain

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// The documented CSV column sets (docs/import.md). Column order is free; names are
// case-insensitive; unknown columns are refused so that a misspelt column is not ignored.
var (
	SchoolColumns      = Columns{Required: []string{"code", "name", "unit"}, Optional: []string{"ownership", "status"}}
	HeadTeacherColumns = Columns{Required: []string{"staff_id", "given_name", "family_name", "school_code"},
		Optional: []string{"gender", "email", "phone", "start_date"}}
)

// Columns is a CSV column set.
type Columns struct{ Required, Optional []string }

// Row is one data row: its line in the file (the header is row 1) and its cells by column.
type Row struct {
	Line  int
	Cells map[string]string
}

// RowError names a row and column of an import.
func RowError(line int, column, format string, args ...any) problem.FieldError {
	field := fmt.Sprintf("row %d", line)
	if column != "" {
		field += fmt.Sprintf(", column %s", column)
	}
	return problem.Field(field, format, args...)
}

// ReadCSV reads and checks a whole CSV file against a column set: encoding, header, field
// counts. It returns every problem it finds, not just the first.
func ReadCSV(r io.Reader, cols Columns) ([]Row, []problem.FieldError) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, []problem.FieldError{RowError(0, "", "could not read the file: %v", err)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's UTF-8 byte order mark
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []problem.FieldError{RowError(1, "", "the file is empty; the first row must be the header %s", strings.Join(cols.Required, ","))}
	}
	if err != nil {
		return nil, []problem.FieldError{RowError(1, "", "not CSV: %v", err)}
	}
	var errs []problem.FieldError
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(h) {
			errs = append(errs, RowError(1, fmt.Sprint(i+1), "not UTF-8: save the file as CSV UTF-8"))
		} else if !slices.Contains(cols.Required, names[i]) && !slices.Contains(cols.Optional, names[i]) {
			errs = append(errs, RowError(1, names[i], "unknown column; the columns are %s (required) and %s (optional)",
				strings.Join(cols.Required, ", "), strings.Join(cols.Optional, ", ")))
		} else if slices.Index(names, names[i]) < i {
			errs = append(errs, RowError(1, names[i], "column appears twice"))
		}
	}
	for _, c := range cols.Required {
		if !slices.Contains(names, c) {
			errs = append(errs, RowError(1, c, "missing required column"))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// FieldPos may only be asked about a record Read returned (it panics after a
		// failed Read: an unterminated quote answered 500 before the fuzz seed found it).
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, RowError(pe.StartLine, "", "not valid CSV: %v", pe.Err))
			continue
		}
		if err != nil {
			errs = append(errs, RowError(0, "", "not valid CSV: %v", err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(names) {
			errs = append(errs, RowError(line, "", "has %d fields, the header has %d", len(rec), len(names)))
			continue
		}
		row := Row{Line: line, Cells: make(map[string]string, len(names))}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				errs = append(errs, RowError(line, names[i], "not UTF-8: save the file as CSV UTF-8"))
			}
			row.Cells[names[i]] = strings.TrimSpace(v)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, RowError(2, "", "the file has a header but no rows"))
	}
	return rows, errs
}

// SchoolRow is a school read from an import.
type SchoolRow struct {
	Line   int
	Fields SchoolFields
}

// SchoolRows turns CSV rows into school fields, resolving the unit column (a unit code,
// or a unit name of the tenant: "Kimironko") and checking every row, including duplicate
// codes within the file.
func SchoolRows(t Tenant, rows []Row) ([]SchoolRow, []problem.FieldError) {
	byName := unitsByName(t)
	var out []SchoolRow
	var errs []problem.FieldError
	firstLine := map[string]int{}
	for _, r := range rows {
		f := SchoolFields{Code: r.Cells["code"], Name: r.Cells["name"], Unit: r.Cells["unit"],
			Ownership: r.Cells["ownership"], Status: r.Cells["status"]}
		f.Normalize()
		if code, ok := byName[strings.ToLower(f.Unit)]; ok {
			f.Unit = code
		}
		rowErrs := f.Check(t, func(c string) string { return fmt.Sprintf("row %d, column %s", r.Line, c) })
		if prev, dup := firstLine[f.Code]; dup && f.Code != "" {
			rowErrs = append(rowErrs, RowError(r.Line, "code", "duplicate code %q: also on row %d", f.Code, prev))
		} else {
			firstLine[f.Code] = r.Line
		}
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		out = append(out, SchoolRow{Line: r.Line, Fields: f})
	}
	return out, errs
}

// HeadTeacherRow is a head teacher read from an import: the person, and the code of the
// school they lead.
type HeadTeacherRow struct {
	Line       int
	Person     PersonFields
	SchoolCode string
	StartDate  string
}

// HeadTeacherRows checks head-teacher rows; schoolExists says whether a school code is
// known (in the tenant or earlier in the same import).
func HeadTeacherRows(rows []Row, schoolExists func(code string) bool, today string) ([]HeadTeacherRow, []problem.FieldError) {
	var out []HeadTeacherRow
	var errs []problem.FieldError
	staffLine, schoolLine := map[string]int{}, map[string]int{}
	for _, r := range rows {
		p := PersonFields{StaffID: r.Cells["staff_id"], GivenName: r.Cells["given_name"], FamilyName: r.Cells["family_name"],
			Gender: r.Cells["gender"], Email: r.Cells["email"], Phone: r.Cells["phone"]}
		p.Normalize()
		name := func(c string) string { return fmt.Sprintf("row %d, column %s", r.Line, c) }
		rowErrs := p.Check(name)
		if p.StaffID == "" {
			rowErrs = append(rowErrs, RowError(r.Line, "staff_id", "required: it identifies the head teacher across imports"))
		} else if prev, dup := staffLine[p.StaffID]; dup {
			rowErrs = append(rowErrs, RowError(r.Line, "staff_id", "duplicate staff_id %q: also on row %d", p.StaffID, prev))
		} else {
			staffLine[p.StaffID] = r.Line
		}
		code := r.Cells["school_code"]
		switch {
		case code == "":
			rowErrs = append(rowErrs, RowError(r.Line, "school_code", "required"))
		case !schoolExists(code):
			rowErrs = append(rowErrs, RowError(r.Line, "school_code", "no school with code %q in this district; import schools first", code))
		default:
			if prev, dup := schoolLine[code]; dup {
				rowErrs = append(rowErrs, RowError(r.Line, "school_code", "school %q already has a head teacher on row %d", code, prev))
			} else {
				schoolLine[code] = r.Line
			}
		}
		start := r.Cells["start_date"]
		if start == "" {
			start = today
		} else if _, err := parseDate(start); err != nil {
			rowErrs = append(rowErrs, RowError(r.Line, "start_date", "YYYY-MM-DD"))
		}
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		out = append(out, HeadTeacherRow{Line: r.Line, Person: p, SchoolCode: code, StartDate: start})
	}
	return out, errs
}

// HeadTeacherRole is the profile's school-scoped role: the head teacher.
func HeadTeacherRole(t Tenant) (profile.Role, bool) {
	for _, r := range t.Profile.Spec().Roles {
		if r.Scope == profile.ScopeSchool {
			return r, true
		}
	}
	return profile.Role{}, false
}

func unitsByName(t Tenant) map[string]string {
	m := map[string]string{}
	for _, u := range t.Profile.UnitsUnder(t.Code, t.Profile.SchoolLevel().Key) {
		m[strings.ToLower(u.Name)] = u.Code
	}
	return m
}
