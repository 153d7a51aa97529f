package directory_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

type report struct {
	Rows, Created, Updated, Unchanged, Rejected int
	Errors                                      []struct{ Field, Detail string }
}

func importCSV(t *testing.T, env *servicetest.Env, tok, kind, query, csv string) (*servicetest.Response, report) {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/imports/" + kind + query, Token: tok, Body: csv, ContentType: "text/csv"})
	var rep report
	if r.Status == 200 {
		r.JSON(t, &rep)
	}
	return r, rep
}

func TestImportSchools(t *testing.T) {
	env, tok := start(t)
	csv := "code,name,unit,ownership\n" +
		"GAS-KIM-01,G.S. Kimironko I,Kimironko,public\n" +
		"GAS-KIM-02,E.P. Kimironko II,rw-gasabo-kimironko,government_aided\n" +
		"GAS-REM-01,G.S. Remera I,remera,\n"
	r, rep := importCSV(t, env, tok, "schools", "", csv)
	if r.Status != 200 || rep.Created != 3 || rep.Rows != 3 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	// Re-importing the same file changes nothing.
	if _, rep = importCSV(t, env, tok, "schools", "", csv); rep.Unchanged != 3 || rep.Created+rep.Updated != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
	// A renamed school is updated, nothing else.
	if _, rep = importCSV(t, env, tok, "schools", "", strings.Replace(csv, "G.S. Remera I", "G.S. Remera One", 1)); rep.Updated != 1 || rep.Unchanged != 2 {
		t.Fatalf("changed row: %+v", rep)
	}
	if n := countSchools(t, env, tok); n != 3 {
		t.Fatalf("%d schools", n)
	}
}

func TestImportRejectsBadFilesWhole(t *testing.T) {
	env, tok := start(t)
	tests := []struct {
		name   string
		csv    string
		ct     string
		status int
		fields []string
	}{
		{"wrong header", "id,title\nA,B\n", "text/csv", 422, []string{"row 1, column id", "row 1, column title", "row 1, column code"}},
		{"bad encoding", "code,name,unit\nA,\xe9cole,Remera\n", "text/csv", 422, []string{"row 2, column name"}},
		{"duplicate codes and unknown sector", "code,name,unit\nA,One,Remera\nB,Two,Atlantis\nA,Three,Remera\n", "text/csv", 422,
			[]string{"row 3, column unit", "row 4, column code"}},
		{"not CSV content type", "code,name,unit\n", "application/json", 415, nil},
		{"empty", "", "text/csv", 422, []string{"row 1"}},
		// An unterminated quote once made the CSV reader panic (500); found by FuzzImportHeadTeachers.
		{"unterminated quote", "code,name,unit\nA,One,Remera\n\"B,Two,Remera\n", "text/csv", 422, []string{"row 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(servicetest.Request{Method: "POST", Path: base + "/imports/schools", Token: tok, Body: tt.csv, ContentType: tt.ct})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			p := r.Problem(t)
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Field)
			}
			for _, want := range tt.fields {
				if !strings.Contains(strings.Join(got, "|"), want) {
					t.Errorf("errors %v do not name %q", got, want)
				}
			}
		})
	}
	if n := countSchools(t, env, tok); n != 0 {
		t.Fatalf("a rejected import wrote %d schools", n)
	}
	// With mode=valid the good rows go in and the bad ones are reported.
	r, rep := importCSV(t, env, tok, "schools", "?mode=valid", "code,name,unit\nA,One,Remera\nB,Two,Atlantis\n")
	if r.Status != 200 || rep.Created != 1 || rep.Rejected != 1 || len(rep.Errors) != 1 || rep.Errors[0].Field != "row 3, column unit" {
		t.Fatalf("mode=valid: %d %s", r.Status, r.Body)
	}
	// A dry run reports without writing.
	if _, rep = importCSV(t, env, tok, "schools", "?dry_run=true", "code,name,unit\nC,Three,Remera\n"); rep.Created != 1 {
		t.Fatalf("dry run: %+v", rep)
	}
	if n := countSchools(t, env, tok); n != 1 {
		t.Fatalf("after mode=valid and a dry run: %d schools, want 1", n)
	}
}

func TestImportHeadTeachers(t *testing.T) {
	env, tok := start(t)
	importCSV(t, env, tok, "schools", "", "code,name,unit\nS1,One,Remera\nS2,Two,Remera\n")
	hts := "staff_id,given_name,family_name,school_code,gender\nT1,Aline,Uwase,S1,female\nT2,Jean,Habimana,S2,male\n"
	r, rep := importCSV(t, env, tok, "head-teachers", "", hts)
	if r.Status != 200 || rep.Created != 2 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if _, rep = importCSV(t, env, tok, "head-teachers", "", hts); rep.Unchanged != 2 {
		t.Fatalf("re-import: %+v", rep)
	}
	// A new head teacher for S1: the previous one's assignment ends.
	if _, rep = importCSV(t, env, tok, "head-teachers", "?mode=valid", "staff_id,given_name,family_name,school_code,start_date\nT3,Marie,Mukamana,S1,2027-01-04\n"); rep.Created != 1 {
		t.Fatalf("replacement: %+v", rep)
	}
	var roles page[struct {
		PersonID string `json:"person_id"`
		Unit     string
		EndDate  string `json:"end_date"`
	}]
	env.Do(servicetest.Request{Method: "GET", Path: base + "/role-assignments?role=ht", Token: tok}).JSON(t, &roles)
	active := 0
	for _, ra := range roles.Items {
		if ra.EndDate == "" {
			active++
		}
	}
	if len(roles.Items) != 3 || active != 2 {
		t.Fatalf("assignments %+v", roles.Items)
	}
	r, _ = importCSV(t, env, tok, "head-teachers", "", "staff_id,given_name,family_name,school_code\nT9,No,School,NOPE\n")
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "row 2, column school_code" {
		t.Fatalf("unknown school: %d %+v", r.Status, p)
	}
}

func TestImportOneRoster(t *testing.T) {
	env, tok := start(t)
	orgs := "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" +
		"d1,active,2027-01-01,Gasabo,district,rw-gasabo,\n" +
		"s1,active,2027-01-01,Remera,local,rw-gasabo-remera,d1\n" +
		"o1,active,2027-01-01,G.S. Remera I,school,GAS-REM-01,s1\n" +
		"o2,active,2027-01-01,G.S. Remera II,school,,s1\n"
	users := "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email\n" +
		"u1,active,2027-01-01,true,auwase,,Aline,Uwase,,RW-T-1,aline@example.org\n"
	roles := "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n" +
		"r1,active,2027-01-01,u1,primary,principal,2027-01-04,,o1,\n"
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for name, content := range map[string]string{"orgs": orgs, "users": users, "roles": roles} {
		fw, _ := w.CreateFormFile(name, name+".csv")
		fmt.Fprint(fw, content)
	}
	_ = w.Close()
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/imports/oneroster", Token: tok, Body: buf.Bytes(), ContentType: w.FormDataContentType()})
	var rep report
	r.JSON(t, &rep)
	if r.Status != 200 || rep.Created != 3 {
		t.Fatalf("oneroster: %d %s", r.Status, r.Body)
	}
	var sp page[school]
	env.Do(servicetest.Request{Method: "GET", Path: base + "/schools?code=o2", Token: tok}).JSON(t, &sp)
	if len(sp.Items) != 1 || sp.Items[0].Unit != "rw-gasabo-remera" {
		t.Fatalf("school without identifier keyed by sourcedId: %+v", sp.Items)
	}
}
