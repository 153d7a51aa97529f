package http

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	nethttp "net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
)

func (a *API) getProgramme(c *gin.Context) error {
	return web.JSON(c, nethttp.StatusOK, programmeOf(c))
}

// enrolmentView is an enrolment with its portfolio's progress, computed now.
type enrolmentView struct {
	domain.Enrolment
	Progress domain.PortfolioProgress `json:"progress"`
}

// respond answers a change of an enrolment: its view, with the new version as ETag.
func (a *API) respond(c *gin.Context, e domain.Enrolment, ver int64) error {
	v, err := a.view(c, e)
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, v)
}

func (a *API) view(c *gin.Context, e domain.Enrolment) (enrolmentView, error) {
	evs, err := a.Store.EvidenceOf(c.Request.Context(), tenantOf(c), e.PersonID)
	if err != nil {
		return enrolmentView{}, err
	}
	return enrolmentView{Enrolment: e, Progress: domain.Progress(programmeOf(c), e.PersonID, evs)}, nil
}

func (a *API) listEnrolments(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var f bson.D
	for _, q := range []string{"person_id", "status", "cohort", "assessor_id"} {
		if v := c.Query(q); v != "" {
			f = append(f, bson.E{Key: q, Value: v})
		}
	}
	p := auth.From(c)
	if p.Unit != "" || !p.HasRole(readers...) {
		f = append(f, bson.E{Key: "person_id", Value: p.Subject}) // a leader sees their own
	}
	items, next, err := a.Store.Enrolments.List(c.Request.Context(), tenantOf(c), f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Enrolment]{Items: items, NextCursor: next})
}

type enrolFields struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
	Unit     string `json:"unit"`
	Cohort   string `json:"cohort"`
}

func (a *API) createEnrolment(c *gin.Context) error {
	var f enrolFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	p := programmeOf(c)
	idx := service.TenantOf(c).Profile
	now := a.Now()
	cohort := f.Cohort
	if cohort == "" {
		cohort = domain.Cohort(idx.Spec(), idx.Date(now))
	}
	en, err := domain.NewEnrolment(p, idx, t, events.NewID(), domain.EnrolFields{PersonID: f.PersonID, Role: f.Role, Unit: f.Unit,
		Source: domain.SourceManual, Cohort: cohort, By: auth.From(c).Subject}, now)
	if err != nil {
		return err
	}
	ev, err := events.ForEnrolment(events.EnrolmentCreated, t, en)
	if err != nil {
		return err
	}
	if err := a.Store.Enrolments.Insert(c.Request.Context(), t, en.ID, en, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			return problem.New(problem.Conflict, "%s already has a live enrolment", f.PersonID)
		}
		return err
	}
	v, err := a.view(c, en)
	if err != nil {
		return err
	}
	return web.Created(c, en.ID, v)
}

// enrolment reads an enrolment the caller may see (404 otherwise).
func (a *API) enrolment(c *gin.Context) (domain.Enrolment, int64, error) {
	e, ver, err := a.Store.Enrolments.Get(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return e, 0, err
	}
	if !reader(c, e.PersonID) {
		return e, 0, notFound("enrolment")
	}
	return e, ver, nil
}

func (a *API) getEnrolment(c *gin.Context) error {
	e, ver, err := a.enrolment(c)
	if err != nil {
		return err
	}
	return a.respond(c, e, ver)
}

// portfolio is the evidence counting for an enrolment's leader, with its progress.
type portfolio struct {
	Items    []domain.Evidence        `json:"items"`
	Progress domain.PortfolioProgress `json:"progress"`
}

func (a *API) listPortfolio(c *gin.Context) error {
	e, _, err := a.enrolment(c)
	if err != nil {
		return err
	}
	evs, err := a.Store.EvidenceOf(c.Request.Context(), tenantOf(c), e.PersonID)
	if err != nil {
		return err
	}
	if r := c.Query("requirement"); r != "" {
		evs = slices.DeleteFunc(evs, func(ev domain.Evidence) bool { return ev.Requirement != r })
	}
	return web.JSON(c, nethttp.StatusOK, portfolio{Items: evs, Progress: domain.Progress(programmeOf(c), e.PersonID, evs)})
}

func (a *API) submit(c *gin.Context) error {
	e, _, err := a.enrolment(c)
	if err != nil {
		return err
	}
	if auth.From(c).Subject != e.PersonID {
		return problem.New(problem.Forbidden, "only the leader submits their portfolio")
	}
	t, p := tenantOf(c), programmeOf(c)
	evs, err := a.Store.EvidenceOf(c.Request.Context(), t, e.PersonID)
	if err != nil {
		return err
	}
	e, ver, err := a.Store.Enrolments.Update(c.Request.Context(), t, e.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		if err := x.Submit(p, evs, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.ForSubmission(t, *x)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return a.respond(c, e, ver)
}

// upload stores a document in GridFS and the evidence that names it. The type is sniffed
// from the bytes (the client's Content-Type is not trusted); the size and type limits are
// the programme's. Fields are checked before the file is stored, and the file is removed
// again if the evidence cannot be written, so nothing is left half-written.
func (a *API) upload(c *gin.Context) error {
	t, p := tenantOf(c), programmeOf(c)
	ctx := c.Request.Context()
	uploader := auth.From(c).Subject
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return problem.New(problem.UnsupportedMediaType, "send the upload as multipart/form-data with a file part and the fields requirement, title, date, team_member_ids")
	}
	if err := c.Request.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *nethttp.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.New(problem.TooLarge, "the upload exceeds %d bytes", p.MaxUploadBytes)
		}
		return problem.Wrap(problem.Malformed, err, "the multipart body could not be read")
	}
	defer func() { _ = c.Request.MultipartForm.RemoveAll() }()
	form := c.Request.MultipartForm
	value := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var team []string
	for _, v := range form.Value["team_member_ids"] {
		for _, m := range strings.Split(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				team = append(team, m)
			}
		}
	}
	f := domain.UploadFields{Requirement: value("requirement"), Title: value("title"), Date: value("date"), TeamMembers: team}
	enrolled := func(person string) bool {
		_, _, err := a.Store.LiveEnrolment(ctx, t, person)
		return err == nil
	}
	errs := domain.CheckUpload(p, uploader, f, enrolled)
	files := form.File["file"]
	if len(files) != 1 {
		errs = append(errs, problem.Field("file", "exactly one file part is required"))
	}
	if len(errs) > 0 {
		return problem.Fields("the upload is not valid", errs...)
	}
	own, _, err := a.Store.LiveEnrolment(ctx, t, uploader)
	if err != nil {
		return problem.New(problem.Forbidden, "only leaders with a live enrolment upload evidence")
	}
	if !own.Open() {
		return problem.New(problem.Conflict, "your portfolio is %s: it is locked until an assessor asks for a resubmission", own.Status)
	}
	fh := files[0]
	if fh.Size > p.MaxUploadBytes {
		return problem.New(problem.TooLarge, "the file is %d bytes; the limit is %d", fh.Size, p.MaxUploadBytes)
	}
	if fh.Size == 0 {
		return problem.Fields("the upload is not valid", problem.Field("file", "the file is empty"))
	}
	ctype, err := sniff(fh)
	if err != nil {
		return err
	}
	if !slices.Contains(p.UploadTypes, ctype) {
		return problem.New(problem.UnsupportedMediaType, "the file's content is %s; the programme accepts %s", ctype, strings.Join(p.UploadTypes, ", "))
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	sum := sha256.New()
	name := fh.Filename
	if len(name) > 200 {
		name = name[:200]
	}
	fileID, err := a.Store.PutFile(ctx, t, name, ctype, io.TeeReader(file, sum))
	if err != nil {
		return err
	}
	ev := domain.Uploaded(events.NewID(), uploader, f, domain.File{GridFSID: fileID, Name: name, ContentType: ctype, Size: fh.Size,
		SHA256: hex.EncodeToString(sum.Sum(nil))}, profile.EvidenceUpload, a.Now())
	e, err := events.ForEvidence(t, ev)
	if err == nil {
		_, err = a.Store.AddEvidence(ctx, t, ev, e)
	}
	if err != nil {
		_ = a.Store.DeleteFile(ctx, t, fileID)
		return err
	}
	return web.Created(c, ev.ID, ev)
}

// sniff decides a file's type from its first bytes.
func sniff(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	mt, _, _ := mime.ParseMediaType(nethttp.DetectContentType(head[:n]))
	return mt, nil
}

func (a *API) evidence(c *gin.Context) (domain.Evidence, int64, error) {
	ev, ver, err := a.Store.Evidence.Get(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return ev, 0, err
	}
	if !slices.ContainsFunc(ev.Owners, func(o string) bool { return reader(c, o) }) {
		return ev, 0, notFound("evidence")
	}
	return ev, ver, nil
}

func (a *API) getEvidence(c *gin.Context) error {
	ev, ver, err := a.evidence(c)
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, ev)
}

func (a *API) getFile(c *gin.Context) error {
	ev, _, err := a.evidence(c)
	if err != nil {
		return err
	}
	if ev.File == nil {
		return problem.New(problem.NotFound, "this evidence was collected from the platform's records and has no file")
	}
	r, err := a.Store.OpenFile(c.Request.Context(), tenantOf(c), ev.File.GridFSID)
	if err != nil {
		return err
	}
	defer r.Close()
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ev.File.Name}))
	c.Header("X-Content-Type-Options", "nosniff")
	c.DataFromReader(nethttp.StatusOK, ev.File.Size, ev.File.ContentType, r, nil)
	return nil
}

type mappingsBody struct {
	Mappings []domain.Mapping `json:"mappings"`
}

// setMappings replaces an item's competency mappings (If-Match). Only an owner whose
// portfolio is open may change them: a submitted portfolio's snapshot is what is assessed.
func (a *API) setMappings(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var b mappingsBody
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	if b.Mappings == nil {
		return problem.Fields("the mappings are not valid", problem.Field("mappings", "required (an empty list removes every mapping)"))
	}
	t, p := tenantOf(c), programmeOf(c)
	me := auth.From(c).Subject
	ev, _, err := a.evidence(c)
	if err != nil {
		return err
	}
	if !slices.Contains(ev.Owners, me) {
		return problem.New(problem.Forbidden, "only the leaders whose portfolio this evidence is in map it")
	}
	own, _, err := a.Store.LiveEnrolment(c.Request.Context(), t, me)
	if err != nil {
		return problem.New(problem.Conflict, "you have no live enrolment")
	}
	if !own.Open() {
		return problem.New(problem.Conflict, "your portfolio is %s: it is locked until an assessor asks for a resubmission", own.Status)
	}
	ev, ver, err := a.Store.Evidence.Update(c.Request.Context(), t, ev.ID, ifMatch, func(x *domain.Evidence) ([]mongox.Event, error) {
		return nil, x.SetMappings(p, b.Mappings)
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, ev)
}
