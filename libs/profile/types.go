package profile

// APIVersion and Kind identify a profile manifest. They are the group/version
// and kind the tenant operator registers for its CountryProfile CRD, so the
// shipped YAML files can be applied to a cluster unchanged.
const (
	APIVersion = "l4l.org/v1alpha1"
	Kind       = "CountryProfile"
)

// Reserved role scopes. A role acts either at one of the profile's geography
// levels or at one of these two, which exist in every country and so are not
// listed as levels: a single school, or the whole country.
const (
	ScopeSchool  = "school"
	ScopeCountry = "country"
)

// PLC frequencies. "termly" follows the profile's school terms rather than a
// fixed number of weeks, because term lengths differ between countries and
// years.
const (
	FrequencyWeekly      = "weekly"
	FrequencyFortnightly = "fortnightly"
	FrequencyMonthly     = "monthly"
	FrequencyTermly      = "termly"
	FrequencyYearly      = "yearly"
)

// Eligibility rule kinds.
const (
	// EligibilityMinimum is a counted requirement: the candidate's value
	// (e.g. years as head teacher) must be at least Min.
	EligibilityMinimum = "minimum"
	// EligibilityEvidence is a yes/no requirement the panel confirms from
	// evidence (e.g. a school improvement plan focused on learning).
	EligibilityEvidence = "evidence"
)

// Accreditation evidence sources.
const (
	// EvidenceAutomatic evidence is collected by the platform from other
	// services' events (PLC sessions led, observed coaching sessions).
	EvidenceAutomatic = "automatic"
	// EvidenceUpload evidence is uploaded by the leader (reflections, the
	// group project).
	EvidenceUpload = "upload"
)

// Document is a profile as a Kubernetes manifest: what the YAML files hold and
// what `kubectl apply` sends. The operator's own CountryProfile type has real
// ObjectMeta; this one carries only what a profile file needs, so it has no
// Kubernetes dependency.
type Document struct {
	// APIVersion must be [APIVersion].
	APIVersion string `json:"apiVersion"`
	// Kind must be [Kind].
	Kind string `json:"kind"`
	// Metadata names the profile; the name must equal Spec.Country.
	Metadata Metadata `json:"metadata"`
	// Spec is the profile itself.
	Spec Spec `json:"spec"`
}

// Metadata is the subset of Kubernetes object metadata a profile file may
// carry. Labels and annotations are accepted because manifests managed by
// kustomize, Helm or GitOps tools routinely gain them.
type Metadata struct {
	// Name is the profile's name, the country code ("rw", "ke").
	Name string `json:"name"`
	// Labels are passed through untouched.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are passed through untouched.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec is a country profile. It is the spec of the CountryProfile CRD, so it
// must stay plain data (see the package documentation).
type Spec struct {
	// Country is the ISO 3166-1 alpha-2 code in lower case ("rw", "ke"). It
	// prefixes every unit code and names the /v1/countries/{country} routes,
	// so it must not change once a profile is in use.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}$`
	Country string `json:"country"`
	// Name is the country's name as shown to users.
	Name string `json:"name"`
	// Programme names the leadership programme this profile configures.
	Programme string `json:"programme,omitempty"`
	// Locale is the default BCP 47 locale for formatting and messages
	// ("en-RW").
	Locale string `json:"locale"`
	// Languages lists further BCP 47 locales users may choose.
	Languages []string `json:"languages,omitempty"`
	// TimeZone is an IANA time zone name ("Africa/Kigali"). Calendar dates,
	// PLC schedules and "today" in KPIs are in this zone.
	TimeZone string `json:"timeZone"`
	// Geography is the hierarchy of administrative units.
	Geography Geography `json:"geography"`
	// Roles are the people's roles, with the level they act at and quotas.
	Roles []Role `json:"roles"`
	// Competencies is the leadership standards framework head teachers are
	// rated against.
	Competencies CompetencyFramework `json:"competencies"`
	// PLCs are the Professional Learning Communities the programme runs, one
	// entry per kind (e.g. sector PLC, district PLC).
	PLCs []PLC `json:"plcs"`
	// Calendar holds school years, terms and public holidays.
	Calendar Calendar `json:"calendar"`
	// Recruitment holds the rules for recruiting leaders of learning.
	Recruitment Recruitment `json:"recruitment"`
	// Caseloads limit how many people one person may coach.
	Caseloads []Caseload `json:"caseloads,omitempty"`
	// Accreditation is the certificate programme leaders are enrolled on; a
	// country without one leaves it out.
	Accreditation *Accreditation `json:"accreditation,omitempty"`
	// Retention sets how long kinds of personal records live before the
	// services' daily retention job deletes them (docs/privacy.md). A kind
	// the profile leaves out keeps the platform's default lifetime.
	Retention []RetentionPeriod `json:"retention,omitempty"`
}

// RetentionPeriod is how long one kind of record lives, counted from the date
// the record says it ended (an audit entry: when it was written; a rejected
// application: when its campaign was ranked or it was withdrawn).
type RetentionPeriod struct {
	// Record is a kind of record the platform knows ([RetentionRecords]).
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
	Record string `json:"record"`
	// Keep is a calendar lifetime: a whole number of days, months or years
	// ("90d", "18m", "2y").
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{0,3}[dmy]$`
	Keep string `json:"keep"`
}

// Geography is a country's administrative hierarchy down to the level schools
// attach to. Schools themselves are not here: they are tenant data owned by
// the directory service and change far more often than a profile.
type Geography struct {
	// Levels are ordered from the top (Rwanda: province, district, sector).
	// +kubebuilder:validation:MinItems=1
	Levels []Level `json:"levels"`
	// TenantLevel is the key of the level whose units are tenants (Rwanda:
	// district). It is a single field rather than a flag on each level so that
	// "exactly one tenant level" holds by construction.
	TenantLevel string `json:"tenantLevel"`
	// SchoolLevel is the key of the level schools attach to (Rwanda: sector).
	// It is the tenant level or below it.
	SchoolLevel string `json:"schoolLevel"`
	// Units is a flat list of all units; each names its parent one level up.
	// A flat list keeps the CRD schema non-recursive and diffs readable.
	Units []Unit `json:"units"`
}

// Level is one level of the administrative hierarchy.
type Level struct {
	// Key identifies the level in units, roles and PLCs ("district",
	// "sub_county"). "school" and "country" are reserved role scopes.
	Key string `json:"key"`
	// Name is the display name ("District").
	Name string `json:"name"`
}

// Unit is one administrative unit.
type Unit struct {
	// Code is a lowercase slug prefixed by the country code
	// ("rw-gasabo-kimironko"), at most 63 characters so that a tenant's code
	// can serve as a Kubernetes object name, label value and database name.
	Code string `json:"code"`
	// Name is the unit's official name.
	Name string `json:"name"`
	// Level is the key of the unit's level.
	Level string `json:"level"`
	// Parent is the code of the unit one level up; empty for the top level.
	Parent string `json:"parent,omitempty"`
	// Ref is the unit's identifier in an external register (e.g. Kenya's
	// county code "047"), kept for matching EMIS and census imports.
	Ref string `json:"ref,omitempty"`
}

// Role is a role a person can hold. Services never hard-code role keys beyond
// what the profile names, so a country can rename or add roles.
type Role struct {
	// Key identifies the role in tokens, assignments and rules ("lll").
	Key string `json:"key"`
	// Name is the display name ("Local Leader of Learning").
	Name string `json:"name"`
	// Abbreviation is the short form used in the field ("LLL").
	Abbreviation string `json:"abbreviation,omitempty"`
	// Scope is where the role acts: a geography level key, [ScopeSchool] or
	// [ScopeCountry]. Authorization scopes a role holder to one unit of it.
	Scope string `json:"scope"`
	// Quota, when set, is how many holders of the role each unit of a level
	// should have; recruitment appoints to it.
	Quota *Quota `json:"quota,omitempty"`
	// Coaches lists the role keys this role coaches; together they form the
	// coaching chain (Rwanda: SLA → NLL → LLL → HT).
	Coaches []string `json:"coaches,omitempty"`
	// Description says what the role does.
	Description string `json:"description,omitempty"`
}

// Quota is a target number of role holders per unit of a level.
type Quota struct {
	// PerLevel is the geography level key the count applies to.
	PerLevel string `json:"perLevel"`
	// Count is the number of holders per unit of that level.
	// +kubebuilder:validation:Minimum=1
	Count int `json:"count"`
}

// CompetencyFramework is the set of leadership standards head teachers are
// rated against, and the scale they are rated on.
type CompetencyFramework struct {
	// Name names the framework.
	Name string `json:"name"`
	// Areas are the standards, numbered from 1 in list order.
	Areas []CompetencyArea `json:"areas"`
	// Levels is the rating scale, listed in order as 1..N without gaps.
	Levels []PerformanceLevel `json:"levels"`
	// MeetsStandardLevel is the lowest level at which a head teacher "meets
	// the standard" in an area — the threshold behind the programme's headline
	// KPI (41% → 66% → 98% of head teachers meeting the standards).
	MeetsStandardLevel int `json:"meetsStandardLevel"`
}

// CompetencyArea is one leadership standard.
type CompetencyArea struct {
	// Key identifies the area in ratings ("leading_teaching").
	Key string `json:"key"`
	// Name is the display name.
	Name string `json:"name"`
	// Description explains the area.
	Description string `json:"description,omitempty"`
	// Indicators are what raters look for; keys are unique within the area.
	Indicators []Indicator `json:"indicators"`
}

// Indicator is one observable practice within a competency area.
type Indicator struct {
	// Key identifies the indicator within its area.
	Key string `json:"key"`
	// Name describes the practice.
	Name string `json:"name"`
}

// PerformanceLevel is one step of a rating scale.
type PerformanceLevel struct {
	// Level is the numeric level, from 1.
	Level int `json:"level"`
	// Name is the level's label ("Meeting the standard").
	Name string `json:"name"`
	// Description explains what the level looks like.
	Description string `json:"description,omitempty"`
}

// PLC is one kind of Professional Learning Community and its cadence.
type PLC struct {
	// Key identifies the PLC kind ("sector_plc").
	Key string `json:"key"`
	// Name is the display name.
	Name string `json:"name"`
	// Level is the geography level key: one PLC per unit of this level.
	Level string `json:"level"`
	// Frequency is how often sessions are held.
	// +kubebuilder:validation:Enum=weekly;fortnightly;monthly;termly;yearly
	Frequency string `json:"frequency"`
	// LedBy is the role key of the person who leads sessions.
	LedBy string `json:"ledBy"`
	// With are role keys who attend in support (e.g. the SEO).
	With []string `json:"with,omitempty"`
	// Members are role keys of the unit who are expected to attend.
	Members []string `json:"members"`
	// HostRotation makes the host school change from session to session, so
	// members see each other's schools.
	HostRotation bool `json:"hostRotation,omitempty"`
	// OnlineAllowed lets a session be held online.
	OnlineAllowed bool `json:"onlineAllowed,omitempty"`
	// AllowDuringHolidays lets sessions fall outside school terms or on
	// public holidays. It is false by default because sessions avoid school
	// holidays unless a country decides otherwise.
	AllowDuringHolidays bool `json:"allowDuringHolidays,omitempty"`
	// DurationMinutes is the planned length of a session.
	DurationMinutes int `json:"durationMinutes,omitempty"`
}

// Calendar holds the school years and public holidays. Dates are
// "2006-01-02" strings in the profile's time zone.
type Calendar struct {
	// SchoolYears are listed in chronological order and do not overlap.
	SchoolYears []SchoolYear `json:"schoolYears"`
	// Holidays are public holidays, one entry per date.
	Holidays []Holiday `json:"holidays,omitempty"`
}

// SchoolYear is one school year and its terms.
type SchoolYear struct {
	// Name identifies the year ("2026-2027").
	Name string `json:"name"`
	// Terms are listed in order and do not overlap.
	Terms []Term `json:"terms"`
}

// Term is one school term; the days between terms are school holidays.
type Term struct {
	// Name is the display name ("Term 1").
	Name string `json:"name"`
	// Start is the first day of the term.
	Start string `json:"start"`
	// End is the last day of the term.
	End string `json:"end"`
}

// Holiday is a public holiday.
type Holiday struct {
	// Date is the day of the holiday.
	Date string `json:"date"`
	// Name is the holiday's name.
	Name string `json:"name"`
	// Tentative marks dates that depend on a moon sighting or a gazette
	// notice and may move.
	Tentative bool `json:"tentative,omitempty"`
}

// Recruitment holds the rules for recruiting leaders of learning.
type Recruitment struct {
	// Roles are the role keys appointed through recruitment campaigns.
	Roles []string `json:"roles"`
	// Panel is the selection panel that scores candidates.
	Panel Panel `json:"panel"`
	// Eligibility rules must all hold for an application to be scored.
	Eligibility []EligibilityRule `json:"eligibility"`
	// Criteria make up the scoring rubric; their weights sum to 100.
	Criteria []Criterion `json:"criteria"`
	// Conflicts are the conflict-of-interest rules that make a panel member
	// stand aside for a candidate. A same-school rule is always required.
	Conflicts []ConflictRule `json:"conflicts"`
	// ReserveListSize is how many ranked candidates beyond those appointed a
	// campaign keeps on its reserve list, to replace leaders who leave.
	// +kubebuilder:validation:Minimum=0
	ReserveListSize int `json:"reserveListSize"`
}

// Panel describes the selection panel.
type Panel struct {
	// Name is the panel's name ("District Selection Panel").
	Name string `json:"name"`
	// Level is the geography level key the panel sits at: one panel per unit.
	Level string `json:"level"`
	// Chair is the role key of the panel's chair.
	Chair string `json:"chair"`
	// Members are the role keys of the other panel members.
	Members []string `json:"members,omitempty"`
	// MinMembers is the smallest panel, chair included, that may score.
	// +kubebuilder:validation:Minimum=1
	MinMembers int `json:"minMembers"`
	// SiteVisit requires the panel to visit each candidate's school and
	// collect evidence from teachers, pupils and the community.
	SiteVisit bool `json:"siteVisit,omitempty"`
}

// EligibilityRule is one condition a candidate must meet.
type EligibilityRule struct {
	// Key identifies the rule in applications ("years_as_head_teacher").
	Key string `json:"key"`
	// Description states the rule for candidates and panels.
	Description string `json:"description"`
	// Kind is [EligibilityMinimum] or [EligibilityEvidence].
	// +kubebuilder:validation:Enum=minimum;evidence
	Kind string `json:"kind"`
	// Min is the minimum value for a minimum rule.
	Min int `json:"min,omitempty"`
	// Unit names what Min counts ("years").
	Unit string `json:"unit,omitempty"`
}

// Criterion is one scored competency of the recruitment rubric.
type Criterion struct {
	// Key identifies the criterion in scores ("coaching_skill").
	Key string `json:"key"`
	// Name is the display name.
	Name string `json:"name"`
	// Weight is the criterion's share of the total score, in percent.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Weight int `json:"weight"`
	// Evidence names where panels find evidence for it ("interview",
	// "site_visit").
	Evidence []string `json:"evidence,omitempty"`
	// Levels describe each score, listed in order as 1..N without gaps; all
	// criteria use the same N so weighted scores are comparable.
	Levels []LevelDescriptor `json:"levels"`
}

// LevelDescriptor describes one score of a rubric criterion.
type LevelDescriptor struct {
	// Level is the score, from 1.
	Level int `json:"level"`
	// Descriptor says what earns the score.
	Descriptor string `json:"descriptor"`
}

// ConflictRule is one conflict-of-interest rule. Exactly one of SameUnit and
// Declared is set.
type ConflictRule struct {
	// Key identifies the rule ("same_school").
	Key string `json:"key"`
	// Description states the rule.
	Description string `json:"description"`
	// SameUnit makes a panel member who belongs to the same unit as the
	// candidate stand aside: [ScopeSchool] or a geography level key.
	SameUnit string `json:"sameUnit,omitempty"`
	// Declared marks a conflict panel members declare themselves (family,
	// business), which the platform records but cannot detect.
	Declared bool `json:"declared,omitempty"`
}

// Caseload limits how many holders of one role a holder of another may coach.
type Caseload struct {
	// Role is the coach's role key.
	Role string `json:"role"`
	// Coachee is the coached role key.
	Coachee string `json:"coachee"`
	// Max is the hard limit: assigning one more is refused.
	// +kubebuilder:validation:Minimum=1
	Max int `json:"max"`
	// Warn, when set, is the caseload above which a warning is shown.
	Warn int `json:"warn,omitempty"`
}

// Accreditation is the certificate programme leaders are enrolled on at
// appointment and assessed through a portfolio.
type Accreditation struct {
	// Name is the qualification's name.
	Name string `json:"name"`
	// AwardingBody is who awards it and signs the credential.
	AwardingBody string `json:"awardingBody"`
	// Roles are the role keys enrolled on appointment.
	Roles []string `json:"roles"`
	// Modules make up the programme.
	Modules []Module `json:"modules"`
	// Evidence lists the portfolio's minimum evidence.
	Evidence []EvidenceRequirement `json:"evidence"`
	// PassLevel is the level on the competency framework's scale an assessor
	// must award for a portfolio to pass.
	PassLevel int `json:"passLevel"`
	// MaxResubmissions is how often a failed portfolio may be resubmitted.
	MaxResubmissions int `json:"maxResubmissions,omitempty"`
}

// Module is one module of the certificate programme.
type Module struct {
	// Code is the awarding body's module code.
	Code string `json:"code"`
	// Name is the module's title.
	Name string `json:"name"`
	// Credits is the module's credit value.
	// +kubebuilder:validation:Minimum=1
	Credits int `json:"credits"`
	// Competencies are the keys of the competency areas the module assesses.
	Competencies []string `json:"competencies,omitempty"`
}

// EvidenceRequirement is a minimum amount of one kind of portfolio evidence.
type EvidenceRequirement struct {
	// Key identifies the evidence kind ("plcs_led").
	Key string `json:"key"`
	// Name describes it.
	Name string `json:"name"`
	// Source is [EvidenceAutomatic] or [EvidenceUpload].
	// +kubebuilder:validation:Enum=automatic;upload
	Source string `json:"source"`
	// Min is the least number of items a portfolio must hold.
	// +kubebuilder:validation:Minimum=1
	Min int `json:"min"`
}
