package main

import (
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/coaching"
	"github.com/l4l-platform/l4l/services/directory"
	"github.com/l4l-platform/l4l/services/plc"
	"github.com/l4l-platform/l4l/services/recruitment"
)

// services are what `dev up` runs, in start order. Each listens on --base-port + offset;
// offsets are written out rather than taken from the position so that a service keeps
// its port (and everyone's bookmarks) when another is added or removed. Adding a
// service is one line here.
var services = []struct {
	def    service.Definition
	offset int
}{
	{directory.Definition, 0},
	{recruitment.Definition, 1},
	{plc.Definition, 2},
	{coaching.Definition, 3},
	{accreditation.Definition, 4},
	{analytics.Definition, 5},
}
