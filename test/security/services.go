package security

import (
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/coaching"
	"github.com/l4l-platform/l4l/services/directory"
	"github.com/l4l-platform/l4l/services/plc"
	"github.com/l4l-platform/l4l/services/recruitment"
)

// Services are what the suite attacks. Adding a service is one line here;
// TestEveryServiceIsAttacked fails while one is missing.
func Services() []service.Definition {
	return []service.Definition{
		directory.Definition,
		recruitment.Definition,
		plc.Definition,
		coaching.Definition,
		accreditation.Definition,
		analytics.Definition,
	}
}
