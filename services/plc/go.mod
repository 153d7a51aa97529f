module github.com/l4l-platform/l4l/services/plc

go 1.26.0

require github.com/l4l-platform/l4l/libs v0.0.0

require (
	github.com/arran4/golang-ical v0.3.4 // indirect
	github.com/google/uuid v1.6.0 // indirect
)

replace github.com/l4l-platform/l4l/libs => ../../libs
