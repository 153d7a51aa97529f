package domain

import (
	"slices"

	"github.com/l4l-platform/l4l/libs/profile"
)

// PlanRules are the programme's rules for school improvement plans: what a plan is
// reviewed against, who reviews it, when it "meets the quality and inclusion criteria"
// (seed 001: 68% → 98% of schools), and what makes a school's system for identifying
// children at risk of dropping out (seed 001: 72% of schools have one).
//
// The country profile has no place for them yet; until libs/profile gains a
// `schoolPlans` section of this shape (the JSON names below are the proposed YAML keys),
// every country gets DefaultPlanRules, drawn from the seeds. They are data, not code:
// moving them into the profile changes PlanRulesFor only.
type PlanRules struct {
	// LearningSubjects are the learning outcomes a priority or target can name (seed
	// 001: English and mathematics).
	LearningSubjects []string `json:"learningSubjects"`
	// ReviewerRoles may review any plan of a school in their unit, besides the head
	// teacher's coach (whoever coaches them, interim cover included).
	ReviewerRoles []string `json:"reviewerRoles"`
	// RiskRecorderRoles may record a school's drop-out-risk check, besides the head
	// teacher's coach.
	RiskRecorderRoles []string `json:"riskRecorderRoles"`
	// Criteria are what a reviewer rates, each met, partly met or not met.
	Criteria []PlanCriterion `json:"criteria"`
	// Quality and Inclusion decide whether the criteria of their group are met.
	Quality   MeetsRule `json:"quality"`
	Inclusion MeetsRule `json:"inclusion"`
	// DropoutRisk defines a drop-out-risk identification system.
	DropoutRisk DropoutRiskRules `json:"dropoutRisk"`
}

// Criterion groups.
const (
	GroupQuality   = "quality"
	GroupInclusion = "inclusion"
)

// PlanCriterion is one quality or inclusion criterion of a plan review.
type PlanCriterion struct {
	Key   string `json:"key"`
	Group string `json:"group"`
	Name  string `json:"name"`
}

// MeetsRule: a group is met when every Required criterion is met, at least MinMet of
// the group's criteria are met, and at most MaxNotMet are not met (partly met counts
// toward neither).
type MeetsRule struct {
	MinMet    int      `json:"minMet"`
	MaxNotMet int      `json:"maxNotMet"`
	Required  []string `json:"required"`
}

// DropoutRiskRules: a school has a system when at least MinMet of the criteria hold.
type DropoutRiskRules struct {
	Criteria []RiskCriterion `json:"criteria"`
	MinMet   int             `json:"minMet"`
}

// RiskCriterion is one element of a drop-out-risk system.
type RiskCriterion struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// DefaultPlanRules are drawn from the seeds: plans focused on learning outcomes in
// English and maths, with measurable targets and owned, dated actions (000, 001, 003);
// inclusion of learners with disabilities, girls and children at risk of dropping out
// (001); a drop-out-risk system is a list of at-risk learners kept, reviewed monthly,
// with follow-up actions with families (issue 12).
var DefaultPlanRules = PlanRules{
	LearningSubjects: []string{"english", "mathematics"},
	// ReviewerRoles and RiskRecorderRoles come from the profile's roles (PlanRulesFor).
	Criteria: []PlanCriterion{
		{Key: "learning_focus", Group: GroupQuality, Name: "Priorities focus on pupils' learning outcomes in English and mathematics"},
		{Key: "uses_data", Group: GroupQuality, Name: "Priorities come from an analysis of the school's learning data"},
		{Key: "measurable_targets", Group: GroupQuality, Name: "Targets are measurable, with a baseline and a date"},
		{Key: "owned_actions", Group: GroupQuality, Name: "Every action has an owner and dates"},
		{Key: "resources", Group: GroupQuality, Name: "The resources the actions need are identified"},
		{Key: "monitoring", Group: GroupQuality, Name: "Progress is monitored and reviewed each term"},
		{Key: "learners_with_disabilities", Group: GroupInclusion, Name: "Learners with disabilities are provided for"},
		{Key: "girls", Group: GroupInclusion, Name: "Girls' participation and learning are addressed"},
		{Key: "dropout_risk", Group: GroupInclusion, Name: "Children at risk of dropping out are identified and supported"},
	},
	Quality:   MeetsRule{MinMet: 4, MaxNotMet: 0, Required: []string{"learning_focus", "measurable_targets", "owned_actions"}},
	Inclusion: MeetsRule{MinMet: 3, MaxNotMet: 0, Required: []string{"learners_with_disabilities", "girls", "dropout_risk"}},
	DropoutRisk: DropoutRiskRules{MinMet: 3, Criteria: []RiskCriterion{
		{Key: "at_risk_list", Name: "A list of learners at risk of dropping out is kept"},
		{Key: "reviewed_monthly", Name: "The list is reviewed every month"},
		{Key: "family_follow_up", Name: "Follow-up actions are taken with the families of learners at risk"},
	}},
}

// PlanRulesFor returns the plan rules of a country profile: the defaults, reviewed by
// the profile's education officers (Rwanda: SEO, DEO; Kenya: CSO, SCDE, CDE), whose checks
// of drop-out-risk systems field staff may record too.
func PlanRulesFor(p *profile.Index) PlanRules {
	r := DefaultPlanRules
	r.ReviewerRoles = EducationOfficers(p)
	r.RiskRecorderRoles = slices.Clone(r.ReviewerRoles)
	if _, ok := p.Role(FieldStaffRole); ok {
		r.RiskRecorderRoles = append(r.RiskRecorderRoles, FieldStaffRole)
	}
	return r
}

// FieldStaffRole is the role key of monitoring staff on school visits.
const FieldStaffRole = "field_staff"

// EducationOfficers are the roles with exactly one holder per unit of their own level
// between the school and the country, other than the coaches of head teachers: the
// officers responsible for a sector or district's schools (in profile order).
func EducationOfficers(p *profile.Index) []string {
	rated := RatedRole(p)
	var out []string
	for _, r := range p.Spec().Roles {
		if r.Scope == profile.ScopeSchool || r.Scope == profile.ScopeCountry || r.Quota == nil ||
			r.Quota.Count != 1 || r.Quota.PerLevel != r.Scope || slices.Contains(r.Coaches, rated) {
			continue
		}
		out = append(out, r.Key)
	}
	return out
}

// Criterion finds a criterion by key.
func (r PlanRules) Criterion(key string) (PlanCriterion, bool) {
	i := slices.IndexFunc(r.Criteria, func(c PlanCriterion) bool { return c.Key == key })
	if i < 0 {
		return PlanCriterion{}, false
	}
	return r.Criteria[i], true
}

func (r PlanRules) criterionKeys() []string {
	var out []string
	for _, c := range r.Criteria {
		out = append(out, c.Key)
	}
	return out
}

func (r PlanRules) riskKeys() []string {
	var out []string
	for _, c := range r.DropoutRisk.Criteria {
		out = append(out, c.Key)
	}
	return out
}

// Criterion ratings.
const (
	RatingMet    = "met"
	RatingPartly = "partly"
	RatingNotMet = "not_met"
)

// Assessment is what the criteria ratings of a review add up to.
type Assessment struct {
	Met          int  `json:"criteria_met" bson:"criteria_met"`
	Partly       int  `json:"criteria_partly" bson:"criteria_partly"`
	NotMet       int  `json:"criteria_not_met" bson:"criteria_not_met"`
	MeetsQuality bool `json:"meets_quality" bson:"meets_quality"`
	InclusionMet bool `json:"inclusion_met" bson:"inclusion_met"`
	// MeetsQualityAndInclusion is the programme's KPI: the plan meets the quality and
	// inclusion criteria.
	MeetsQualityAndInclusion bool `json:"meets_quality_and_inclusion" bson:"meets_quality_and_inclusion"`
	// Short names the criteria that keep a group from being met.
	Short []string `json:"short_of,omitempty" bson:"short_of,omitempty"`
}

// Assess applies the rules to a review's ratings (keys already validated).
func (r PlanRules) Assess(ratings []CriterionRating) Assessment {
	by := map[string]string{}
	for _, c := range ratings {
		by[c.Key] = c.Rating
	}
	var a Assessment
	group := func(g string, rule MeetsRule) bool {
		met, notMet := 0, 0
		for _, c := range r.Criteria {
			if c.Group != g {
				continue
			}
			switch by[c.Key] {
			case RatingMet:
				met++
			case RatingNotMet:
				notMet++
			}
		}
		ok := met >= rule.MinMet && notMet <= rule.MaxNotMet
		for _, k := range rule.Required {
			if by[k] != RatingMet {
				ok = false
				a.Short = append(a.Short, k)
			}
		}
		return ok
	}
	for _, c := range ratings {
		switch c.Rating {
		case RatingMet:
			a.Met++
		case RatingPartly:
			a.Partly++
		case RatingNotMet:
			a.NotMet++
		}
	}
	a.MeetsQuality = group(GroupQuality, r.Quality)
	a.InclusionMet = group(GroupInclusion, r.Inclusion)
	a.MeetsQualityAndInclusion = a.MeetsQuality && a.InclusionMet
	return a
}
