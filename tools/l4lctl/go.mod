module github.com/l4l-platform/l4l/tools/l4lctl

go 1.26.0

require (
	github.com/l4l-platform/l4l/libs v0.0.0
	github.com/l4l-platform/l4l/services/directory v0.0.0
)

replace (
	github.com/l4l-platform/l4l/libs => ../../libs
	github.com/l4l-platform/l4l/services/directory => ../../services/directory
)
