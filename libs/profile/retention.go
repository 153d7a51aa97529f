package profile

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Kinds of record whose lifetime a profile may set. The platform's own are kept by libs
// in every service; the others belong to one service each. A profile naming any other
// kind is refused: a typo would otherwise leave data kept for the default lifetime
// while the ministry believes it set another.
const (
	RetentionAuditEntries         = "audit_entries"
	RetentionIdempotencyRecords   = "idempotency_records"
	RetentionRetentionRuns        = "retention_runs"
	RetentionRejectedApplications = "rejected_applications"
)

// RetentionRecords describes each kind of record a profile may set a lifetime for.
var RetentionRecords = map[string]string{
	RetentionAuditEntries:         "every service's audit trail entries, from when they were written",
	RetentionIdempotencyRecords:   "stored answers to repeated POSTs, from when they were stored",
	RetentionRetentionRuns:        "the retention job's own reports, from when the run started",
	RetentionRejectedApplications: "recruitment applications not appointed (withdrawn, screened out, not reached, declined), from the withdrawal or the campaign's ranking",
}

var periodRE = regexp.MustCompile(`^([1-9][0-9]{0,3})([dmy])$`)

// +kubebuilder:object:generate=false

// Period is a calendar lifetime: "2y" is two years to the day, whatever the leap years,
// "18m" eighteen months, "90d" ninety days.
type Period struct {
	N    int
	Unit byte // 'd', 'm' or 'y'
}

// ParsePeriod reads "90d", "18m", "2y".
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("%q is not a lifetime like 90d, 18m or 2y (a whole number from 1 to 9999, then d, m or y)", s)
	}
	n, _ := strconv.Atoi(m[1])
	return Period{N: n, Unit: m[2][0]}, nil
}

// Days, Months and Years make periods in code.
func Days(n int) Period   { return Period{N: n, Unit: 'd'} }
func Months(n int) Period { return Period{N: n, Unit: 'm'} }
func Years(n int) Period  { return Period{N: n, Unit: 'y'} }

// Before is the instant the period before t: records that ended before it have expired.
func (p Period) Before(t time.Time) time.Time {
	switch p.Unit {
	case 'y':
		return t.AddDate(-p.N, 0, 0)
	case 'm':
		return t.AddDate(0, -p.N, 0)
	default:
		return t.AddDate(0, 0, -p.N)
	}
}

// String writes the period as a profile does.
func (p Period) String() string { return strconv.Itoa(p.N) + string(p.Unit) }

// RetentionFor is the lifetime the profile sets for a kind of record, if it sets one.
// Validate the profile first: an ill-formed entry counts as not set.
func (s *Spec) RetentionFor(record string) (Period, bool) {
	for _, r := range s.Retention {
		if r.Record == record {
			p, err := ParsePeriod(r.Keep)
			return p, err == nil
		}
	}
	return Period{}, false
}
