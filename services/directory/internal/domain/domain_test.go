package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
)

func gasabo(t testing.TB) domain.Tenant {
	t.Helper()
	p, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	return domain.Tenant{Code: "rw-gasabo", Profile: profile.NewIndex(p)}
}

func fields(err error) string {
	var fs []string
	for _, f := range problem.From(err, "").Errors {
		fs = append(fs, f.Field)
	}
	return strings.Join(fs, ",")
}

func TestNewSchool(t *testing.T) {
	tn := gasabo(t)
	now := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		in         domain.SchoolFields
		wantFields string
	}{
		{"valid", domain.SchoolFields{Code: "GS-001", Name: "  G.S.  Kimironko ", Unit: "rw-gasabo-kimironko"}, ""},
		{"missing all", domain.SchoolFields{}, "code,name,unit"},
		{"sector of another district", domain.SchoolFields{Code: "X1", Name: "n", Unit: "rw-kicukiro-niboye"}, "unit"},
		{"district is not a school level", domain.SchoolFields{Code: "X1", Name: "n", Unit: "rw-gasabo"}, "unit"},
		{"bad code", domain.SchoolFields{Code: "$gt", Name: "n", Unit: "rw-gasabo-kimironko"}, "code"},
		{"bad ownership and status", domain.SchoolFields{Code: "X1", Name: "n", Unit: "rw-gasabo-kimironko", Ownership: "state", Status: "gone"}, "ownership,status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := domain.NewSchool(tn, tt.in, now)
			if got := fields(err); got != tt.wantFields {
				t.Fatalf("invalid fields %q, want %q (%v)", got, tt.wantFields, err)
			}
			if err == nil && (s.Name != "G.S. Kimironko" || s.Ownership != "public" || s.Status != "open" || len(s.ID) != 36) {
				t.Fatalf("school %+v", s)
			}
		})
	}
}

func TestSchoolApplyReportsChange(t *testing.T) {
	tn := gasabo(t)
	s, err := domain.NewSchool(tn, domain.SchoolFields{Code: "A", Name: "A", Unit: "rw-gasabo-remera"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := s.Apply(tn, s.Fields(), time.Now()); changed || err != nil {
		t.Fatalf("same fields: changed=%v err=%v", changed, err)
	}
	f := s.Fields()
	f.Name = "B"
	if changed, err := s.Apply(tn, f, time.Now()); !changed || err != nil || s.Name != "B" {
		t.Fatalf("new name: changed=%v err=%v %+v", changed, err, s)
	}
	if units := s.Units(tn); strings.Join(units, " ") != "rw-kigali rw-gasabo rw-gasabo-remera "+s.ID {
		t.Fatalf("units %v", units)
	}
}

func TestCheckRole(t *testing.T) {
	tn := gasabo(t)
	ok := domain.RoleTarget{PersonExists: true, SchoolExists: true}
	tests := []struct {
		name   string
		in     domain.RoleFields
		target domain.RoleTarget
		want   string
	}{
		{"head teacher of a school", domain.RoleFields{PersonID: "p", Role: "ht", Unit: "s", StartDate: "2027-01-01"}, ok, ""},
		{"LLL of a sector", domain.RoleFields{PersonID: "p", Role: "lll", Unit: "rw-gasabo-remera", StartDate: "2027-01-01"}, ok, ""},
		{"DEO of the district", domain.RoleFields{PersonID: "p", Role: "deo", Unit: "rw-gasabo", StartDate: "2027-01-01"}, ok, ""},
		{"LLL of a district", domain.RoleFields{PersonID: "p", Role: "lll", Unit: "rw-gasabo", StartDate: "2027-01-01"}, ok, "unit"},
		{"LLL of another district's sector", domain.RoleFields{PersonID: "p", Role: "lll", Unit: "rw-kicukiro-niboye", StartDate: "2027-01-01"}, ok, "unit"},
		{"head teacher of no school", domain.RoleFields{PersonID: "p", Role: "ht", Unit: "s", StartDate: "2027-01-01"}, domain.RoleTarget{PersonExists: true}, "unit"},
		{"unknown role and person", domain.RoleFields{PersonID: "p", Role: "king", Unit: "s", StartDate: "2027-01-01"}, domain.RoleTarget{}, "person_id,role"},
		{"national role", domain.RoleFields{PersonID: "p", Role: "analyst", Unit: "rw", StartDate: "2027-01-01"}, ok, "role"},
		{"dates", domain.RoleFields{PersonID: "p", Role: "ht", Unit: "s", StartDate: "2027-02-01", EndDate: "2027-01-01"}, ok, "end_date"},
		{"no start", domain.RoleFields{PersonID: "p", Role: "ht", Unit: "s"}, ok, "start_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range domain.CheckRole(tn, tt.in, tt.target) {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("fields %v, want %q", got, tt.want)
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantRows int
		want     string // the fields of the errors
	}{
		{"good", "code,name,unit\nA,School A,Remera\nB,School B,rw-gasabo-remera\n", 2, ""},
		{"bom, spaces, blank line, case", "\xef\xbb\xbfCode, Name ,UNIT\nA,School A,Remera\n\n", 1, ""},
		{"wrong header", "id,title,unit\nA,B,C\n", 0, "row 1, column id,row 1, column title,row 1, column code,row 1, column name"},
		{"column twice", "code,name,unit,code\n", 0, "row 1, column code"},
		{"empty", "", 0, "row 1"},
		{"header only", "code,name,unit\n", 0, "row 2"},
		{"field count", "code,name,unit\nA,B\nC,D,E\n", 1, "row 2"},
		{"latin-1", "code,name,unit\nA,\xe9cole,Remera\n", 1, "row 2, column name"},
		{"bad quote", "code,name,unit\nA,\"B,C\n", 0, "row 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs := domain.ReadCSV(strings.NewReader(tt.in), domain.SchoolColumns)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != tt.want || len(rows) != tt.wantRows {
				t.Fatalf("rows %d errors %v; want %d rows, errors %q", len(rows), errs, tt.wantRows, tt.want)
			}
		})
	}
}

func TestSchoolRows(t *testing.T) {
	tn := gasabo(t)
	rows, errs := domain.ReadCSV(strings.NewReader("code,name,unit,ownership\n"+
		"A,School A,Remera,\n"+
		"B,School B,rw-gasabo-kimironko,private\n"+
		"A,Again,Remera,\n"+
		",No code,Atlantis,state\n"), domain.SchoolColumns)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	good, errs := domain.SchoolRows(tn, rows)
	if len(good) != 2 || good[0].Fields.Unit != "rw-gasabo-remera" {
		t.Fatalf("good rows %+v", good)
	}
	want := []string{`row 4, column code: duplicate code "A": also on row 2`, "row 5, column code", "row 5, column unit", "row 5, column ownership"}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for i, w := range want {
		if got := errs[i].Field + ": " + errs[i].Detail; !strings.HasPrefix(got, w) {
			t.Errorf("error %d = %q, want prefix %q", i, got, w)
		}
	}
}

func TestHeadTeacherRows(t *testing.T) {
	rows, errs := domain.ReadCSV(strings.NewReader("staff_id,given_name,family_name,school_code,email,start_date\n"+
		"T1,Aline,Uwase,A,aline@example.org,\n"+
		"T1,Jean,Habimana,B,,2027-13-01\n"+
		"T2,Eric,,A,not-an-email,\n"+
		"T3,Marie,Mukamana,Z,,\n"), domain.HeadTeacherColumns)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	known := map[string]bool{"A": true, "B": true}
	good, errs := domain.HeadTeacherRows(rows, func(c string) bool { return known[c] }, "2027-01-10")
	if len(good) != 1 || good[0].StartDate != "2027-01-10" || good[0].Person.StaffID != "T1" {
		t.Fatalf("good %+v", good)
	}
	got := fmt.Sprint(len(errs))
	if got != "6" {
		t.Fatalf("%d errors: %v", len(errs), errs)
	}
}

func FuzzImportSchools(f *testing.F) {
	f.Add("code,name,unit\nA,School A,Remera\n")
	f.Add("code,name,unit,status\n\"A\"\"\",B,rw-gasabo-remera,open\n")
	tn := gasabo(f)
	f.Fuzz(func(t *testing.T, in string) {
		rows, errs := domain.ReadCSV(strings.NewReader(in), domain.SchoolColumns)
		if len(errs) > 0 {
			return
		}
		good, bad := domain.SchoolRows(tn, rows)
		for _, g := range good {
			if g.Fields.Code == "" || !tn.HasSchoolUnit(g.Fields.Unit) {
				t.Fatalf("accepted an invalid row %+v", g)
			}
		}
		if len(good)+len(bad) < len(rows) && len(bad) == 0 {
			t.Fatalf("rows lost: %d in, %d good, %d errors", len(rows), len(good), len(bad))
		}
	})
}

// FuzzImportHeadTeachers: any head-teacher CSV is read into rows or errors naming a row
// and column; an accepted row always names a known school and a staff id, and no school
// gets two head teachers from one file.
func FuzzImportHeadTeachers(f *testing.F) {
	f.Add("staff_id,given_name,family_name,school_code\nT1,Ann,Uwase,S1\n")
	f.Add("staff_id,given_name,family_name,school_code,start_date\nT1,Ann,Uwase,S1,2020-13-01\nT2,Bo,K,S1,\n")
	f.Add("staff_id,given_name,family_name,school_code\n\"T1,Ann\n")
	known := map[string]bool{"S1": true, "S2": true}
	f.Fuzz(func(t *testing.T, in string) {
		rows, errs := domain.ReadCSV(strings.NewReader(in), domain.HeadTeacherColumns)
		if len(errs) > 0 {
			return
		}
		good, bad := domain.HeadTeacherRows(rows, func(c string) bool { return known[c] }, "2027-01-11")
		seen := map[string]bool{}
		for _, g := range good {
			if g.Person.StaffID == "" || !known[g.SchoolCode] || seen[g.SchoolCode] {
				t.Fatalf("accepted an invalid row %+v", g)
			}
			seen[g.SchoolCode] = true
		}
		for _, e := range bad {
			if !strings.HasPrefix(e.Field, "row ") {
				t.Fatalf("error without a row: %+v", e)
			}
		}
	})
}
